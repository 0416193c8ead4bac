"""Talking to Nebendesk's community API over HTTP: items in, decisions polled."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from marketplace.sandbox.community.config import Connection

# Never through a proxy: Nebendesk runs beside the sandbox.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NebendeskError(Exception):
    """Nebendesk could not be reached or refused the request (message says why)."""


def _call(
    connection: Connection, method: str, path: str, payload: Any = None, *, timeout: float
) -> dict[str, Any]:
    if not connection.complete:
        raise NebendeskError(
            "not connected: no community id and token (options or the connection file)"
        )
    if not connection.api_url.startswith(("http://", "https://")):
        raise NebendeskError(f"Nebendesk's URL must be http(s): {connection.api_url!r}")
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        connection.base + path,
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {connection.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        raise NebendeskError(f"Nebendesk answered {exc.code}: {detail}") from None
    except (OSError, ValueError) as exc:
        raise NebendeskError(f"Nebendesk not reachable at {connection.api_url}: {exc}") from None


def send_item(connection: Connection, item: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """POST one item; the answer (201 created, 200 known)."""
    return _call(connection, "POST", "/items", item, timeout=timeout)


def fetch_decisions(
    connection: Connection, after: int, *, limit: int = 100, timeout: float
) -> dict[str, Any]:
    """GET …/decisions?after=: {"events": [{"seq", "event"}], "next_after"}."""
    return _call(connection, "GET", f"/decisions?after={after}&limit={limit}", timeout=timeout)
