"""A stand-in for Nebendesk's community API over real HTTP: it records every
request the sandbox community makes and answers as the contract says."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from marketplace.work import outbox

TOKEN = "tok_sandbox_test"
SECRET = "whsec_sandbox_test"
COMMUNITY_ID = 7


class FakeNebendesk:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.held_texts: set[str] = set()
        self.events: list[dict[str, Any]] = []  # served by GET …/decisions
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "json": body}
                )
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"error": "unauthorized"})
                held = body["text"] in fake.held_texts
                self._answer(201, {"item": {"id": body["id"], "status": "created"}, "held": held})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
                after = int(parse_qs(url.query).get("after", ["0"])[0])
                events = [e for e in fake.events if e["seq"] > after][:2]  # small pages
                next_after = events[-1]["seq"] if events else after
                self._answer(200, {"events": events, "next_after": next_after})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def items(self) -> list[dict[str, Any]]:
        return [r["json"] for r in self.requests if "json" in r]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def envelope(
    decision_id: int,
    action: str,
    *,
    item_id: str | None,
    author_id: str,
    type_: str = "decision.created",
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A decision event as Nebendesk's outbox sends it (outbox.body_of)."""
    decision = {
        "id": decision_id,
        "action": action,
        "status": "effective",
        "item": {"id": item_id, "channel": "lobby", "thread": ""} if item_id else None,
        "author": {"id": author_id},
        "rule": {"number": 2} if action in ("remove", "warn", "mute", "ban") else None,
        "message": "",
        "language": "en",
        "mute_until": None,
        "reverses": None,
        "statement_of_reasons": None,
        "decided_by": "moderation_team",
    }
    decision.update(fields)
    return {
        "id": event_id or f"evt_{type_}_{decision_id}",
        "type": type_,
        "created": "2026-12-06T10:00:00+00:00",
        "community_id": COMMUNITY_ID,
        "data": {"decision": decision},
    }


def signed(event: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        outbox.SIGNATURE_HEADER: outbox.sign(secret, body),
        outbox.EVENT_ID_HEADER: event["id"],
    }
    return body, headers
