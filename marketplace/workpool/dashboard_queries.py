"""The company's email work pool dashboard: queue size, oldest waiting, median first
response, first-response target breaches, answered and escalated per worker per
day, spend; and the same figures as CSV. Aggregated in SQL, a fixed number of
queries per page, never one per row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from marketplace import csv_export
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.money import cents_to_input
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.workpool.company_queries import (
    ESCALATION_SOURCE,
    REPLY_SOURCE,
    as_utc,
    source_id,
)
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Escalation,
    Mailbox,
    Reply,
    ReplyKind,
)

DASHBOARD_DAYS = 14
# Email units that count as spend: approved, or still in review (rejected work is
# held for a possible dispute and then returned).
SPENT_STATUSES = (UnitStatus.PENDING, UnitStatus.APPROVED)


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
    report.oldest_waiting_since = as_utc(
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
        .outerjoin(Reply, Reply.id == source_id(REPLY_SOURCE))
        .outerjoin(Escalation, Escalation.id == source_id(ESCALATION_SOURCE))
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
