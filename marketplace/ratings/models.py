"""Ratings: one per side per engagement, hidden until both sides rated or the period ended.

A rating is visible once ``publish_at`` has passed: when the second side rates, both
get ``publish_at = now``; the first alone gets ``now + RATING_PUBLISH_DAYS``. So
visibility is computed from stored timestamps on every read and never waits for a
job; ``notified_at`` records that the rated party was emailed (services.publish_due,
``flask ratings publish``). Nothing is edited after it was submitted; the company
may answer a published rating of itself once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Company, User
from marketplace.db import enum_column, utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement


class RatingSide(StrEnum):
    """Who wrote the rating (and so who is rated: the other side)."""

    WORKER = "worker"  # the worker rates the company
    COMPANY = "company"  # the company rates the worker


# The named aspects, in the order of the columns stars_1, stars_2, stars_3.
ASPECTS: dict[RatingSide, tuple[tuple[str, object], ...]] = {
    RatingSide.WORKER: (
        ("clear_instructions", _l("Clear instructions")),
        ("fair_review", _l("Fair review")),
        ("pays_on_time", _l("Pays on time")),
    ),
    RatingSide.COMPANY: (
        ("quality", _l("Quality")),
        ("reliability", _l("Reliability")),
        ("communication", _l("Communication")),
    ),
}


class Rating(db.Model):
    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "side"),
        sa.Index("ix_ratings_company_id_side_publish_at", "company_id", "side", "publish_at"),
        sa.Index("ix_ratings_worker_id_side_publish_at", "worker_id", "side", "publish_at"),
        sa.Index("ix_ratings_notified_at_publish_at", "notified_at", "publish_at"),
        sa.CheckConstraint("stars_1 BETWEEN 1 AND 5", name="stars_1_range"),
        sa.CheckConstraint("stars_2 BETWEEN 1 AND 5", name="stars_2_range"),
        sa.CheckConstraint("stars_3 BETWEEN 1 AND 5", name="stars_3_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("engagements.id"))
    side: Mapped[RatingSide] = mapped_column(enum_column(RatingSide))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    stars_1: Mapped[int]
    stars_2: Mapped[int]
    stars_3: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    publish_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    engagement: Mapped[Engagement] = relationship()
    company: Mapped[Company] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def stars(self) -> tuple[int, int, int]:
        return (self.stars_1, self.stars_2, self.stars_3)

    def aspects(self) -> list[tuple[object, int]]:
        """(label, stars) per named aspect."""
        return [(label, s) for (_key, label), s in zip(ASPECTS[self.side], self.stars, strict=True)]

    def is_published(self, now: datetime | None = None) -> bool:
        return self.publish_at <= (now or utcnow())
