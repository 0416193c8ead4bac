"""The company's one review of work: every unit (answered emails, escalations,
moderated items, hours) in one list, filterable by gig, worker and kind, with the
work it pays for loaded for inline reading (the answer and the customer's email,
the escalation note, the decided item) in a few queries per page.

A ``Scope`` narrows the same queries to what a viewer may review: the company sees
all its units; a team lead one gig's units of the other workers (``Scope.team_lead``).

Reads only: decisions go through ``units.approve`` / ``approve_many`` / ``reject``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.moderation.item_models import Decision, DecisionAction, ModerationItem
from marketplace.moderation.models import Community
from marketplace.onboarding.models import Engagement
from marketplace.pagination import Page
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.payments.unit_labels import (
    ESCALATION_SOURCE,
    KIND_FILTERS,
    MODERATION_SOURCE,
    REPLY_SOURCE,
    REVIEW_SOURCE,
    source_id,
)
from marketplace.urls import bounded_int
from marketplace.workpool.models import (
    Conversation,
    Direction,
    Escalation,
    Mailbox,
    Message,
    Reply,
)

HISTORY_STATUSES = (
    UnitStatus.APPROVED,
    UnitStatus.REJECTED,
    UnitStatus.DISPUTED,
    UnitStatus.VOIDED,
)


@dataclass(frozen=True)
class Filters:
    gig_id: int | None = None
    worker_id: int | None = None
    kind: str | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        kind = args.get("kind", "")
        return cls(
            gig_id=bounded_int(args.get("gig")),
            worker_id=bounded_int(args.get("worker")),
            kind=kind if kind in KIND_FILTERS else None,
        )

    def as_args(self) -> dict[str, object]:
        """The filters as query arguments (for links and redirects back)."""
        found = {"gig": self.gig_id, "worker": self.worker_id, "kind": self.kind}
        return {key: value for key, value in found.items() if value}

    def apply(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        if self.gig_id:
            stmt = stmt.where(WorkUnit.gig_id == self.gig_id)
        if self.worker_id:
            stmt = stmt.where(WorkUnit.worker_id == self.worker_id)
        if self.kind == "escalation":
            stmt = stmt.where(WorkUnit.source.like(f"{ESCALATION_SOURCE}%"))
        elif self.kind == "email":
            stmt = stmt.where(
                WorkUnit.kind == UnitKind.EMAIL,
                WorkUnit.source.not_like(f"{ESCALATION_SOURCE}%"),
            )
        elif self.kind is not None:
            stmt = stmt.where(WorkUnit.kind == UnitKind(self.kind))
        return stmt


@dataclass(frozen=True)
class Scope:
    """Which of the company's units a viewer reviews: all of them (the company), or one
    gig's units of the workers other than the team lead, without the team leads' own
    reviews (a team lead never decides on their own work or pay)."""

    gig_id: int | None = None
    lead_id: int | None = None

    @classmethod
    def team_lead(cls, gig_id: int, lead_id: int) -> Scope:
        return cls(gig_id=gig_id, lead_id=lead_id)

    @property
    def is_team_lead(self) -> bool:
        return self.lead_id is not None

    def apply(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        if self.gig_id is not None:
            stmt = stmt.where(WorkUnit.gig_id == self.gig_id)
        if self.lead_id is not None:
            stmt = stmt.where(WorkUnit.worker_id != self.lead_id, WorkUnit.kind != UnitKind.REVIEW)
        return stmt


COMPANY = Scope()


def _units(
    company: Company, filters: Filters, scope: Scope = COMPANY
) -> sa.Select[tuple[WorkUnit]]:
    stmt = (
        sa.select(WorkUnit)
        .where(WorkUnit.company_id == company.id)
        .options(
            joinedload(WorkUnit.worker), joinedload(WorkUnit.engagement).joinedload(Engagement.gig)
        )
    )
    return scope.apply(filters.apply(stmt))


def scoped_unit(company: Company, unit_id: int, scope: Scope = COMPANY) -> WorkUnit | None:
    """One unit inside the viewer's scope, locked for a decision (auto-approval skips
    locked rows); None when it is not (the view's 404)."""
    stmt = sa.select(WorkUnit).where(WorkUnit.id == unit_id, WorkUnit.company_id == company.id)
    return db.session.scalar(scope.apply(stmt).with_for_update())


def _page(stmt: sa.Select[Any], page: int, per_page: int) -> Page[Any]:
    page = max(1, page)
    rows = list(db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)).unique())
    return Page(items=rows[:per_page], page=page, has_next=len(rows) > per_page)


