"""The Matrix bridge (``flask moderation matrix``): one long-running process that
brings the connected rooms' messages in as moderation items and carries the
decisions out in the rooms.

Each round (``Bridge.run_once``, what the tests call) does three things, each
committed in its own short transactions so a crash loses nothing:

1. **In.** Sync every connected room from its stored ``sync_token``; each new text
   message becomes an item through the community API's intake service
   (intake.store_items: the Matrix event id is the item's id, so a restart that
   sees a message again stores nothing). The token is stored with the items, in
   the same commit.
2. **Out.** The outgoing events of Matrix communities (work/outbox.py; the webhook
   delivery skips them) are carried out as Matrix actions, each locked (SKIP
   LOCKED), tried and logged like a webhook (delivery.record_attempt: retried with
   growing waits, given up after ``WEBHOOK_MAX_ATTEMPTS``):
   remove → redact; warn → the warning in the room (or as a direct message);
   mute → power level below posting until the ladder's end (a ``MatrixMute`` row);
   ban (once the company confirmed it) → ban; answer → a message in the room;
   decision.reversed → a mute lifted, a ban undone; ``message.posted`` (the
   moderation team writes into the channel) → a message from the bot. Messages
   are sent with the event's id as transaction id: a retry never posts twice.
3. **Unmute.** Mutes whose end has come get the user's old power level back.

The ladder has no kick; a ban is the only removal of a person from the room.
Messages in end-to-end encrypted rooms are not read (the bot has no keys).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace import crypto
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import intake
from marketplace.moderation.item_json import TEXT_MAX
from marketplace.moderation.item_models import Decision, DecisionAction
from marketplace.moderation.matrix_client import MatrixProblem, MatrixSession, Message
from marketplace.moderation.matrix_models import MatrixMute, MatrixRoom
from marketplace.work import delivery
from marketplace.work.models import OutgoingEvent

log = logging.getLogger(__name__)

CONTEXT_MESSAGES = 5


class Bridge:
    """Holds one ``MatrixSession`` per connected room between rounds."""

    def __init__(self) -> None:
        self.sessions: dict[int, tuple[tuple[str, str], MatrixSession]] = {}

    def close(self) -> None:
        for _key, session in self.sessions.values():
            session.close()
        self.sessions.clear()

    def session(self, room: MatrixRoom, timeout: float = 30) -> MatrixSession:
        token = crypto.decrypt(room.access_token_encrypted)
        key = (room.homeserver_url, token)
        known = self.sessions.get(room.id)
        if known is not None and known[0] == key:
            return known[1]
        if known is not None:
            known[1].close()
        session = MatrixSession(room.homeserver_url, token, timeout=timeout)
        session.client.user_id = room.bot_user_id
        self.sessions[room.id] = (key, session)
        return session

    # --- one round -------------------------------------------------------------------------

    def run_once(self, *, sync_timeout_ms: int = 0, now: datetime | None = None) -> dict[str, int]:
        rooms = db.session.scalars(sa.select(MatrixRoom).order_by(MatrixRoom.id)).all()
        room_ids = [room.id for room in rooms]
        db.session.rollback()
        wait = sync_timeout_ms // max(len(room_ids), 1)
        imported = sum(self.import_room(room_id, wait) for room_id in room_ids)
        carried = self.carry_out_due(now)
        lifted = self.lift_due_mutes(now)
        return {"imported": imported, "carried_out": carried, "unmuted": lifted}

    def run_forever(self, *, rounds: int | None = None) -> None:
        """Round after round until stopped (Ctrl+C / SIGTERM); ``rounds`` for tests."""
        timeout_ms = int(current_app.config["MATRIX_SYNC_TIMEOUT"] * 1000)
        done = 0
        try:
            while rounds is None or done < rounds:
                started = time.monotonic()
                try:
                    self.run_once(sync_timeout_ms=timeout_ms)
                except Exception:  # one bad round must not end the bridge
                    db.session.rollback()
                    log.exception("Matrix bridge round failed")
                    time.sleep(5)
                done += 1
                if time.monotonic() - started < 0.2:
                    time.sleep(0.2)  # no rooms, or a homeserver that answers at once
        finally:
            self.close()

    # --- in --------------------------------------------------------------------------------

    def import_room(self, room_id: int, timeout_ms: int = 0) -> int:
        """New messages of one room become items; returns how many were new."""
        room = db.session.get(MatrixRoom, room_id)
        if room is None:
            return 0
        try:
            session = self.session(room, timeout=timeout_ms / 1000 + 30)
            next_batch, messages = session.sync(room.room_id, room.sync_token, timeout_ms)
            messages = [m for m in messages if m.sender != room.bot_user_id]
            items = [
                _item_json(room, session, message, messages[max(0, i - CONTEXT_MESSAGES) : i])
                for i, message in enumerate(messages)
            ]
        except (MatrixProblem, crypto.SecretUnreadable) as problem:
            room.last_error = str(problem)[:500]
            db.session.commit()
            return 0
        valid = []
        for data in items:
            result = intake.validate(data)
            if isinstance(result, list):
                log.warning("Matrix message %s not stored: %s", data["id"], result)
                continue
            valid.append(result)
        stored = intake.store_items(room.community, valid) if valid else []
        room.sync_token = next_batch
        room.last_sync_at = utcnow()
        room.last_error = ""
        db.session.commit()
        return sum(1 for result in stored if result.created)

    # --- out -------------------------------------------------------------------------------

    def _due(self, now: datetime) -> OutgoingEvent | None:
        return db.session.scalars(
            sa.select(OutgoingEvent)
            .where(
                OutgoingEvent.community_id.in_(delivery.bridged_communities()),
                OutgoingEvent.delivered_at.is_(None),
                OutgoingEvent.failed_at.is_(None),
                OutgoingEvent.next_attempt_at.is_not(None),
                OutgoingEvent.next_attempt_at <= now,
            )
            .order_by(OutgoingEvent.next_attempt_at, OutgoingEvent.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()

    def carry_out_due(self, now: datetime | None = None, limit: int = 100) -> int:
        """Carry out the due events of Matrix communities, one transaction each."""
        done = 0
        seen: set[int] = set()
        for _ in range(limit):
            at = now or utcnow()
            event = self._due(at)
            if event is None or event.id in seen:
                db.session.rollback()
                break
            seen.add(event.id)
            answer = self.carry_out(event, at)
            delivery.record_attempt(event, answer, at)
            db.session.commit()
            done += answer.ok
        return done

    def carry_out(self, event: OutgoingEvent, now: datetime) -> delivery.Answer:
        started = time.monotonic()
        room = db.session.scalar(
            sa.select(MatrixRoom).where(MatrixRoom.community_id == event.community_id)
        )
        try:
            if room is None:
                raise MatrixProblem(MatrixProblem.REFUSED, "the community has no Matrix room")
            note = _Actions(self, room, event, now).run()
        except (MatrixProblem, crypto.SecretUnreadable) as problem:
            return delivery.Answer(None, f"Matrix: {problem}"[:500], _ms(started))
        except (KeyError, TypeError, ValueError) as exc:  # an event we cannot read
            return delivery.Answer(None, f"Matrix: unreadable event ({exc!r})"[:500], _ms(started))
        return delivery.Answer(200, note, _ms(started))

    # --- unmute ----------------------------------------------------------------------------

    def lift_due_mutes(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        ids = db.session.scalars(
            sa.select(MatrixMute.id).where(MatrixMute.lifted_at.is_(None), MatrixMute.until <= now)
        ).all()
        lifted = 0
        for mute_id in ids:
            mute = db.session.get(MatrixMute, mute_id)
            try:
                unmute(self.session(mute.room), mute, now)
            except (MatrixProblem, crypto.SecretUnreadable) as problem:
                mute.room.last_error = f"Unmute {mute.user_id}: {problem}"[:500]
            else:
                lifted += 1
            db.session.commit()
        return lifted


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _item_json(
    room: MatrixRoom, session: MatrixSession, message: Message, before: list[Message]
) -> dict[str, Any]:
    posted = datetime.fromtimestamp(message.timestamp_ms / 1000, tz=UTC)
    return {
        "id": message.event_id,
        "kind": "message",
        "author": {
            "id": message.sender,
            "name": session.display_name(room.room_id, message.sender) or message.sender,
        },
        "channel": room.room_address[:200],
        "text": message.body[:TEXT_MAX],
        "context": [
            {
                "author": session.display_name(room.room_id, m.sender) or m.sender,
                "text": m.body[:2000],
                "posted_at": datetime.fromtimestamp(m.timestamp_ms / 1000, tz=UTC).isoformat(),
            }
            for m in before
        ],
        "created_at": posted.isoformat(),
    }


# --- mutes -------------------------------------------------------------------------------------


def _mute_level(levels: dict[str, Any]) -> int:
    events = levels.get("events") or {}
    needed = int(events.get("m.room.message", levels.get("events_default", 0)))
    return min(-1, needed - 1)


def mute(
    session: MatrixSession,
    room: MatrixRoom,
    user_id: str,
    until: datetime,
    decision_id: int | None,
) -> None:
    """The user's power level below what posting needs until ``until`` (one open mute
    per user: a second mute extends it and keeps the level to restore)."""
    levels = session.power_levels(room.room_id)
    users = dict(levels.get("users") or {})
    level = _mute_level(levels)
    open_mute = db.session.scalar(
        sa.select(MatrixMute).where(
            MatrixMute.matrix_room_id == room.id,
            MatrixMute.user_id == user_id,
            MatrixMute.lifted_at.is_(None),
        )
    )
    if open_mute is not None:
        open_mute.until = max(open_mute.until, until)
    else:
        previous = users.get(user_id)
        if previous is not None and int(previous) <= level:
            previous = None  # muted already by a run that crashed before its commit
        db.session.add(
            MatrixMute(
                matrix_room_id=room.id,
                user_id=user_id,
                decision_id=decision_id,
                previous_level=previous,
                until=until,
            )
        )
    if users.get(user_id) != level:
        users[user_id] = level
        session.set_power_levels(room.room_id, {**levels, "users": users})
    db.session.flush()


def unmute(session: MatrixSession, mute_row: MatrixMute, now: datetime) -> None:
    levels = session.power_levels(mute_row.room.room_id)
    users = dict(levels.get("users") or {})
    if mute_row.previous_level is None:
        users.pop(mute_row.user_id, None)
    else:
        users[mute_row.user_id] = mute_row.previous_level
    if users != (levels.get("users") or {}):
        session.set_power_levels(mute_row.room.room_id, {**levels, "users": users})
    mute_row.lifted_at = now


# --- decisions as Matrix actions -----------------------------------------------------------


class _Actions:
    """One outgoing event carried out in its room; ``run`` returns a note for the log."""

    def __init__(self, bridge: Bridge, room: MatrixRoom, event: OutgoingEvent, now: datetime):
        self.bridge = bridge
        self.room = room
        self.event = event
        self.now = now
        self.txn = f"nebendesk-{event.public_id}"

    @property
    def session(self) -> MatrixSession:
        return self.bridge.session(self.room)

    def run(self) -> str:
        payload = self.event.payload or {}
        if self.event.type == "message.posted":
            text = str(payload.get("text") or (payload.get("message") or {}).get("text") or "")
            if not text:
                return "Nothing to post."
            self.session.send_text(self.room.room_id, text, self.txn)
            return "Posted in the room."
        decision = payload.get("decision") or {}
        if self.event.type == "decision.reversed":
            return self.reverse(decision)
        if self.event.type != "decision.created":
            return f"Nothing to do in Matrix for {self.event.type}."
        action = decision.get("action")
        author = (decision.get("author") or {}).get("id", "")
        item = decision.get("item") or {}
        if action == DecisionAction.REMOVE:
            self.session.redact(
                self.room.room_id, item["id"], "Removed by the moderation team", self.txn
            )
            return "Message redacted."
        if action == DecisionAction.WARN:
            return self.warn(author, decision.get("message") or "")
        if action == DecisionAction.MUTE:
            until = datetime.fromisoformat(decision["mute_until"])
            mute(self.session, self.room, author, until, decision.get("id"))
            return f"Muted until {until.isoformat()}."
        if action == DecisionAction.BAN:
            self.session.ban(self.room.room_id, author, "Banned by the moderation team")
            return "Banned."
        if action == DecisionAction.ANSWER:
            self.session.send_text(self.room.room_id, decision.get("message") or "", self.txn)
            return "Answer posted."
        return "Nothing to do in Matrix."

    def warn(self, author: str, text: str) -> str:
        if not text:
            return "No warning text."
        if not self.room.warn_by_direct_message:
            self.session.send_text(self.room.room_id, text, self.txn)
            return "Warning posted in the room."
        direct = dict(self.room.direct_rooms or {})
        if author not in direct:
            direct[author] = self.session.direct_room(author)
            self.room.direct_rooms = direct
            db.session.flush()
        self.session.send_text(direct[author], text, self.txn)
        return "Warning sent as a direct message."

    def reverse(self, decision: dict[str, Any]) -> str:
        reversed_id = decision.get("reverses")
        earlier = db.session.get(Decision, reversed_id) if reversed_id else None
        if earlier is None:
            return "Nothing to undo."
        author = (decision.get("author") or {}).get("id", "")
        if earlier.action == DecisionAction.MUTE:
            open_mute = db.session.scalar(
                sa.select(MatrixMute).where(
                    MatrixMute.matrix_room_id == self.room.id,
                    MatrixMute.user_id == author,
                    MatrixMute.lifted_at.is_(None),
                )
            )
            if open_mute is not None:
                unmute(self.session, open_mute, self.now)
            return "Mute lifted."
        if earlier.action == DecisionAction.BAN:
            self.session.unban(self.room.room_id, author)
            return "Ban undone."
        return "Nothing to undo in Matrix."
