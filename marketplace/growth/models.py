"""Levels per kind of work, a gig's level settings, offers and versioned engagement terms."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import enum_column, utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigKind
from marketplace.onboarding.models import Engagement


class WorkKind(StrEnum):
    """The kinds of work a level is earned in (derived from the gig's kind)."""

    EMAIL = "email"
    MODERATION = "moderation"

    @classmethod
    def of_gig(cls, kind: GigKind) -> WorkKind:
        return cls.MODERATION if kind.is_moderation else cls.EMAIL

    @property
    def gig_kinds(self) -> list[GigKind]:
        return [kind for kind in GigKind if WorkKind.of_gig(kind) is self]


class Level(StrEnum):
    NEW = "new"
    EXPERIENCED = "experienced"
    TOP = "top"

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)

    @property
    def next(self) -> Level | None:
        return LEVEL_ORDER[self.rank + 1] if self.rank + 1 < len(LEVEL_ORDER) else None


LEVEL_ORDER: tuple[Level, ...] = (Level.NEW, Level.EXPERIENCED, Level.TOP)


class WorkerLevel(db.Model):
    """A worker's level in one kind of work, as the last daily recompute found it,
    with the facts it used (``rules.Facts`` as JSON) and the day it was computed."""

    __tablename__ = "worker_levels"
    __table_args__ = (sa.UniqueConstraint("worker_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[WorkKind] = mapped_column(enum_column(WorkKind))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    computed_on: Mapped[date]
    reached_on: Mapped[date]  # since when the worker holds this level
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    worker: Mapped[User] = relationship()


class GigLevelSettings(db.Model):
    """A company's level settings of one gig, kept outside the vetted listing text:
    the minimum level to apply, and a higher rate for a level (at hire)."""

    __tablename__ = "gig_level_settings"
    __table_args__ = (
        sa.CheckConstraint(
            "experienced_rate_cents IS NULL OR experienced_rate_cents > 0",
            name="experienced_rate_positive",
        ),
        sa.CheckConstraint(
            "top_rate_cents IS NULL OR top_rate_cents > 0", name="top_rate_positive"
        ),
    )

    gig_id: Mapped[int] = mapped_column(
        sa.ForeignKey("gigs.id", ondelete="CASCADE"), primary_key=True
    )
    min_level: Mapped[Level] = mapped_column(enum_column(Level), default=Level.NEW)
    experienced_rate_cents: Mapped[int | None]
    top_rate_cents: Mapped[int | None]
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    gig: Mapped[Gig] = relationship()

    def rate_for(self, level: Level) -> int | None:
        """The rate this gig pays a worker of ``level`` (None: the gig's own rate)."""
        if level == Level.TOP:
            return self.top_rate_cents or self.experienced_rate_cents
        if level == Level.EXPERIENCED:
            return self.experienced_rate_cents
        return None


class TermsRole(StrEnum):
    WORKER = "worker"
    TEAM_LEAD = "team_lead"  # reviews other workers' work, paid per reviewed unit
    FULL_TIME = "full_time"  # accepted a full-time position (salary/terms in terms_text)


class EngagementTerms(db.Model):
    """One version of an engagement's terms. A version applies to work dated on or
    after ``valid_from`` until the next version; version 1 holds the terms of the
    hiring. Accepting an offer adds a version; nothing changes an old one."""

    __tablename__ = "engagement_terms"
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "version"),
        sa.CheckConstraint("rate_cents > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"), index=True)
    version: Mapped[int]
    rate_cents: Mapped[int]
    weekly_hours: Mapped[int | None]
    role: Mapped[TermsRole] = mapped_column(enum_column(TermsRole), default=TermsRole.WORKER)
    review_rate_cents: Mapped[int | None]
    terms_text: Mapped[str] = mapped_column(sa.Text, default="")
    valid_from: Mapped[date]
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("engagement_offers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    engagement: Mapped[Engagement] = relationship()


class OfferKind(StrEnum):
    MORE_HOURS = "more_hours"
    HIGHER_RATE = "higher_rate"
    TEAM_LEAD = "team_lead"
    FULL_TIME = "full_time"


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


OFFER_TRANSITIONS: dict[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.PENDING: frozenset(
        {OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED}
    ),
    OfferStatus.ACCEPTED: frozenset(),
    OfferStatus.DECLINED: frozenset(),
    OfferStatus.EXPIRED: frozenset(),
}


class Offer(db.Model):
    """A company's offer to a hired worker; the worker accepts or declines it before
    ``expires_at``. Only accepting changes the engagement (a new terms version)."""

    __tablename__ = "engagement_offers"
    __table_args__ = (sa.Index("ix_engagement_offers_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"), index=True)
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind))
    status: Mapped[OfferStatus] = mapped_column(
        enum_column(OfferStatus), default=OfferStatus.PENDING
    )
    weekly_hours: Mapped[int | None]
    rate_cents: Mapped[int | None]
    review_rate_cents: Mapped[int | None]
    message: Mapped[str] = mapped_column(sa.Text, default="")
    terms_text: Mapped[str] = mapped_column(sa.Text, default="")
    made_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    engagement: Mapped[Engagement] = relationship()
    made_by: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        """Pending and not expired: the worker may still accept or decline it."""
        return self.status == OfferStatus.PENDING and self.expires_at > utcnow()

    @property
    def shown_status(self) -> OfferStatus:
        if self.status == OfferStatus.PENDING and not self.is_open:
            return OfferStatus.EXPIRED  # before the daily run marks it
        return self.status
