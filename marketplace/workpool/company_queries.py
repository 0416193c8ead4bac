"""Reading the company's side of the email work pool: its mailboxes, queues, threads,
escalations and answers waiting for review (the dashboard: dashboard_queries.py).

Reads only; every change goes through mailboxes.py, inbound.py, pool.py and
payments/units.py. Everything is aggregated in SQL, a fixed number of queries
per page, never one per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigKind
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.pagination import Page
from marketplace.payments import unit_labels
from marketplace.payments.models import WorkUnit
from marketplace.workpool import pool
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Escalation,
    Mailbox,
    Message,
    Reply,
)

# Work units of the pool name their work in ``source``: "email:reply:<reply id>" for an
# answer, "email:escalation:<escalation id>" for a paid escalation (see pool.py).
REPLY_SOURCE = unit_labels.REPLY_SOURCE
ESCALATION_SOURCE = unit_labels.ESCALATION_SOURCE


def source_id(prefix: str) -> sa.ColumnElement[int]:
    """The id a unit's ``source`` names after ``prefix``, else NULL. The CASE keeps
    the cast away from other sources ("manual:<uuid>"), on every database."""
    return sa.case(
        (
            WorkUnit.source.like(f"{prefix}%"),
            sa.cast(sa.func.substr(WorkUnit.source, len(prefix) + 1), sa.Integer),
        ),
        else_=None,
    )


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- mailboxes ---------------------------------------------------------------------------


@dataclass
class MailboxRow:
    mailbox: Mailbox
    waiting: int = 0
    overdue: int = 0
    escalated: int = 0


def company_mailbox(company: Company, mailbox_id: int | None) -> Mailbox | None:
    if mailbox_id is None:
        return None
    return db.session.scalar(
        sa.select(Mailbox).where(Mailbox.id == mailbox_id, Mailbox.company_id == company.id)
    )


def company_mailboxes(company: Company) -> list[Mailbox]:
    return list(
        db.session.scalars(
            sa.select(Mailbox)
            .where(Mailbox.company_id == company.id)
            .order_by(Mailbox.name, Mailbox.id)
        )
    )


def mailbox_rows(company: Company, now: datetime | None = None) -> list[MailboxRow]:
    """The company's mailboxes with their waiting, overdue and escalated counts."""
    now = now or utcnow()
    mailboxes = db.session.scalars(
        sa.select(Mailbox)
        .where(Mailbox.company_id == company.id)
        .options(joinedload(Mailbox.gig), joinedload(Mailbox.forward_to))
        .order_by(Mailbox.name, Mailbox.id)
    ).all()
    rows = {m.id: MailboxRow(m) for m in mailboxes}
    if not rows:
        return []
    waiting = Conversation.status == ConversationStatus.WAITING
    counts = db.session.execute(
        sa.select(
            Conversation.mailbox_id,
            sa.func.count(sa.case((waiting, 1))),
            sa.func.count(sa.case((sa.and_(waiting, Conversation.first_response_due_at < now), 1))),
            sa.func.count(sa.case((Conversation.status == ConversationStatus.ESCALATED, 1))),
        )
        .where(
            Conversation.mailbox_id.in_(rows),
            Conversation.status.in_([ConversationStatus.WAITING, ConversationStatus.ESCALATED]),
        )
        .group_by(Conversation.mailbox_id)
    ).all()
    for mailbox_id, waiting_count, overdue, escalated in counts:
        row = rows[mailbox_id]
        row.waiting, row.overdue, row.escalated = waiting_count, overdue, escalated
    return list(rows.values())


def email_gigs(company: Company) -> list[Gig]:
    """The company's email-support gigs (a mailbox belongs to one of them)."""
    return list(
        db.session.scalars(
            sa.select(Gig)
            .where(Gig.company_id == company.id, Gig.kind == GigKind.EMAIL_SUPPORT)
            .order_by(Gig.title, Gig.id)
        )
    )


# --- conversations -----------------------------------------------------------------------


@dataclass
class ConversationRow:
    conversation: Conversation
    held_by: str | None  # the worker holding a live lease on it
    assigned_to: str | None  # forwarded mailboxes: whose it is


def status_counts(mailbox: Mailbox) -> dict[ConversationStatus, int]:
    found = dict(
        db.session.execute(
            sa.select(Conversation.status, sa.func.count())
            .where(Conversation.mailbox_id == mailbox.id)
            .group_by(Conversation.status)
        ).all()
    )
    return {status: int(found.get(status, 0)) for status in ConversationStatus}


