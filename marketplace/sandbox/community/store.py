"""The sandbox community's state: its users, chat messages, forum threads and
posts, reports, questions to the moderation team, and the decisions Nebendesk
sent back.

What a decision does is never written into the messages themselves: whether a
message is hidden, a user muted or banned, a question answered is read from the
decisions received (a reversal simply cancels the decision it reverses), so a
reversal undoes exactly what the original did, and decisions arriving twice or
out of order change nothing.

Everything lives in memory behind one lock; with a state file the whole state
is written as JSON after each change (a developer tool's state is small) and
loaded at start, so ``make run`` survives restarts.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATE_VERSION = 1
RESTRICTING = ("remove", "warn", "mute", "ban")
SEEN_EVENTS_KEPT = 5000


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def user_id_for(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return f"u-{slug or 'anonymous'}"


class Store:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.path = Path(path) if path else None
        self.reset()

    # --- whole state -------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            # Item ids are unique per state ("s1f3a-m7"), so a fresh sandbox never
            # collides with items Nebendesk already knows from an earlier one.
            self.prefix = f"s{secrets.token_hex(2)}-"
            self.counter = 0
            self.users: dict[str, dict[str, Any]] = {}
            self.messages: dict[str, dict[str, Any]] = {}
            self.threads: dict[str, dict[str, Any]] = {}
            self.reports: dict[str, dict[str, Any]] = {}
            self.questions: dict[str, dict[str, Any]] = {}
            self.decisions: dict[str, dict[str, Any]] = {}
            self.seen_events: list[str] = []
            self.last_seq = 0
            # Which connection last_seq counts for: another Nebendesk, community or
            # token (a fresh demo database) starts polling from the beginning.
            self.polled_connection = ""

    def load(self) -> bool:
        if not self.path or not self.path.exists():
            return False
        state = json.loads(self.path.read_text(encoding="utf-8"))
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported sandbox community state {state.get('version')!r}")
        with self.lock:
            for name in (
                "prefix", "counter", "users", "messages", "threads", "reports",
                "questions", "decisions", "seen_events", "last_seq", "polled_connection",
            ):  # fmt: skip
                setattr(self, name, state[name])
        return True

    def save(self) -> None:
        if not self.path:
            return
        with self.lock:
            state = json.dumps(
                {
                    "version": STATE_VERSION,
                    "prefix": self.prefix,
                    "counter": self.counter,
                    "users": self.users,
                    "messages": self.messages,
                    "threads": self.threads,
                    "reports": self.reports,
                    "questions": self.questions,
                    "decisions": self.decisions,
                    "seen_events": self.seen_events,
                    "last_seq": self.last_seq,
                    "polled_connection": self.polled_connection,
                },
                ensure_ascii=False,
            )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(self.path.suffix + ".tmp")
            temporary.write_text(state, encoding="utf-8")
            os.replace(temporary, self.path)

    def new_id(self, letter: str) -> str:
        self.counter += 1
        return f"{self.prefix}{letter}{self.counter}"

    # --- users, messages ---------------------------------------------------

    def user(self, name: str, language: str = "en") -> dict[str, Any]:
        uid = user_id_for(name)
        user = self.users.setdefault(uid, {"id": uid, "name": name.strip(), "language": language})
        user["language"] = language
        return user

    def name_of(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user["name"] if user else user_id

    def channel(self, channel: str, thread: str = "") -> list[dict[str, Any]]:
        return [
            message
            for message in self.messages.values()
            if message["channel"] == channel and message["thread"] == thread
        ]

    def channels(self) -> list[str]:
        names = {m["channel"] for m in self.messages.values() if not m["thread"]}
        return sorted(names | {"lobby"})

    # --- decisions ---------------------------------------------------------

    def seen(self, event_id: str) -> bool:
        return event_id in self.seen_events

    def record(self, event_id: str, event_type: str, decision: dict[str, Any]) -> None:
        """Keep one decision as received (called once per event id)."""
        self.seen_events.append(event_id)
        del self.seen_events[:-SEEN_EVENTS_KEPT]
        item = decision.get("item") or {}
        self.decisions[str(decision["id"])] = {
            "id": decision["id"],
            "type": event_type,
            "action": decision.get("action", ""),
            "item_id": item.get("id"),
            "author_id": (decision.get("author") or {}).get("id"),
            "message": decision.get("message") or "",
            "mute_until": decision.get("mute_until"),
            "reverses": decision.get("reverses"),
            "rule": (decision.get("rule") or {}).get("number"),
            "statement": decision.get("statement_of_reasons"),
        }

    def reversed_ids(self) -> set[str]:
        return {
            str(d["reverses"])
            for d in self.decisions.values()
            if d["action"] == "reverse" and d["reverses"] is not None
        }

    def in_force(self, action: str) -> list[dict[str, Any]]:
        """The decisions of this action that no reversal cancelled."""
        reversed_ids = self.reversed_ids()
        return [
            d
            for d in self.decisions.values()
            if d["action"] == action and str(d["id"]) not in reversed_ids
        ]

    def target(self, item_id: str | None) -> str | None:
        """The message a decision on this item is about (a report's message)."""
        if item_id in self.messages:
            return item_id
        report = self.reports.get(item_id or "")
        return report["message_id"] if report else None

    def removed_ids(self) -> set[str]:
        return {t for d in self.in_force("remove") if (t := self.target(d["item_id"]))}

    def approved_ids(self) -> set[str]:
        return {t for d in self.in_force("approve") if (t := self.target(d["item_id"]))}

    def warnings_on(self, message_id: str) -> list[dict[str, Any]]:
        return [d for d in self.in_force("warn") if self.target(d["item_id"]) == message_id]

    def answers_to(self, question_id: str) -> list[dict[str, Any]]:
        return [d for d in self.in_force("answer") if d["item_id"] == question_id]

    def restriction(self, user_id: str, now: datetime) -> tuple[str, datetime | None] | None:
        """("banned", None), ("muted", until) or None: whether the user may post."""
        if any(d["author_id"] == user_id for d in self.in_force("ban")):
            return ("banned", None)
        ends = [
            until
            for d in self.in_force("mute")
            if d["author_id"] == user_id and (until := parse_time(d["mute_until"])) and until > now
        ]
        return ("muted", max(ends)) if ends else None

    def notices(self, user_id: str) -> list[dict[str, Any]]:
        """What the moderation team told this user, newest first, each with
        whether it was reversed since."""
        reversed_ids = self.reversed_ids()
        notices = [
            {**d, "reversed": str(d["id"]) in reversed_ids}
            for d in self.decisions.values()
            if d["author_id"] == user_id and d["action"] in RESTRICTING
        ]
        return sorted(notices, key=lambda d: d["id"], reverse=True)
