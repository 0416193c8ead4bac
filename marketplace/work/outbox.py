"""Outgoing webhooks: written as rows with the change that causes them, signed and
delivered after the commit.

``emit()`` adds an ``OutgoingEvent`` in the caller's transaction and asks for a
delivery job after the commit, so a rollback drops both and a crash after the
commit leaves the row for the retry (``flask moderation deliver`` from cron).
Receivers de-duplicate on the event id (``evt_…``): we deliver at least once,
and the same event always carries the same id and body.

Signatures work as Stripe's and GitHub's do: the header
``Nebendesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the community's signing secret; receivers recompute it and refuse
timestamps older than a few minutes (``verify_signature`` shows how). For a day
after the company makes a new secret, the header carries a second ``v1`` made with
the previous one, so a receiver still set to the old secret keeps accepting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.work.models import OutgoingEvent

SIGNATURE_HEADER = "Nebendesk-Signature"
EVENT_ID_HEADER = "Nebendesk-Event-Id"
TOLERANCE_SECONDS = 300


def new_event_id() -> str:
    return f"evt_{secrets.token_hex(12)}"


def body_of(event: OutgoingEvent) -> bytes:
    """The exact bytes sent (and served to pollers) for an event: the envelope with
    its id, type and time, and the payload as ``data``."""
    envelope = {
        "id": event.public_id,
        "type": event.type,
        "created": event.created_at.isoformat(),
        "community_id": event.community_id,
        "data": event.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode()


def emit(
    community_id: int, type_: str, payload: dict[str, Any], *, deliver: bool = True
) -> OutgoingEvent:
    """Record an event for the community in the current transaction. With
    ``deliver=False`` (no webhook URL) it is only there to be polled."""
    from marketplace.jobs import enqueue_after_commit

    if not deliver and _bridged(community_id):
        deliver = True  # the Matrix bridge carries it out (moderation/matrix_bridge.py)
    event = OutgoingEvent(
        public_id=new_event_id(),
        community_id=community_id,
        type=type_,
        payload=payload,
        created_at=utcnow(),
        next_attempt_at=utcnow() if deliver else None,
    )
    db.session.add(event)
    db.session.flush()
    if deliver:
        enqueue_after_commit(deliver_due_job)
    else:
        # The column's default fills in a None given at insert: clear it after.
        event.next_attempt_at = None
    return event


def _bridged(community_id: int) -> bool:
    from marketplace.moderation.models import Community, CommunitySource

    community = db.session.get(Community, community_id)
    return community is not None and community.source == CommunitySource.MATRIX


def deliver_due_job() -> None:
    """The job emit() asks for; the delivery itself lives in work/delivery.py."""
    from marketplace.work import delivery

    delivery.deliver_due()


def sign(secrets: str | Sequence[str], body: bytes, timestamp: int | None = None) -> str:
    """The value of the Nebendesk-Signature header for this body: one ``v1`` per
    secret (two while a community's previous secret still overlaps its new one)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digests = [
        hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        for secret in ([secrets] if isinstance(secrets, str) else secrets)
    ]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def verify_signature(
    secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does (the README shows the same in a few lines): recompute the
    HMAC over "<t>.<body>", compare it in constant time with each ``v1`` in the
    header, refuse old timestamps."""
    try:
        pairs = [part.split("=", 1) for part in header.split(",")]
        timestamp = int(next(value for key, value in pairs if key == "t"))
    except (StopIteration, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, value) for key, value in pairs if key == "v1")
