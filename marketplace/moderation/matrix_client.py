"""The one module that talks to Matrix homeservers, through matrix-nio.

``MatrixSession`` wraps nio's ``AsyncClient`` in plain blocking calls (it owns a
small event loop), so the connection page and the bridge, both synchronous like
the rest of the app, call ``whoami()``, ``join()``, ``sync()``, ``redact()`` …
Every answer that is not what we asked for becomes a ``MatrixProblem`` with a
``kind`` the callers turn into the user's words (``TOKEN``, ``NOT_INVITED``,
``UNREACHABLE`` …) and the homeserver's own error code and message as detail.

Requests are not retried here (nio's endless retry on connection errors is
switched off): the bridge retries on its next round, the company presses the
button again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomMessagesResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
    WhoamiResponse,
)
from nio.api import MessageDirection, RoomPreset

# nio logs every error answer at WARNING; we report them ourselves.
logging.getLogger("nio").setLevel(logging.ERROR)

# Power levels that moderation needs, with Matrix's defaults when the room sets none.
NEEDED_POWERS = ("redact", "kick", "ban", "power_levels")


class MatrixProblem(Exception):
    TOKEN = "token"  # noqa: S105 - the access token is not (or no longer) valid
    NOT_INVITED = "not_invited"  # the bot may not join the room
    NO_ROOM = "no_room"  # no such room or alias
    UNREACHABLE = "unreachable"  # no answer from the homeserver
    REFUSED = "refused"  # anything else the homeserver refused

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail[:300]


@dataclass
class Message:
    event_id: str
    sender: str
    body: str
    timestamp_ms: int


def _problem(answer: ErrorResponse, default: str = MatrixProblem.REFUSED) -> MatrixProblem:
    code = str(answer.status_code or "")
    kind = default
    if code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        kind = MatrixProblem.TOKEN
    return MatrixProblem(kind, f"{code} {answer.message or ''}".strip())


class MatrixSession:
    """One homeserver, one access token (the bot's). ``close()`` when done."""

    def __init__(self, homeserver_url: str, access_token: str, *, timeout: float = 30) -> None:
        self.loop = asyncio.new_event_loop()
        self.timeout = timeout
        self.client = AsyncClient(
            homeserver_url.rstrip("/"),
            config=AsyncClientConfig(max_timeouts=0, max_limit_exceeded=3, request_timeout=timeout),
        )
        self.client.access_token = access_token
        self._names: dict[tuple[str, str], str] = {}

    def _run(self, coroutine) -> Any:
        try:
            return self.loop.run_until_complete(coroutine)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise MatrixProblem(MatrixProblem.UNREACHABLE, f"{type(exc).__name__}: {exc}") from exc

    def _expect(self, answer: Any, kind: type, default: str = MatrixProblem.REFUSED) -> Any:
        if isinstance(answer, kind):
            return answer
        if isinstance(answer, ErrorResponse):
            raise _problem(answer, default)
        raise MatrixProblem(default, type(answer).__name__)

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.client.close())
        finally:
            self.loop.close()

    # --- who and where ---------------------------------------------------------------------

    def whoami(self) -> str:
        """The bot's user id; ``TOKEN`` when the homeserver does not know the token."""
        answer = self._run(self.client.whoami())
        if isinstance(answer, ErrorResponse):
            raise MatrixProblem(MatrixProblem.TOKEN, f"{answer.status_code} {answer.message}")
        answer = self._expect(answer, WhoamiResponse)
        self.client.user_id = answer.user_id
        return answer.user_id

    def join(self, room: str) -> str:
        """Join the room (id or alias) the bot was invited to; returns the room id."""
        answer = self._run(self.client.join(room))
        if isinstance(answer, ErrorResponse):
            code = str(answer.status_code or "")
            if code == "M_NOT_FOUND" or "not found" in (answer.message or "").lower():
                raise _problem(answer, MatrixProblem.NO_ROOM)
            if code == "M_FORBIDDEN":
                raise _problem(answer, MatrixProblem.NOT_INVITED)
        return self._expect(answer, JoinResponse, MatrixProblem.NOT_INVITED).room_id

    def power_levels(self, room_id: str) -> dict[str, Any]:
        answer = self._run(self.client.room_get_state_event(room_id, "m.room.power_levels"))
        return dict(self._expect(answer, RoomGetStateEventResponse).content)

    def set_power_levels(self, room_id: str, content: dict[str, Any]) -> None:
        answer = self._run(self.client.room_put_state(room_id, "m.room.power_levels", content))
        if isinstance(answer, ErrorResponse):
            raise _problem(answer)

    def display_name(self, room_id: str, user_id: str) -> str:
        """The user's name in the room (their member event), cached for the session."""
        key = (room_id, user_id)
        if key not in self._names:
            answer = self._run(self.client.room_get_state_event(room_id, "m.room.member", user_id))
            name = ""
            if isinstance(answer, RoomGetStateEventResponse):
                name = str(answer.content.get("displayname") or "")
            self._names[key] = name
        return self._names[key]

    # --- reading ---------------------------------------------------------------------------

    def sync(
        self, room_id: str, since: str | None, timeout_ms: int = 0
    ) -> tuple[str, list[Message]]:
        """New text messages in the room since the token; returns the next token too."""
        sync_filter = {
            "room": {
                "rooms": [room_id],
                "timeline": {"limit": 500, "types": ["m.room.message"]},
                "state": {"lazy_load_members": True},
                "ephemeral": {"not_types": ["*"]},
                "account_data": {"not_types": ["*"]},
            },
            "presence": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
        }
        answer = self._run(
            self.client.sync(timeout=timeout_ms, sync_filter=sync_filter, since=since)
        )
        answer = self._expect(answer, SyncResponse)
        joined = answer.rooms.join.get(room_id)
        events = list(joined.timeline.events) if joined else []
        if joined and joined.timeline.limited and since:
            # More was posted than one sync returns (Synapse gives at most 100):
            # page back from the timeline's start to where the last sync stopped.
            events = self._backfill(room_id, joined.timeline.prev_batch, since) + events
        return answer.next_batch, [
            Message(event.event_id, event.sender, event.body, event.server_timestamp)
            for event in events
            if isinstance(event, RoomMessageText)
        ]

    def _backfill(self, room_id: str, start: str, since: str) -> list[Any]:
        earlier: list[Any] = []
        while start:
            answer = self._run(
                self.client.room_messages(
                    room_id,
                    start=start,
                    end=since,
                    direction=MessageDirection.back,
                    limit=100,
                    message_filter={"types": ["m.room.message"]},
                )
            )
            answer = self._expect(answer, RoomMessagesResponse)
            if not answer.chunk:
                break
            earlier.extend(answer.chunk)
            start = answer.end
        return list(reversed(earlier))

    # --- acting ----------------------------------------------------------------------------

    def send_text(self, room_id: str, text: str, txn_id: str) -> str:
        """Post a text message; the same ``txn_id`` again does not post twice."""
        answer = self._run(
            self.client.room_send(
                room_id, "m.room.message", {"msgtype": "m.text", "body": text}, tx_id=txn_id
            )
        )
        return self._expect(answer, RoomSendResponse).event_id

    def redact(self, room_id: str, event_id: str, reason: str, txn_id: str) -> None:
        answer = self._run(self.client.room_redact(room_id, event_id, reason, tx_id=txn_id))
        if isinstance(answer, ErrorResponse):
            raise _problem(answer)

    def ban(self, room_id: str, user_id: str, reason: str) -> None:
        answer = self._run(self.client.room_ban(room_id, user_id, reason))
        if isinstance(answer, ErrorResponse):
            raise _problem(answer)

    def unban(self, room_id: str, user_id: str) -> None:
        answer = self._run(self.client.room_unban(room_id, user_id))
        if isinstance(answer, ErrorResponse):
            raise _problem(answer)

    def direct_room(self, user_id: str) -> str:
        """A new direct room with the user (the caller keeps its id for next time)."""
        answer = self._run(
            self.client.room_create(
                is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat
            )
        )
        return self._expect(answer, RoomCreateResponse).room_id


def missing_powers(levels: dict[str, Any], user_id: str) -> list[str]:
    """Which of redact, kick, ban and changing power levels the user may not do."""
    users = levels.get("users") or {}
    own = int(users.get(user_id, levels.get("users_default", 0)))
    state_default = int(levels.get("state_default", 50))
    needed = {
        "redact": int(levels.get("redact", 50)),
        "kick": int(levels.get("kick", 50)),
        "ban": int(levels.get("ban", 50)),
        "power_levels": int((levels.get("events") or {}).get("m.room.power_levels", state_default)),
    }
    return [power for power in NEEDED_POWERS if own < needed[power]]
