"""Reading the company's side of the email work pool: its mailboxes, queues, threads,
escalations, answers waiting for review, and the dashboard (with its CSV).

Reads only; every change goes through mailboxes.py, inbound.py, pool.py and
payments/units.py. Everything is aggregated in SQL, a fixed number of queries
per page, never one per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, joinedload, selectinload

from marketplace import csv_export
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigKind
from marketplace.money import cents_to_input
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.pagination import Page
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.workpool import pool
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    Mailbox,
    Message,
    Reply,
    ReplyKind,
)

DASHBOARD_DAYS = 14
# Work units of the pool name their work in ``source``: "email:reply:<reply id>" for an
# answer, "email:escalation:<escalation id>" for a paid escalation (see pool.py).
REPLY_SOURCE = "email:reply:"
ESCALATION_SOURCE = "email:escalation:"
# Email units that count as spend: approved, or still in review (rejected work is
# held for a possible dispute and then returned).
SPENT_STATUSES = (UnitStatus.PENDING, UnitStatus.APPROVED)


def _source_id(prefix: str) -> sa.ColumnElement[int]:
    """The id a unit's ``source`` names after ``prefix``, else NULL. The CASE keeps
    the cast away from other sources ("manual:<uuid>"), on every database."""
    return sa.case(
        (
            WorkUnit.source.like(f"{prefix}%"),
            sa.cast(sa.func.substr(WorkUnit.source, len(prefix) + 1), sa.Integer),
        ),
        else_=None,
    )


def _utc_day(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


def _seconds_between(later: Any, earlier: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _aware(value: datetime | None) -> datetime | None:
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
    ConversationStatus.WAITING: (Conversation.first_response_due_at, Conversation.id),
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
) -> Page[ConversationRow]:
    """The mailbox's conversations in ``status``: the queue by first-response target,
    escalations oldest first, answered ones newest first."""
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
        .where(Conversation.mailbox_id == mailbox.id, Conversation.status == status)
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
        EscalationRow(conversation, name, note, by, _aware(at))
        for conversation, name, note, by, at in rows[:per_page]
    ]
    return Page(items=items, page=page, has_next=len(rows) > per_page)


# --- answers waiting for review ------------------------------------------------------------


@dataclass
class ReviewItem:
    unit: WorkUnit
    reply: Reply
    conversation: Conversation
    mailbox_name: str
    customer_message: Message | None  # what the answer replied to


def review_queue(
    company: Company,
    mailbox: Mailbox | None = None,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> Page[ReviewItem]:
    """Answered emails whose unit is waiting for the company's review and whose review
    window is still open, the one due first at the top."""
    now = now or utcnow()
    page = max(1, page)
    stmt = (
        sa.select(WorkUnit, Reply, Conversation, Mailbox.name)
        .join(Reply, Reply.id == _source_id(REPLY_SOURCE))
        .join(Conversation, Conversation.id == Reply.conversation_id)
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(
            WorkUnit.company_id == company.id,
            WorkUnit.status == UnitStatus.PENDING,
            WorkUnit.review_due_at > now,
            Mailbox.company_id == company.id,
        )
        .options(joinedload(WorkUnit.worker))
        .order_by(WorkUnit.review_due_at, WorkUnit.id)
    )
    if mailbox is not None:
        stmt = stmt.where(Mailbox.id == mailbox.id)
    rows = db.session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).all()
    rows, has_next = rows[:per_page], len(rows) > per_page
    answered = _answered_messages([reply for _unit, reply, _c, _n in rows])
    items = [
        ReviewItem(unit, reply, conversation, name,
                   answered.get((reply.conversation_id, reply.in_reply_to)))
        for unit, reply, conversation, name in rows
    ]  # fmt: skip
    return Page(items=items, page=page, has_next=has_next)


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


# --- the dashboard ------------------------------------------------------------------------


@dataclass
class WorkerDay:
    day: date
    worker_id: int
    worker: str = ""
    answered: int = 0
    escalated: int = 0
    spend_cents: int = 0


@dataclass
class Dashboard:
    days: list[date]  # the window, oldest first (UTC days)
    now: datetime
    queue_size: int = 0
    oldest_waiting_since: datetime | None = None
    overdue_waiting: int = 0
    first_responses: int = 0  # conversations first answered in the window
    answered_late: int = 0  # … of which after their first-response target
    median_first_response_seconds: float | None = None
    rows: list[WorkerDay] = field(default_factory=list)  # newest day first, then by name

    @property
    def oldest_waiting_seconds(self) -> float | None:
        if self.oldest_waiting_since is None:
            return None
        return (self.now - self.oldest_waiting_since).total_seconds()

    @property
    def spend_cents(self) -> int:
        return sum(row.spend_cents for row in self.rows)

    @property
    def answered(self) -> int:
        return sum(row.answered for row in self.rows)

    @property
    def escalated(self) -> int:
        return sum(row.escalated for row in self.rows)

    def per_day(self, attribute: str) -> list[tuple[date, int]]:
        totals = dict.fromkeys(self.days, 0)
        for row in self.rows:
            totals[row.day] += getattr(row, attribute)
        return list(totals.items())

    @property
    def totals_by_worker(self) -> list[WorkerDay]:
        """One line per worker over the whole window (``day`` is the window's start)."""
        totals: dict[int, WorkerDay] = {}
        for row in self.rows:
            total = totals.setdefault(
                row.worker_id, WorkerDay(self.days[0], row.worker_id, row.worker)
            )
            total.answered += row.answered
            total.escalated += row.escalated
            total.spend_cents += row.spend_cents
        return sorted(totals.values(), key=lambda row: row.worker.lower())


def dashboard(
    company: Company, mailbox: Mailbox | None = None, now: datetime | None = None
) -> Dashboard:
    """The service figures of the company's mailboxes (or one of them): the queue now,
    and the last DASHBOARD_DAYS days (UTC) per worker and day."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=n) for n in range(DASHBOARD_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    report = Dashboard(days=days, now=now)
    mailbox_ids = sa.select(Mailbox.id).where(Mailbox.company_id == company.id)
    if mailbox is not None:
        mailbox_ids = mailbox_ids.where(Mailbox.id == mailbox.id)
    in_mailboxes = Conversation.mailbox_id.in_(mailbox_ids.scalar_subquery())
    _queue_figures(report, in_mailboxes, since)
    report.median_first_response_seconds = _median_first_response(in_mailboxes, since)
    report.rows = _worker_days(company, in_mailboxes, since)
    return report


def _queue_figures(report: Dashboard, in_mailboxes: Any, since: datetime) -> None:
    waiting = Conversation.status == ConversationStatus.WAITING
    first_in_window = Conversation.first_responded_at >= since
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.case((waiting, 1))),
            sa.func.count(
                sa.case((sa.and_(waiting, Conversation.first_response_due_at < report.now), 1))
            ),
            sa.func.count(sa.case((first_in_window, 1))),
            sa.func.count(
                sa.case(
                    (
                        sa.and_(
                            first_in_window,
                            Conversation.first_responded_at > Conversation.first_response_due_at,
                        ),
                        1,
                    )
                )
            ),
        ).where(in_mailboxes)
    ).one()
    report.queue_size, report.overdue_waiting, report.first_responses, report.answered_late = (
        int(value or 0) for value in row
    )
    report.oldest_waiting_since = _aware(
        db.session.scalar(
            sa.select(sa.func.min(Conversation.waiting_since)).where(in_mailboxes, waiting)
        )
    )


def _median_first_response(in_mailboxes: Any, since: datetime) -> float | None:
    """The median of (first answer sent − customer began waiting), in seconds, over the
    conversations first answered since ``since``: the middle row (or the mean of the two
    middle rows), picked by window functions in one query."""
    duration = _seconds_between(Conversation.first_responded_at, Conversation.waiting_since)
    ranked = (
        sa.select(
            duration.label("seconds"),
            sa.func.row_number().over(order_by=duration).label("position"),
            sa.func.count().over().label("total"),
        )
        .where(in_mailboxes, Conversation.first_responded_at >= since)
        .subquery()
    )
    middle = sa.or_(
        ranked.c.position == (ranked.c.total + 1) // 2,
        ranked.c.position == (ranked.c.total + 2) // 2,
    )
    value = db.session.scalar(sa.select(sa.func.avg(ranked.c.seconds)).where(middle))
    return None if value is None else float(value)


def _worker_days(company: Company, in_mailboxes: Any, since: datetime) -> list[WorkerDay]:
    cells: dict[tuple[date, int], WorkerDay] = {}

    def cell(day: Any, worker_id: int) -> WorkerDay:
        key = (_as_date(day), worker_id)
        return cells.setdefault(key, WorkerDay(key[0], worker_id))

    answer_day = _utc_day(Reply.created_at)
    for day, worker_id, count in db.session.execute(
        sa.select(answer_day, Reply.author_id, sa.func.count())
        .join(Conversation, Conversation.id == Reply.conversation_id)
        .where(
            in_mailboxes,
            Reply.kind == ReplyKind.ANSWER,
            Reply.engagement_id.is_not(None),  # a worker's answer, not the company's
            Reply.created_at >= since,
        )
        .group_by(answer_day, Reply.author_id)
    ):
        cell(day, worker_id).answered = int(count)
    escalation_day = _utc_day(Escalation.created_at)
    for day, worker_id, count in db.session.execute(
        sa.select(escalation_day, Escalation.escalated_by_id, sa.func.count())
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .where(in_mailboxes, Escalation.created_at >= since)
        .group_by(escalation_day, Escalation.escalated_by_id)
    ):
        cell(day, worker_id).escalated = int(count)
    unit_day = _utc_day(WorkUnit.created_at)
    for day, worker_id, cents in db.session.execute(
        sa.select(
            unit_day, WorkUnit.worker_id, sa.func.sum(WorkUnit.amount_cents + WorkUnit.fee_cents)
        )
        .outerjoin(Reply, Reply.id == _source_id(REPLY_SOURCE))
        .outerjoin(Escalation, Escalation.id == _source_id(ESCALATION_SOURCE))
        .join(
            Conversation,
            Conversation.id == sa.func.coalesce(Reply.conversation_id, Escalation.conversation_id),
        )
        .where(
            in_mailboxes,
            WorkUnit.company_id == company.id,
            WorkUnit.kind == UnitKind.EMAIL,
            WorkUnit.status.in_(SPENT_STATUSES),
            WorkUnit.created_at >= since,
        )
        .group_by(unit_day, WorkUnit.worker_id)
    ):
        cell(day, worker_id).spend_cents = int(cents or 0)
    names = _names({worker_id for _day, worker_id in cells})
    for row in cells.values():
        row.worker = names.get(row.worker_id, "")
    return sorted(cells.values(), key=lambda row: (-row.day.toordinal(), row.worker.lower()))


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(
        db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )


# --- CSV -------------------------------------------------------------------------------------


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else str(round(seconds / 60))


def dashboard_csv(report: Dashboard, scope: str) -> Iterator[str]:
    """The dashboard's figures, then one line per worker and day."""
    figures: list[tuple[str, object]] = [
        (_("Mailboxes"), scope),
        (_("Days (UTC)"), f"{report.days[0].isoformat()} – {report.days[-1].isoformat()}"),
        (_("Waiting now"), report.queue_size),
        (
            _("Waiting since (oldest)"),
            report.oldest_waiting_since.isoformat(timespec="seconds")
            if report.oldest_waiting_since
            else "",
        ),
        (_("Waiting past the first-response target"), report.overdue_waiting),
        (_("First responses"), report.first_responses),
        (_("First responses after the target"), report.answered_late),
        (_("Median first-response time (minutes)"), _minutes(report.median_first_response_seconds)),
        (_("Answered by workers"), report.answered),
        (_("Escalated by workers"), report.escalated),
        (_("Spend (EUR)"), cents_to_input(report.spend_cents)),
    ]
    yield csv_export.line([_("Figure"), _("Value")])
    for name, value in figures:
        yield csv_export.line([name, value])
    yield "\r\n"
    yield csv_export.line([_("Day"), _("Worker"), _("Answered"), _("Escalated"), _("Spend (EUR)")])
    for row in report.rows:
        yield csv_export.line(
            [row.day.isoformat(), row.worker, row.answered, row.escalated,
             cents_to_input(row.spend_cents)]
        )  # fmt: skip


def day_label(day: date) -> str:
    return format_date(day, "d MMM")