_ORDER = {
    # The queue in the order "Next email" takes it (urgent first, then by target).
    ConversationStatus.WAITING: (
        pool.PRIORITY_ORDER,
        Conversation.first_response_due_at,
        Conversation.id,
    ),
    ConversationStatus.ESCALATED: (Conversation.escalated_at, Conversation.id),
    ConversationStatus.SENDING: (Conversation.updated_at.desc(), Conversation.id.desc()),
    ConversationStatus.ANSWERED: (Conversation.answered_at.desc(), Conversation.id.desc()),
}


def conversations(
    mailbox: Mailbox,
    status: ConversationStatus,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
    where: tuple[sa.ColumnElement[bool], ...] = (),
) -> Page[ConversationRow]:
    """The mailbox's conversations in ``status``: the queue by priority and
    first-response target, escalations oldest first, answered ones newest first.
    ``where``: more conditions (the list's filters, see triage_queries.py)."""
    now = now or utcnow()
    page = max(1, page)
    holder, assignee = aliased(User), aliased(User)
    live_lease = sa.and_(
        Conversation.claimed_by_id == holder.id, Conversation.lease_expires_at > now
    )
    rows = db.session.execute(
        sa.select(Conversation, holder.display_name, assignee.display_name)
        .outerjoin(holder, live_lease)
        .outerjoin(assignee, assignee.id == Conversation.assigned_to_id)
        .where(Conversation.mailbox_id == mailbox.id, Conversation.status == status, *where)
        .order_by(*_ORDER[status])
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    items = [ConversationRow(c, held, assigned) for c, held, assigned in rows[:per_page]]
    return Page(items=items, page=page, has_next=len(rows) > per_page)


@dataclass
class Thread:
    messages: list[Message]
    replies: dict[str, Reply]  # by Message-ID: how each of our emails is going out
    escalations: list[Escalation]


def thread(conversation: Conversation) -> Thread:
    messages = db.session.scalars(
        sa.select(Message)
        .where(Message.conversation_id == conversation.id)
        .options(selectinload(Message.attachments))
        .order_by(Message.id)
    ).all()
    replies = db.session.scalars(
        sa.select(Reply)
        .where(Reply.conversation_id == conversation.id)
        .options(joinedload(Reply.author))
    ).all()
    escalations = db.session.scalars(
        sa.select(Escalation)
        .where(Escalation.conversation_id == conversation.id)
        .options(joinedload(Escalation.escalated_by))
        .order_by(Escalation.id)
    ).all()
    return Thread(
        messages=list(messages),
        replies={reply.message_id: reply for reply in replies},
        escalations=list(escalations),
    )


def active_engagements(gig_id: int) -> list[Engagement]:
    return list(
        db.session.scalars(
            sa.select(Engagement).where(
                Engagement.gig_id == gig_id, Engagement.status == EngagementStatus.ACTIVE
            )
        )
    )


def queue_stopped(engagements: list[Engagement], waiting: int) -> bool:
    """Customers wait, and the company cannot pay for the next email, so the pool hands
    out no work (pool.company_can_pay_next). The cheapest of the gig's active engagements
    decides: if even their email cannot be paid, nobody's can."""
    if not waiting or not engagements:
        return False
    cheapest = min(engagements, key=lambda engagement: engagement.rate_cents)
    return not pool.company_can_pay_next(cheapest)


# --- escalations ---------------------------------------------------------------------------


@dataclass
class EscalationRow:
    conversation: Conversation
    mailbox_name: str
    note: str
    escalated_by: str
    escalated_at: datetime


def escalation_queue(
    company: Company, mailbox: Mailbox | None = None, page: int = 1, per_page: int = 50
) -> Page[EscalationRow]:
    """Conversations waiting for the company, oldest escalation first, with the
    worker's internal note."""
    page = max(1, page)
    stmt = (
        sa.select(
            Conversation, Mailbox.name, Escalation.note, User.display_name, Escalation.created_at
        )
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .join(
            Escalation,
            sa.and_(
                Escalation.conversation_id == Conversation.id, Escalation.resolved_at.is_(None)
            ),
        )
        .join(User, User.id == Escalation.escalated_by_id)
        .where(
            Mailbox.company_id == company.id,
            Conversation.status == ConversationStatus.ESCALATED,
        )
        .order_by(Conversation.escalated_at, Conversation.id, Escalation.id)
    )
    if mailbox is not None:
        stmt = stmt.where(Conversation.mailbox_id == mailbox.id)
    rows = db.session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).all()
    items = [
        EscalationRow(conversation, name, note, by, as_utc(at))
        for conversation, name, note, by, at in rows[:per_page]
    ]
    return Page(items=items, page=page, has_next=len(rows) > per_page)
