"""What happens in the sandbox community: people post, report and ask; every
item goes to Nebendesk's community API; decisions come back (webhook or
polling) and are recorded in the store, which derives their effects."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from marketplace.sandbox.community import client
from marketplace.sandbox.community.config import CommunityConfig, ConnectionSource
from marketplace.sandbox.community.store import SEEN_EVENTS_KEPT, Store, iso
from marketplace.work.outbox import verify_signature

log = logging.getLogger(__name__)

TEXT_MAX = 4000
TEAM_USER_ID = "moderation-team"  # who the moderation team's posts are from
TITLE_MAX = 120

# What ``flask sandbox community --demo`` posts into an empty sandbox: a few users
# talking, one of them rude, a forum thread and a question for the moderation team.
DEMO_CHAT = [
    ("Anna", "de", "Guten Morgen zusammen! Hat jemand das neue Update schon installiert?"),
    ("Ben", "de", "Ja, läuft bei mir ohne Probleme."),
    ("Chris", "en", "Morning! Does the update fix the login bug?"),
    ("Ben", "de", "Halt die Klappe, Chris, frag das woanders."),
    ("Anna", "de", "Ben, bitte etwas freundlicher."),
]
DEMO_THREAD = ("Anna", "de", "Tipps für Einsteiger", "Welche Einstellungen empfehlt ihr am Anfang?")
DEMO_QUESTION = ("Chris", "en", "Am I allowed to post links to my own shop here?")


class Refused(Exception):
    """The user may not do this (muted, banned, empty text); the message says why."""


class WebhookRejected(Exception):
    """A webhook that is not Nebendesk's (bad signature) or not for us."""


