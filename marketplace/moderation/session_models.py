"""Paid hourly live sessions: a moderator on an hourly moderation gig starts a
session on one of the gig's communities, the app counts the time from the
server's clock, cuts idle time off, and pays the active time as hours
(moderation/sessions.py holds the rules)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import enum_column
from marketplace.extensions import db
from marketplace.moderation.models import Community
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import WorkUnit


class SessionEnd(StrEnum):
    STOPPED = "stopped"  # the moderator pressed Stop
    IDLE = "idle"  # the moderator came back after the idle limit (time beyond it cut)
    FUNDS = "funds"  # the company's money ran out; paid up to then
    STALE = "stale"  # no sign of the browser (crash, closed tab): cron
    # The company paused or ended the engagement; paid up to then (7 letters at most:
    # the column is as long as migration 0018 made it).
    ENGAGEMENT = "unhired"


class LiveSession(db.Model):
    __tablename__ = "live_sessions"
    __table_args__ = (
        # One open session per moderator, kept by the database.
        sa.Index(
            "uq_live_sessions_worker_open",
            "worker_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index("ix_live_sessions_community_id_started_at", "community_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    started_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    end_reason: Mapped[SessionEnd | None] = mapped_column(enum_column(SessionEnd))
    # Set when the session ends: the paid time and the idle time cut off.
    active_seconds: Mapped[int] = mapped_column(default=0)
    cut_seconds: Mapped[int] = mapped_column(default=0)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_units.id"))

    worker: Mapped[User] = relationship()
    engagement: Mapped[Engagement] = relationship()
    community: Mapped[Community] = relationship()
    unit: Mapped[WorkUnit | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def source(self) -> str:
        """The unit's source: the session is paid once, whoever ends it."""
        return f"live-session:{self.id}"

    def active_until(self, moment: datetime) -> int:
        """Seconds from the start to ``moment``, less the time cut so far."""
        return max(0, int((moment - self.started_at) / timedelta(seconds=1)) - self.cut_seconds)
