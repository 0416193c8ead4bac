"""Serving the sandbox community with Werkzeug (threaded), in the foreground for
``flask sandbox community`` or on a background thread for tests."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace.sandbox.community.app import create_community
from marketplace.sandbox.community.service import SandboxCommunity


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class CommunityServer:
    """``CommunityServer(port=0, api_url=…, community_id=…, token=…).start()``
    serves on a free port; ``.url`` is its base, ``.url + "/webhook"`` the
    webhook endpoint to give Nebendesk."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False, **settings: Any
    ) -> None:
        self.app = create_community(**settings)
        try:
            self.server = make_server(
                host,
                port,
                self.app,
                threaded=True,
                request_handler=_QuietHandler if quiet else None,
            )
        except (OSError, SystemExit) as exc:
            raise OSError(f"cannot listen on {host}:{port}") from exc
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread: threading.Thread | None = None

    @property
    def community(self) -> SandboxCommunity:
        return self.app.extensions["sandbox_community"]

    def start(self) -> CommunityServer:
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="sandbox-community", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.1)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.server.server_close()

    def stop(self) -> None:
        self.server.shutdown()
        if self._thread:
            self._thread.join(timeout=5)
        self.server.server_close()