def _open(now: datetime | None) -> sa.ColumnElement[bool]:
    """Pending and inside the review window (past it, auto-approval is due)."""
    return sa.and_(
        WorkUnit.status == UnitStatus.PENDING, WorkUnit.review_due_at > (now or utcnow())
    )


def review_queue(
    company: Company,
    filters: Filters = Filters(),
    page: int = 1,
    per_page: int = 100,
    now: datetime | None = None,
    scope: Scope = COMPANY,
) -> Page[WorkUnit]:
    """Units waiting for the company's decision, the one due first at the top."""
    stmt = _units(company, filters, scope).where(_open(now))
    return _page(stmt.order_by(WorkUnit.review_due_at, WorkUnit.id), page, per_page)


def review_history(
    company: Company,
    status: UnitStatus | None = None,
    filters: Filters = Filters(),
    page: int = 1,
    per_page: int = 50,
    scope: Scope = COMPANY,
) -> Page[WorkUnit]:
    """Decided units, most recently decided first."""
    statuses = [status] if status is not None else list(HISTORY_STATUSES)
    stmt = (
        _units(company, filters, scope)
        .where(WorkUnit.status.in_(statuses))
        .options(joinedload(WorkUnit.decided_by))
    )
    order = (sa.func.coalesce(WorkUnit.decided_at, WorkUnit.created_at).desc(), WorkUnit.id.desc())
    return _page(stmt.order_by(*order), page, per_page)


def pending_count(company: Company, filters: Filters = Filters(), scope: Scope = COMPANY) -> int:
    stmt = filters.apply(
        sa.select(sa.func.count())
        .select_from(WorkUnit)
        .where(WorkUnit.company_id == company.id, _open(None))
    )
    return db.session.scalar(scope.apply(stmt)) or 0


@dataclass
class ReviewPage:
    """What one review page shows, read from its query string: the tab (waiting or
    decided), the status and filters chosen, one page of units with their work, and
    the choices and count for the filter bar. The company's review and a team lead's
    read it alike."""

    tab: str
    status: UnitStatus | None
    filters: Filters
    units: Page[WorkUnit]
    details: dict[int, object]
    pending_count: int
    choices: FilterChoices


def review_page(
    company: Company, args: Mapping[str, str], page: int, scope: Scope = COMPANY
) -> ReviewPage:
    tab = "history" if args.get("tab") == "history" else "pending"
    raw_status = args.get("status", "")
    status = UnitStatus(raw_status) if raw_status in HISTORY_STATUSES else None
    filters = Filters.from_args(args)
    units = (
        review_history(company, status, filters, page, scope=scope)
        if tab == "history"
        else review_queue(company, filters, page, scope=scope)
    )
    return ReviewPage(
        tab=tab,
        status=status,
        filters=filters,
        units=units,
        details=work_details(company, units.items),
        pending_count=pending_count(company, filters, scope),
        choices=filter_choices(company, scope),
    )


@dataclass
class FilterChoices:
    gigs: list[tuple[int, str]]
    workers: list[tuple[int, str]]


def filter_choices(company: Company, scope: Scope = COMPANY) -> FilterChoices:
    """The company's gigs and the workers it has engaged (within the scope), for the
    filter form."""
    gig_stmt = sa.select(Gig.id, Gig.title).where(Gig.company_id == company.id)
    worker_stmt = (
        sa.select(User.id, User.display_name)
        .join(Engagement, Engagement.worker_id == User.id)
        .join(Gig, Gig.id == Engagement.gig_id)
        .where(Gig.company_id == company.id)
    )
    if scope.gig_id is not None:
        gig_stmt = gig_stmt.where(Gig.id == scope.gig_id)
        worker_stmt = worker_stmt.where(Gig.id == scope.gig_id)
    if scope.lead_id is not None:
        worker_stmt = worker_stmt.where(User.id != scope.lead_id)
    gigs = db.session.execute(gig_stmt.order_by(Gig.title, Gig.id)).all()
    workers = db.session.execute(
        worker_stmt.group_by(User.id, User.display_name).order_by(User.display_name, User.id)
    ).all()
    return FilterChoices(gigs=[tuple(g) for g in gigs], workers=[tuple(w) for w in workers])


# --- the work each unit pays for, shown inline --------------------------------------------


