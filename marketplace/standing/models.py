"""Measures against a person or a company, and the one appeal each may have."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Company, User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement


class MeasureKind(StrEnum):
    SUSPENSION = "suspension"  # an admin suspended the account until a date
    BAN = "ban"  # an admin suspended the account with no end date
    COMPANY_SUSPENSION = "company_suspension"  # an admin suspended a company (its members')
    ENGAGEMENT_ENDED = "engagement_ended"  # a company ended the person's engagement


# Measures that keep someone out while they last; an ended engagement is a record.
ACCOUNT_MEASURES = frozenset({MeasureKind.SUSPENSION, MeasureKind.BAN})


class Measure(db.Model):
    """One measure, with the reason the person (or the company's members) read.

    A measure is *lifted* by a decision (an admin lifting a suspension, upholding an
    appeal against it) or when its end date passes (``lifted_by_id`` stays empty).
    A lifted ended engagement is cleared from the person's record; the engagement
    itself stays ended.
    """

    __tablename__ = "measures"
    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (company_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > started_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeasureKind] = mapped_column(enum_column(MeasureKind))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    engagement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("engagements.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    imposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    company: Mapped[Company | None] = relationship()
    engagement: Mapped[Engagement | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship(back_populates="measure")

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None

    @property
    def is_in_force(self) -> bool:
        """Still keeping someone out: not lifted, and its end (if any) not reached."""
        if self.kind == MeasureKind.ENGAGEMENT_ENDED or self.is_lifted:
            return False
        return self.ends_at is None or self.ends_at > utcnow()

    @property
    def lifted_by_decision(self) -> bool:
        return self.lifted_by_id is not None


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"  # the measure stays
    LIFTED = "lifted"  # the measure is lifted


class Appeal(TimestampMixin, db.Model):
    """A person's appeal against one measure. One per measure, by constraint."""

    __tablename__ = "appeals"
    __table_args__ = (sa.Index("ix_appeals_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("measures.id"), unique=True)
    appellant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[AppealStatus] = mapped_column(
        enum_column(AppealStatus), default=AppealStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    measure: Mapped[Measure] = relationship(back_populates="appeal")
    appellant: Mapped[User] = relationship(foreign_keys=[appellant_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
