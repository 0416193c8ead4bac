"""Delivering outgoing webhooks (the outbox of work/outbox.py).

``deliver_due()`` takes due events one at a time, each locked in its own short
transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent runners —
cron, RQ workers, the job after a decision — never send the same event at the
same time), POSTs ``outbox.body_of(event)`` signed with the community's secret,
logs the try as a ``WebhookAttempt`` and commits. An event stays due until a 2xx
is recorded: a crash after the decision's commit, or during the send, leaves it
for the next run. (A crash after the receiver's 2xx but before our commit sends
it once more, with the same event id and body: receivers de-duplicate on
``Nebendesk-Event-Id``.)

A failed try schedules the next after 1, 2, 4, 8 … minutes (at most a day);
after ``WEBHOOK_MAX_ATTEMPTS`` tries the event is given up (``failed_at``) until
the company presses "Resend" (``resend``).

Events of Matrix communities are not sent here: the Matrix bridge
(moderation/matrix_bridge.py) carries them out in the room and records its tries
the same way (``record_attempt``).
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.models import Community, CommunitySource
from marketplace.work import outbox
from marketplace.work.models import OutgoingEvent, WebhookAttempt

BATCH = 100
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(days=1)
USER_AGENT = "Nebendesk-Webhooks/1"


def retry_wait(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1 min × 2^(attempts-1)."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@dataclass
class Answer:
    status: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery: the 3xx is logged as the answer."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _private_address(url: str) -> str | None:
    """The private, loopback or link-local address the URL's host resolves to, if any
    (a DNS answer that changes between this check and the connection is not caught)."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        return None  # the connection reports the DNS failure
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return str(address)
    return None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST the body; never raises for what the receiver (or the network) does."""
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        private = _private_address(url)
        if private is not None:
            return Answer(None, f"Refused: {private} is not a public address.", 0)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=timeout) as response:
            status, error = response.status, ""
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace") if exc.fp else ""
        status, error = exc.code, f"HTTP {exc.code} {detail}".strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        status, error = None, f"{type(exc).__name__}: {reason}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return Answer(status, error[:500], duration_ms)


def headers_for(event: OutgoingEvent, community: Community, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        outbox.SIGNATURE_HEADER: outbox.sign(community.signing_secrets(utcnow()), body),
        outbox.EVENT_ID_HEADER: event.public_id,
    }


def bridged_communities() -> sa.Select:
    """Communities whose events the Matrix bridge carries out instead of a webhook."""
    return sa.select(Community.id).where(Community.source == CommunitySource.MATRIX)


def _due(now: datetime) -> OutgoingEvent | None:
    return db.session.scalars(
        sa.select(OutgoingEvent)
        .where(
            OutgoingEvent.community_id.not_in(bridged_communities()),
            OutgoingEvent.delivered_at.is_(None),
            OutgoingEvent.failed_at.is_(None),
            OutgoingEvent.next_attempt_at.is_not(None),
            OutgoingEvent.next_attempt_at <= now,
        )
        .order_by(OutgoingEvent.next_attempt_at, OutgoingEvent.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def record_attempt(event: OutgoingEvent, answer: Answer, now: datetime) -> None:
    db.session.add(
        WebhookAttempt(
            event_id=event.id,
            attempted_at=now,
            status=answer.status,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
    )
    event.attempts += 1
    event.last_status = answer.status
    event.last_error = answer.error
    if answer.ok:
        event.delivered_at = now
        event.next_attempt_at = None
    elif event.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        event.failed_at = now
        event.next_attempt_at = None
    else:
        event.next_attempt_at = now + retry_wait(event.attempts)


def deliver_one(event: OutgoingEvent, now: datetime | None = None) -> bool:
    """Send one (locked) event and record the answer; the caller commits."""
    community = db.session.get(Community, event.community_id)
    if community is None or not community.webhook_url:
        # The community polls instead: nothing to send, nothing lost (it can still poll).
        event.next_attempt_at = None
        event.last_error = "No webhook URL: the community polls."
        return False
    body = outbox.body_of(event)
    answer = post(
        community.webhook_url,
        body,
        headers_for(event, community, body),
        current_app.config["WEBHOOK_TIMEOUT_SECONDS"],
    )
    record_attempt(event, answer, now or utcnow())
    return answer.ok


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Deliver the events that are due, one short transaction each; returns how many
    were delivered. Safe to run from several processes at once and from cron."""
    delivered = 0
    seen: set[int] = set()
    for _ in range(limit):
        event = _due(now or utcnow())
        if event is None or event.id in seen:  # a clock standing still: once per run
            db.session.rollback()
            break
        seen.add(event.id)
        delivered += deliver_one(event, now)
        db.session.commit()
    return delivered


def resend(event: OutgoingEvent, now: datetime | None = None) -> None:
    """Start the event's delivery again (after it was given up, or on request)."""
    event.delivered_at = None
    event.failed_at = None
    event.attempts = 0
    event.next_attempt_at = now or utcnow()
    from marketplace.jobs import enqueue_after_commit

    enqueue_after_commit(outbox.deliver_due_job)
