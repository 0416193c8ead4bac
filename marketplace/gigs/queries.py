"""Reading gigs: the public listing with its search and filters, and the
company's and admins' lists. No writes here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from marketplace.accounts.models import Company, User
from marketplace.auth.roles import Viewer
from marketplace.extensions import db
from marketplace.gigs import search
from marketplace.gigs.cards import GigCard, load_cards
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigKind,
    GigLanguage,
    GigReport,
    GigRevision,
    GigStatus,
    PayModel,
    ReportStatus,
    RevisionStatus,
    gig_tags,
)
from marketplace.pagination import Page, paginate

PAGE_SIZE = 20
COUNT_CAP = 100  # beyond this we say "more than 100": an exact count costs more than it tells


class SortOrder(StrEnum):
    NEWEST = "newest"
    PAY = "pay"


@dataclass
class GigFilters:
    q: str = ""
    kind: GigKind | None = None
    language: str | None = None
    pay_model: PayModel | None = None
    min_rate_cents: int | None = None
    include_tags: list[str] = field(default_factory=list)
    exclude_tags: list[str] = field(default_factory=list)
    sort: SortOrder = SortOrder.NEWEST
    page: int = 1


@dataclass
class GigPage:
    items: list[GigCard]
    page: int
    total: int
    total_is_capped: bool
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def viewer_sees_mature(viewer: Viewer) -> bool:
    return isinstance(viewer, User) and viewer.is_active and viewer.sees_mature_content


def public_condition(viewer: Viewer) -> ColumnElement[bool]:
    """What anyone may see in listings: published, company in good standing,
    and no mature content unless the viewer is an adult who opted in."""
    conditions = [
        Gig.status == GigStatus.PUBLISHED,
        Gig.company_id.in_(sa.select(Company.id).where(Company.suspended_at.is_(None))),
    ]
    if not viewer_sees_mature(viewer):
        conditions.append(Gig.is_mature.is_(False))
    return sa.and_(*conditions)


def _tag_ids(slugs: list[str]) -> list[int]:
    if not slugs:
        return []
    return list(db.session.scalars(sa.select(ContentTag.id).where(ContentTag.slug.in_(slugs))))


def _filtered(viewer: Viewer, filters: GigFilters) -> sa.Select[tuple[Gig]]:
    stmt = sa.select(Gig).where(public_condition(viewer))
    if filters.q.strip():
        stmt = stmt.where(search.matches(db.engine.dialect.name, filters.q.strip()))
    if filters.kind:
        stmt = stmt.where(Gig.kind == filters.kind)
    if filters.pay_model:
        stmt = stmt.where(Gig.pay_model == filters.pay_model)
    if filters.min_rate_cents is not None:
        stmt = stmt.where(Gig.rate_cents >= filters.min_rate_cents)
    if filters.language:
        stmt = stmt.where(
            Gig.id.in_(sa.select(GigLanguage.gig_id).where(GigLanguage.code == filters.language))
        )
    if filters.include_tags:
        # Any of the chosen tags (a narrowing facet would hide too much).
        stmt = stmt.where(
            Gig.id.in_(
                sa.select(gig_tags.c.gig_id).where(
                    gig_tags.c.tag_id.in_(_tag_ids(filters.include_tags))
                )
            )
        )
    if filters.exclude_tags:
        excluded = _tag_ids(filters.exclude_tags)
        if excluded:
            stmt = stmt.where(
                Gig.id.not_in(sa.select(gig_tags.c.gig_id).where(gig_tags.c.tag_id.in_(excluded)))
            )
    return stmt


def _ordered(stmt: sa.Select[tuple[Gig]], sort: SortOrder) -> sa.Select[tuple[Gig]]:
    if sort == SortOrder.PAY:
        return stmt.order_by(Gig.rate_cents.desc(), Gig.published_at.desc(), Gig.id.desc())
    return stmt.order_by(Gig.published_at.desc(), Gig.id.desc())


def _capped_count(viewer: Viewer, filters: GigFilters) -> int:
    capped = _filtered(viewer, filters).with_only_columns(Gig.id).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0


def search_public_gigs(viewer: Viewer, filters: GigFilters) -> GigPage:
    """One page of public gigs as cards, with the (capped) number of matches."""
    page = max(1, filters.page)
    offset = (page - 1) * PAGE_SIZE
    stmt = _ordered(_filtered(viewer, filters), filters.sort)
    if filters.q.strip():
        # A text search reads every match from the full-text index and sorts
        # them (see search.py), so it counts them in the same pass.
        ranked = db.session.execute(
            stmt.with_only_columns(Gig.id, sa.func.count().over())
            .limit(PAGE_SIZE + 1)
            .offset(offset)
        ).all()
        ids = [gig_id for gig_id, _ in ranked]
        total = ranked[0][1] if ranked else _capped_count(viewer, filters)
    else:
        # Browsing walks an index in the listing's order and stops after one
        # page; counting every gig would cost more than it tells, hence the cap.
        ids = list(
            db.session.scalars(stmt.with_only_columns(Gig.id).limit(PAGE_SIZE + 1).offset(offset))
        )
        total = _capped_count(viewer, filters)
    return GigPage(
        items=load_cards(ids[:PAGE_SIZE]),
        page=page,
        total=min(total, COUNT_CAP),
        total_is_capped=total > COUNT_CAP,
        has_next=len(ids) > PAGE_SIZE,
    )


def load_gig(gig_id: int) -> Gig | None:
    return db.session.scalar(
        sa.select(Gig)
        .where(Gig.id == gig_id)
        .options(joinedload(Gig.company), selectinload(Gig.tags), selectinload(Gig.communities))
    )


def company_gigs(company: Company) -> list[Gig]:
    return list(
        db.session.scalars(
            sa.select(Gig)
            .where(Gig.company_id == company.id)
            .options(selectinload(Gig.tags))
            .order_by(Gig.updated_at.desc(), Gig.id.desc())
        )
    )


def gigs_with_pending_revision(company: Company) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(GigRevision.gig_id)
            .join(Gig)
            .where(Gig.company_id == company.id, GigRevision.status == RevisionStatus.PENDING)
        )
    )


def company_public_gigs(viewer: Viewer, company: Company) -> list[GigCard]:
    return load_cards(
        list(
            db.session.scalars(
                sa.select(Gig.id)
                .where(public_condition(viewer), Gig.company_id == company.id)
                .order_by(Gig.published_at.desc(), Gig.id.desc())
                .limit(100)
            )
        )
    )


def vetting_queue() -> list[GigRevision]:
    """Pending revisions, oldest first: first come, first vetted."""
    return list(
        db.session.scalars(
            sa.select(GigRevision)
            .where(GigRevision.status == RevisionStatus.PENDING)
            .options(joinedload(GigRevision.gig).joinedload(Gig.company))
            .order_by(GigRevision.submitted_at, GigRevision.id)
        )
    )


def revision_history(gig: Gig) -> list[GigRevision]:
    return list(
        db.session.scalars(
            gig.revisions.select()
            .options(joinedload(GigRevision.decided_by))
            .order_by(GigRevision.id.desc())
        )
    )


def reports_queue(status: ReportStatus | None, page: int) -> Page[GigReport]:
    """Open reports oldest first (they wait longest); decided ones newest first."""
    stmt = sa.select(GigReport).options(
        joinedload(GigReport.gig).joinedload(Gig.company), joinedload(GigReport.reporter)
    )
    if status is not None:
        stmt = stmt.where(GigReport.status == status)
    if status == ReportStatus.OPEN:
        stmt = stmt.order_by(GigReport.created_at, GigReport.id)
    else:
        stmt = stmt.order_by(GigReport.created_at.desc(), GigReport.id.desc())
    return paginate(stmt, page)


def open_report_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(GigReport)
            .where(GigReport.status == ReportStatus.OPEN)
        )
        or 0
    )
