"""The live view's event log: an append-only table every process reads.

A row is written in the same transaction as what it reports (a chat item
stored by intake, a decision, a post by the moderation team), so a rollback
drops both and the stream never shows what did not happen. The SSE endpoint
reads rows after the client's last event id (moderation/live_stream.py);
``flask moderation purge-live-events`` deletes old rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import enum_column, utcnow
from marketplace.extensions import db


class LiveEventKind(StrEnum):
    MESSAGE = "message"  # a new chat item
    DECISION = "decision"  # a decision on a chat item
    TEAM_POST = "team_post"  # a message the moderation team posted into the channel


class LiveEvent(db.Model):
    __tablename__ = "live_events"
    __table_args__ = (sa.Index("ix_live_events_community_id_id", "community_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[LiveEventKind] = mapped_column(enum_column(LiveEventKind))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
