"""Settings of one sandbox community, and where its connection to Nebendesk
comes from.

The connection (Nebendesk's base URL, the community's id, its API token and its
webhook signing secret) is given on the command line or read from a small JSON
file, ``instance/sandbox-community.json`` by default, which ``flask seed demo``
writes for the demo's sandbox community (:func:`write_connection`)::

    {"api_url": "http://127.0.0.1:5000", "community_id": 3,
     "token": "…", "webhook_secret": "…"}

The file is read again whenever it changes, so the sandbox may start before the
seed writes it (``make run`` does) and a re-seed (new token) needs no restart.
Options given on the command line win over the file.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_CONNECTION_FILE = "instance/sandbox-community.json"
DEFAULT_API_URL = "http://127.0.0.1:5000"
DEFAULT_PORT = 12112
# The webhook URL to give the demo's sandbox community in Nebendesk.
DEFAULT_WEBHOOK_URL = f"http://127.0.0.1:{DEFAULT_PORT}/webhook"
CONNECTION_FIELDS = ("api_url", "community_id", "token", "webhook_secret")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Connection:
    api_url: str = DEFAULT_API_URL
    community_id: int | None = None
    token: str = ""
    webhook_secret: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.api_url and self.community_id and self.token)

    @property
    def base(self) -> str:
        return f"{self.api_url.rstrip('/')}/api/v1/communities/{self.community_id}"


@dataclass
class CommunityConfig:
    # Settings given explicitly (options, tests); missing ones come from connection_file.
    api_url: str | None = None
    community_id: int | None = None
    token: str | None = None
    webhook_secret: str | None = None
    # JSON file with the connection (written by ``flask seed demo``); None: options only.
    connection_file: str | None = None
    # JSON file the community's state (users, messages, decisions) is kept in; None: memory.
    state_path: str | None = None
    # How many preceding messages go with an item as its context.
    context_size: int = 5
    http_timeout: float = 10.0
    # The clock (tests travel in time by passing their own).
    clock: Callable[[], datetime] = field(default=utc_now)

    def copy(self, **changes: object) -> CommunityConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


class ConnectionSource:
    """The current connection: explicit settings over the file's, the file read
    again when its modification time changes."""

    def __init__(self, config: CommunityConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._from_file: dict[str, Any] = {}

    def _file_settings(self) -> dict[str, Any]:
        path = self.config.connection_file
        if not path:
            return {}
        with self._lock:
            try:
                stamp = os.stat(path).st_mtime
            except OSError:
                self._stamp, self._from_file = None, {}
                return {}
            if stamp != self._stamp:
                try:
                    data = json.loads(Path(path).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return self._from_file  # half-written: keep the last good one
                self._stamp = stamp
                self._from_file = {k: data[k] for k in CONNECTION_FIELDS if data.get(k)}
            return self._from_file

    def current(self) -> Connection:
        settings = dict(self._file_settings())
        for name in CONNECTION_FIELDS:
            value = getattr(self.config, name)
            if value:
                settings[name] = value
        if settings.get("community_id") is not None:
            settings["community_id"] = int(settings["community_id"])
        return Connection(**settings)


def write_connection(
    path: str | os.PathLike[str],
    *,
    community_id: int,
    token: str,
    webhook_secret: str,
    api_url: str = DEFAULT_API_URL,
) -> None:
    """Write the connection file the sandbox reads (atomically): what
    ``flask seed demo`` calls for the demo's sandbox community (source
    ``sandbox``, webhook URL :data:`DEFAULT_WEBHOOK_URL`). The token is stored
    only as a hash, so the seed writes the file when it creates the community,
    and rotates the token (writing the file again) when the file is missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "api_url": api_url,
        "community_id": community_id,
        "token": token,
        "webhook_secret": webhook_secret,
    }
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