@dataclass
class EmailWork:
    reply: Reply
    customer_message: Message | None


@dataclass
class EscalationWork:
    escalation: Escalation
    conversation: Conversation


@dataclass
class ItemWork:
    item: ModerationItem
    decision: Decision | None


@dataclass
class ReviewWork:
    """A team lead's review: the unit they decided on."""

    reviewed: WorkUnit


def work_details(company: Company, found: list[WorkUnit]) -> dict[int, object]:
    """unit id → the work it pays for (only the company's own), in one query per kind."""
    details: dict[int, object] = {}
    reviewed_ids = {u.id: source_id(u, REVIEW_SOURCE) for u in found}
    reviewed = _reviewed(company, {i for i in reviewed_ids.values() if i})
    for unit_id, reviewed_id in reviewed_ids.items():
        if reviewed_id in reviewed:
            details[unit_id] = ReviewWork(reviewed[reviewed_id])
    reply_ids = {u.id: source_id(u, REPLY_SOURCE) for u in found}
    escalation_ids = {u.id: source_id(u, ESCALATION_SOURCE) for u in found}
    item_ids = {u.id: source_id(u, MODERATION_SOURCE) for u in found}
    replies = _replies(company, {i for i in reply_ids.values() if i})
    answered = _answered_messages(list(replies.values()))
    for unit_id, reply_id in reply_ids.items():
        if reply_id in replies:
            reply = replies[reply_id]
            details[unit_id] = EmailWork(
                reply, answered.get((reply.conversation_id, reply.in_reply_to))
            )
    escalations = _escalations(company, {i for i in escalation_ids.values() if i})
    for unit_id, escalation_id in escalation_ids.items():
        if escalation_id in escalations:
            details[unit_id] = EscalationWork(*escalations[escalation_id])
    items = _items(company, {i for i in item_ids.values() if i})
    workers = {u.id: u.worker_id for u in found}
    for unit_id, item_id in item_ids.items():
        if item_id in items:
            item, decisions = items[item_id]
            mine = [d for d in decisions if d.decided_by_id == workers[unit_id]]
            details[unit_id] = ItemWork(item, mine[-1] if mine else None)
    return details


def _reviewed(company: Company, ids: set[int]) -> dict[int, WorkUnit]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(WorkUnit)
        .where(WorkUnit.id.in_(ids), WorkUnit.company_id == company.id)
        .options(joinedload(WorkUnit.worker))
    )
    return {unit.id: unit for unit in rows}


def _replies(company: Company, ids: set[int]) -> dict[int, Reply]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Reply)
        .join(Conversation, Conversation.id == Reply.conversation_id)
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(Reply.id.in_(ids), Mailbox.company_id == company.id)
    )
    return {reply.id: reply for reply in rows}


def _answered_messages(replies: list[Reply]) -> dict[tuple[int, str | None], Message]:
    """The customer's message each reply answered, in one query."""
    wanted = {(r.conversation_id, r.in_reply_to) for r in replies if r.in_reply_to}
    if not wanted:
        return {}
    found = db.session.scalars(
        sa.select(Message).where(
            Message.conversation_id.in_({c for c, _m in wanted}),
            Message.message_id.in_({m for _c, m in wanted}),
            Message.direction == Direction.INBOUND,
        )
    )
    return {
        (m.conversation_id, m.message_id): m
        for m in found
        if (m.conversation_id, m.message_id) in wanted
    }


def _escalations(company: Company, ids: set[int]) -> dict[int, tuple[Escalation, Conversation]]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Escalation, Conversation)
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(Escalation.id.in_(ids), Mailbox.company_id == company.id)
    )
    return {escalation.id: (escalation, conversation) for escalation, conversation in rows}


def _items(company: Company, ids: set[int]) -> dict[int, tuple[ModerationItem, list[Decision]]]:
    if not ids:
        return {}
    items = {
        item.id: (item, [])
        for item in db.session.scalars(
            sa.select(ModerationItem)
            .join(Community, Community.id == ModerationItem.community_id)
            .where(ModerationItem.id.in_(ids), Community.company_id == company.id)
        )
    }
    if items:
        for decision in db.session.scalars(
            sa.select(Decision)
            .where(Decision.item_id.in_(items), Decision.action != DecisionAction.REVERSE)
            .options(selectinload(Decision.rule))
            .order_by(Decision.id)
        ):
            items[decision.item_id][1].append(decision)
    return items
