"""The outbox of outgoing webhooks: events written in the same transaction as the
decision that caused them, delivered after the commit (and retried) by
work/outbox.py, and readable by polling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import utcnow
from marketplace.extensions import db


class OutgoingEvent(db.Model):
    """One event for one community's endpoint. ``public_id`` ("evt_…") is what
    receivers de-duplicate on; ``id`` orders events for polling (``?after=``)."""

    __tablename__ = "outgoing_events"
    __table_args__ = (
        sa.Index("ix_outgoing_events_due", "delivered_at", "next_attempt_at"),
        sa.Index("ix_outgoing_events_community", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    type: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Delivery by webhook: None once there is nothing more to try (delivered, given up,
    # or the community has no webhook URL and polls).
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up after the last retry; "resend" starts again
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class WebhookAttempt(db.Model):
    """The delivery log the company sees: every try with its answer."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outgoing_events.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[int | None]
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
    manual: Mapped[bool] = mapped_column(default=False)
