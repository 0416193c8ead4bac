"""Serving the emulator with Werkzeug (threaded), in the foreground for
``flask sandbox stripe`` or on a background thread for tests."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace.sandbox.stripe_emulator.app import Emulator, create_emulator
from marketplace.sandbox.stripe_emulator.client import EmulatorControl


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class EmulatorServer:
    """``EmulatorServer(port=0).start()`` serves on a free port; ``.url`` is the
    API base (``stripe.StripeClient(key, base_addresses={"api": server.url})``),
    ``.control`` the test-only endpoints."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False, **settings: Any
    ) -> None:
        self.app = create_emulator(**settings)
        try:
            self.server = make_server(
                host,
                port,
                self.app,
                threaded=True,
                request_handler=_QuietHandler if quiet else None,
            )
        except (OSError, SystemExit) as exc:
            # Werkzeug exits when the port is taken; stop the threads create_emulator started.
            self.emulator.close()
            raise OSError(f"cannot listen on {host}:{port}") from exc
        self.url = f"http://{host}:{self.server.server_port}"
        self.control = EmulatorControl(self.url)
        self._thread: threading.Thread | None = None

    @property
    def emulator(self) -> Emulator:
        return self.app.extensions["stripe_emulator"]

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="stripe-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.1)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.close()

    def stop(self) -> None:
        self.server.shutdown()
        if self._thread:
            self._thread.join(timeout=5)
        self.close()

    def close(self) -> None:
        self.server.server_close()
        self.emulator.close()
