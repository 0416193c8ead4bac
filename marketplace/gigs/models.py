"""Gig listings, their content tags, communities and review revisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Company, User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db


class GigKind(StrEnum):
    EMAIL_SUPPORT = "email_support"
    CHAT_MODERATION = "chat_moderation"
    FORUM_MODERATION = "forum_moderation"

    @property
    def is_moderation(self) -> bool:
        return self is not GigKind.EMAIL_SUPPORT


class PayModel(StrEnum):
    PER_EMAIL = "per_email"
    PER_ITEM = "per_item"
    PER_HOUR = "per_hour"


class GigStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CLOSED = "closed"
    EXPIRED = "expired"


# Which status may follow which. Services check every change against this.
GIG_TRANSITIONS: dict[GigStatus, frozenset[GigStatus]] = {
    GigStatus.DRAFT: frozenset({GigStatus.IN_REVIEW}),
    GigStatus.IN_REVIEW: frozenset({GigStatus.PUBLISHED, GigStatus.REJECTED, GigStatus.DRAFT}),
    GigStatus.REJECTED: frozenset({GigStatus.IN_REVIEW}),
    # An admin may take a published gig down (→ rejected, with a reason).
    GigStatus.PUBLISHED: frozenset({GigStatus.CLOSED, GigStatus.EXPIRED, GigStatus.REJECTED}),
    GigStatus.CLOSED: frozenset(),
    GigStatus.EXPIRED: frozenset(),
}


class RevisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # replaced by a newer submission before a decision
    WITHDRAWN = "withdrawn"  # the gig left review (withdrawn, closed or expired)


REVISION_TRANSITIONS: dict[RevisionStatus, frozenset[RevisionStatus]] = {
    RevisionStatus.PENDING: frozenset(
        {
            RevisionStatus.APPROVED,
            RevisionStatus.REJECTED,
            RevisionStatus.SUPERSEDED,
            RevisionStatus.WITHDRAWN,
        }
    ),
    RevisionStatus.APPROVED: frozenset(),
    RevisionStatus.REJECTED: frozenset(),
    RevisionStatus.SUPERSEDED: frozenset(),
    RevisionStatus.WITHDRAWN: frozenset(),
}


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"  # the admin took the listing down


REPORT_TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.OPEN: frozenset({ReportStatus.DISMISSED, ReportStatus.ACTIONED}),
    ReportStatus.DISMISSED: frozenset(),
    ReportStatus.ACTIONED: frozenset(),
}


gig_tags = sa.Table(
    "gig_tags",
    db.metadata,
    sa.Column("gig_id", sa.ForeignKey("gigs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("content_tags.id"), primary_key=True),
    sa.Index("ix_gig_tags_tag_id_gig_id", "tag_id", "gig_id"),
)


class ContentTag(TimestampMixin, db.Model):
    """A label telling workers what content they would see ("adult chat", …).

    The list is curated by admins; mature tags hide a gig from anyone who is
    not a verified adult who opted in.
    """

    __tablename__ = "content_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(60))
    name_de: Mapped[str] = mapped_column(sa.String(60))
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_de: Mapped[str] = mapped_column(sa.Text, default="")
    is_mature: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def name(self) -> str:
        return self.name_de if str(get_locale()) == "de" else self.name_en

    @property
    def description(self) -> str:
        return self.description_de if str(get_locale()) == "de" else self.description_en

    def __repr__(self) -> str:
        return f"<ContentTag {self.slug}>"


class Gig(TimestampMixin, db.Model):
    """A listing. Its columns hold the live content once published.

    Before the first publication the company edits these columns directly.
    Afterwards, changes to reviewed content wait in a pending GigRevision and
    the published content stays live until an admin approves the revision.
    """

    __tablename__ = "gigs"
    __table_args__ = (
        sa.Index("ix_gigs_status_published_at", "status", "published_at"),
        sa.Index("ix_gigs_status_rate_cents", "status", "rate_cents"),
        sa.CheckConstraint("rate_cents > 0", name="rate_positive"),
        sa.CheckConstraint("openings > 0", name="openings_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[GigStatus] = mapped_column(enum_column(GigStatus), default=GigStatus.DRAFT)

    title: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[GigKind] = mapped_column(enum_column(GigKind))
    description: Mapped[str] = mapped_column(sa.Text)
    pay_model: Mapped[PayModel] = mapped_column(enum_column(PayModel))
    rate_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    hours_per_week: Mapped[int]
    openings: Mapped[int] = mapped_column(default=1)
    # Derived from the tags by the service that sets them, so listing queries
    # can filter without a join.
    is_mature: Mapped[bool] = mapped_column(default=False)

    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)

    company: Mapped[Company] = relationship(back_populates="gigs")
    created_by: Mapped[User] = relationship()
    tags: Mapped[list[ContentTag]] = relationship(secondary=gig_tags, order_by=ContentTag.slug)
    language_rows: Mapped[list[GigLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="GigLanguage.code"
    )
    communities: Mapped[list[GigCommunity]] = relationship(
        cascade="all, delete-orphan", order_by="GigCommunity.position"
    )
    revisions: Mapped[list[GigRevision]] = relationship(
        back_populates="gig", lazy="write_only", order_by="GigRevision.id", passive_deletes=True
    )

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @property
    def is_public(self) -> bool:
        return self.status == GigStatus.PUBLISHED and not self.company.is_suspended

    def __repr__(self) -> str:
        return f"<Gig {self.id} {self.status} {self.title!r}>"


class GigLanguage(db.Model):
    """A language the work is done in (ISO 639-1 code)."""

    __tablename__ = "gig_languages"
    __table_args__ = (sa.Index("ix_gig_languages_code_gig_id", "code", "gig_id"),)

    gig_id: Mapped[int] = mapped_column(
        sa.ForeignKey("gigs.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)


class GigCommunity(db.Model):
    """A community or chat a moderation worker would moderate."""

    __tablename__ = "gig_communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(120))
    audience: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")


class GigRevision(db.Model):
    """One submission of a gig's content for review, and the admin's decision on it.

    ``content`` is a snapshot (see ``gigs.content.GigContent``), so the admin
    decides on exactly what was submitted, and the history shows what changed.
    """

    __tablename__ = "gig_revisions"
    __table_args__ = (sa.Index("ix_gig_revisions_status_submitted_at", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id", ondelete="CASCADE"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_column(RevisionStatus), default=RevisionStatus.PENDING
    )
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # True when the gig was already published: approving changes a live listing.
    is_update: Mapped[bool] = mapped_column(default=False)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    gig: Mapped[Gig] = relationship(back_populates="revisions")
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ListingsVersion(db.Model):
    """One row: a number that grows whenever anything a public listing shows
    changes. Cached listing pages are keyed by it, so a change is visible on
    the next request, on every host (see gigs/listing_cache.py)."""

    __tablename__ = "listings_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)


class GigReport(db.Model):
    """A logged-in user's report that a listing breaks the rules."""

    __tablename__ = "gig_reports"
    __table_args__ = (
        sa.UniqueConstraint("gig_id", "reporter_id"),
        sa.Index("ix_gig_reports_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)

    gig: Mapped[Gig] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