class SandboxCommunity:
    def __init__(self, config: CommunityConfig) -> None:
        self.config = config
        self.store = Store(config.state_path)
        self.connection = ConnectionSource(config)

    def start(self) -> None:
        self.store.load()

    def now(self) -> datetime:
        return self.config.clock()

    # --- posting -----------------------------------------------------------

    def _may_post(self, user_id: str) -> None:
        restriction = self.store.restriction(user_id, self.now())
        if restriction is None:
            return
        kind, until = restriction
        if kind == "banned":
            raise Refused("You are banned from this community by the moderation team.")
        assert until is not None
        raise Refused(
            f"You are muted by the moderation team until {until:%Y-%m-%d %H:%M} UTC: "
            "you can post again after that."
        )

    @staticmethod
    def _text(text: str, limit: int = TEXT_MAX) -> str:
        text = (text or "").strip()
        if not text:
            raise Refused("Write something first.")
        if len(text) > limit:
            raise Refused(f"That is too long ({len(text)} characters, at most {limit}).")
        return text

    def _context(
        self, channel: str, thread: str, before: str | None = None
    ) -> list[dict[str, Any]]:
        """The last few messages others can see (before message ``before``, if
        given), oldest first, as Nebendesk's context."""
        store = self.store
        hidden = store.removed_ids()
        approved = store.approved_ids()
        messages = store.channel(channel, thread)
        if before is not None:
            messages = messages[: [m["id"] for m in messages].index(before)]
        visible = [
            m for m in messages if m["id"] not in hidden and (not m["held"] or m["id"] in approved)
        ]
        return [
            {
                "author": store.name_of(m["author_id"]),
                "text": m["text"],
                "posted_at": m["created_at"],
            }
            for m in visible[-self.config.context_size :]
        ]

    def post(
        self, name: str, language: str, text: str, *, channel: str, thread: str = ""
    ) -> dict[str, Any]:
        """A chat message (thread "") or a forum post; sent to Nebendesk."""
        text = self._text(text)
        with self.store.lock:
            user = self.store.user(name, language)
            self._may_post(user["id"])
            context = self._context(channel, thread)
            message = {
                "id": self.store.new_id("m" if not thread else "p"),
                "kind": "post" if thread else "message",
                "channel": channel,
                "thread": thread,
                "author_id": user["id"],
                "text": text,
                "created_at": iso(self.now()),
                # Shown to others once Nebendesk said it is not held for review.
                "held": True,
                "sent": False,
                "error": "",
            }
            self.store.messages[message["id"]] = message
            item = self._item(message, user, context=context)
            self.store.save()
        self._send(message, item)
        return message

    def start_thread(self, name: str, language: str, title: str, text: str) -> dict[str, Any]:
        title = self._text(title, TITLE_MAX)
        text = self._text(text)
        with self.store.lock:
            user = self.store.user(name, language)
            self._may_post(user["id"])
            thread = {
                "id": self.store.new_id("t"),
                "title": title,
                "author_id": user["id"],
                "created_at": iso(self.now()),
            }
            self.store.threads[thread["id"]] = thread
        self.post(name, language, text, channel="forum", thread=thread["id"])
        return thread

    def thread_label(self, thread_id: str) -> str:
        thread = self.store.threads.get(thread_id)
        return thread["title"] if thread else thread_id

    def _item(self, record: dict[str, Any], user: dict[str, Any], **fields: Any) -> dict[str, Any]:
        item = {
            "id": record["id"],
            "kind": record["kind"],
            "author": {"id": user["id"], "name": user["name"], "language": user["language"]},
            "channel": record.get("channel", ""),
            # Moderators read the thread's title; the sandbox maps decisions by item id.
            "thread": self.thread_label(record["thread"])[:200] if record.get("thread") else "",
            "text": record["text"],
            "created_at": record["created_at"],
        }
        item.update(fields)
        return item

    def report(self, name: str, language: str, message_id: str, reason: str) -> dict[str, Any]:
        """Report someone's message to the moderation team (kind "report")."""
        reason = self._text(reason or "No reason given.", 1000)
        with self.store.lock:
            message = self.store.messages.get(message_id)
            if message is None:
                raise Refused("That message does not exist.")
            reporter = self.store.user(name, language)
            report = {
                "id": self.store.new_id("r"),
                "kind": "report",
                "message_id": message_id,
                "channel": message["channel"],
                "thread": message["thread"],
                "reporter_id": reporter["id"],
                "reason": reason,
                "text": message["text"],
                "created_at": iso(self.now()),
                "sent": False,
                "error": "",
            }
            self.store.reports[report["id"]] = report
            author = self.store.users[message["author_id"]]
            context = self._context(message["channel"], message["thread"], before=message_id)
            item = self._item(
                report,
                author,
                context=context,
                reported_by=reporter["id"],
                report_reason=reason,
            )
            self.store.save()
        self._send(report, item)
        return report

    def ask(
        self, name: str, language: str, text: str, refers_to: int | None = None
    ) -> dict[str, Any]:
        """A question to the moderation team; with ``refers_to`` an answer to (or
        appeal of) that decision. Muted and banned users may still ask."""
        text = self._text(text)
        with self.store.lock:
            user = self.store.user(name, language)
            question = {
                "id": self.store.new_id("q"),
                "kind": "question",
                "author_id": user["id"],
                "text": text,
                "refers_to": refers_to,
                "created_at": iso(self.now()),
                "sent": False,
                "error": "",
            }
            self.store.questions[question["id"]] = question
            fields: dict[str, Any] = {"channel": "moderation-team"}
            if refers_to is not None:
                fields["refers_to"] = refers_to
            item = self._item(question, user, **fields)
            self.store.save()
        self._send(question, item)
        return question

    def _send(self, record: dict[str, Any], item: dict[str, Any]) -> None:
        # Outside the store's lock: Nebendesk may take a moment.
        try:
            answer = client.send_item(
                self.connection.current(), item, timeout=self.config.http_timeout
            )
        except client.NebendeskError as exc:
            log.warning("item %s not sent: %s", record["id"], exc)
            with self.store.lock:
                record["error"] = str(exc)
                if "held" in record:
                    record["held"] = False  # without Nebendesk the community goes on
                self.store.save()
            return
        held = bool(answer.get("held") or (answer.get("item") or {}).get("held"))
        with self.store.lock:
            record["sent"], record["error"] = True, ""
            if "held" in record:
                record["held"] = held
            self.store.save()

    # --- decisions ---------------------------------------------------------

    def receive_webhook(self, body: bytes, signature: str) -> bool:
        """Verify and apply one webhook; False when it was a duplicate."""
        secret = self.connection.current().webhook_secret
        if not secret:
            raise WebhookRejected("no webhook secret configured")
        if not verify_signature(secret, body, signature or ""):
            raise WebhookRejected("signature does not verify")
        try:
            envelope = json.loads(body)
        except ValueError:
            raise WebhookRejected("body is not JSON") from None
        return self.apply(envelope)

    def apply(self, envelope: dict[str, Any]) -> bool:
        """Record one decision event, once per event id; False if seen before."""
        community_id = self.connection.current().community_id
        if community_id and envelope.get("community_id") not in (None, community_id):
            raise WebhookRejected("event for another community")
        if envelope.get("type") == "message.posted":
            return self._team_message(envelope)
        decision = (envelope.get("data") or {}).get("decision")
        if not envelope.get("id") or not isinstance(decision, dict) or "id" not in decision:
            raise WebhookRejected("not a decision event")
        with self.store.lock:
            if self.store.seen(envelope["id"]):
                return False
            self.store.record(envelope["id"], envelope.get("type", ""), decision)
            self.store.save()
        return True

    def _team_message(self, envelope: dict[str, Any]) -> bool:
        """The moderation team posted into a channel (the live view): shown in the
        chat like anyone's message, once per event id, never sent back as an item."""
        message = (envelope.get("data") or {}).get("message")
        if not envelope.get("id") or not isinstance(message, dict) or not message.get("text"):
            raise WebhookRejected("not a message event")
        with self.store.lock:
            if self.store.seen(envelope["id"]):
                return False
            self.store.seen_events.append(envelope["id"])
            del self.store.seen_events[:-SEEN_EVENTS_KEPT]
            team = self.store.users.setdefault(
                TEAM_USER_ID, {"id": TEAM_USER_ID, "name": "Moderation team", "language": "en"}
            )
            message_id = self.store.new_id("m")
            self.store.messages[message_id] = {
                "id": message_id,
                "kind": "message",
                "channel": str(message.get("channel") or "lobby")[:60],
                "thread": "",
                "author_id": team["id"],
                "text": str(message["text"])[:TEXT_MAX],
                "created_at": iso(self.now()),
                "held": False,
                "sent": True,  # it came from Nebendesk
                "error": "",
                "team": True,
            }
            self.store.save()
        return True

    def sync(self) -> int:
        """Catch up by polling …/decisions?after=; resend items that did not
        reach Nebendesk. Returns how many new decisions were applied."""
        self.resend_unsent()
        connection = self.connection.current()
        key = hashlib.sha256(
            f"{connection.api_url}|{connection.community_id}|{connection.token}".encode()
        ).hexdigest()[:16]
        with self.store.lock:
            if self.store.polled_connection != key:
                self.store.polled_connection, self.store.last_seq = key, 0
        applied = 0
        while True:
            page = client.fetch_decisions(
                self.connection.current(), self.store.last_seq, timeout=self.config.http_timeout
            )
            events = page.get("events") or []
            for entry in events:
                try:
                    applied += self.apply(entry["event"])
                except WebhookRejected as exc:
                    log.warning("skipped polled event %s: %s", entry.get("seq"), exc)
            with self.store.lock:
                self.store.last_seq = max(self.store.last_seq, int(page.get("next_after") or 0))
                self.store.save()
            if not events:
                return applied

    def seed_demo(self) -> bool:
        """Fill an empty sandbox with the demo's users and messages (sent to
        Nebendesk like any post); False when there is something already."""
        with self.store.lock:
            if self.store.messages or self.store.questions:
                return False
        for name, language, text in DEMO_CHAT:
            self.post(name, language, text, channel="lobby")
        name, language, title, text = DEMO_THREAD
        self.start_thread(name, language, title, text)
        self.ask(*DEMO_QUESTION)
        return True

    def resend_unsent(self) -> None:
        with self.store.lock:
            pending = [
                record
                for records in (self.store.messages, self.store.reports, self.store.questions)
                for record in records.values()
                if not record["sent"]
            ]
        for record in pending:
            user_id = (
                record.get("author_id") or self.store.messages[record["message_id"]]["author_id"]
            )
            fields: dict[str, Any] = {}
            if record["kind"] == "report":
                fields = {"reported_by": record["reporter_id"], "report_reason": record["reason"]}
            elif record["kind"] == "question":
                fields = {"channel": "moderation-team"}
                if record["refers_to"] is not None:
                    fields["refers_to"] = record["refers_to"]
            self._send(record, self._item(record, self.store.users[user_id], **fields))
