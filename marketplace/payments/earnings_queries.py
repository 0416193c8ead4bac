"""Reading the worker's money: totals, earnings per day and per gig, units,
payouts, hourly engagements and the CSV export.

Reads only: every change goes through units.py and payouts.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy.orm import joinedload

from marketplace import csv_export
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, PayModel
from marketplace.money import cents_to_input
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.pagination import Page
from marketplace.payments import unit_labels
from marketplace.payments.models import (
    AccountKind,
    ConnectedAccount,
    LedgerAccount,
    Payout,
    PayoutStatus,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
from marketplace.payments.units import dispute_deadline, waiting_reason

# --- what things are called ---------------------------------------------------------
# (The company's pages use the same words; the msgids are shared in the catalog.)

UNIT_STATUS_LABELS = {
    UnitStatus.WAITING: _lp("work unit status", "Waiting for funds"),
    UnitStatus.PENDING: _lp("work unit status", "In review"),
    UnitStatus.APPROVED: _lp("work unit status", "Approved"),
    UnitStatus.REJECTED: _lp("work unit status", "Rejected"),
    UnitStatus.DISPUTED: _lp("work unit status", "Disputed"),
    UnitStatus.VOIDED: _lp("work unit status", "Rejection final"),
}

UNIT_KIND_LABELS = {
    UnitKind.EMAIL: _l("Answered emails"),
    UnitKind.ITEM: _l("Moderated items"),
    UnitKind.HOUR: _l("Hours"),
    UnitKind.REVIEW: _l("Reviews as team lead"),
}

PAYOUT_STATUS_LABELS = {
    PayoutStatus.PENDING: _lp("payout status", "Being sent"),
    PayoutStatus.PAID: _lp("payout status", "Paid"),
    PayoutStatus.FAILED: _lp("payout status", "Failed"),
}


def quantity_text(kind: UnitKind, quantity: Decimal) -> str:
    """ "3 emails", "1,5 hours", in the viewer's language."""
    number = format_decimal(quantity, format="#,##0.##")
    # The plural form only (gettext wants an integer, and sets ``num`` to it itself).
    count = 1 if quantity == 1 else 2
    if kind == UnitKind.EMAIL:
        return ngettext("%(number)s email", "%(number)s emails", count, number=number)
    if kind == UnitKind.ITEM:
        return ngettext("%(number)s item", "%(number)s items", count, number=number)
    if kind == UnitKind.REVIEW:
        return ngettext("%(number)s review", "%(number)s reviews", count, number=number)
    return ngettext("%(number)s hour", "%(number)s hours", count, number=number)


def template_globals() -> dict[str, Any]:
    return {
        "UNIT_STATUS_LABELS": UNIT_STATUS_LABELS,
        "UNIT_KIND_LABELS": UNIT_KIND_LABELS,
        "PAYOUT_STATUS_LABELS": PAYOUT_STATUS_LABELS,
        "quantity_text": quantity_text,
        "waiting_reason": waiting_reason,
    }


# --- totals ---------------------------------------------------------------------------


@dataclass
class Totals:
    pending: int  # recorded, waiting for the company's review
    payable: int  # approved, not paid out yet
    in_transit: int  # in a payout being sent
    paid: int  # sum of paid payouts
    disputed: int  # rejected, disputed, an admin decides
    waiting: int = 0  # recorded, waiting for the company's funds


def _unit_sum(worker_id: int, status: UnitStatus) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.coalesce(sa.func.sum(WorkUnit.amount_cents), 0))
        .where(WorkUnit.worker_id == worker_id, WorkUnit.status == status)
        .scalar_subquery()
    )


def _balance(worker_id: int, kind: AccountKind) -> sa.ScalarSelect[int]:
    return (
        sa.select(LedgerAccount.balance_cents)
        .where(LedgerAccount.kind == kind, LedgerAccount.owner_id == worker_id)
        .scalar_subquery()
    )


def totals(worker: User) -> Totals:
    """Every figure of the worker's money, in one statement. The Earnings page, the
    Inbox and the moderation dashboard all show these, so they always agree: in
    review and waiting from the units, approved-to-be-paid and on its way from the
    ledger, paid from the payouts Stripe confirmed."""
    paid = (
        sa.select(sa.func.coalesce(sa.func.sum(Payout.amount_cents), 0))
        .where(Payout.worker_id == worker.id, Payout.status == PayoutStatus.PAID)
        .scalar_subquery()
    )
    row = db.session.execute(
        sa.select(
            _unit_sum(worker.id, UnitStatus.PENDING),
            sa.func.coalesce(_balance(worker.id, AccountKind.WORKER_PAYABLE), 0),
            sa.func.coalesce(_balance(worker.id, AccountKind.WORKER_IN_TRANSIT), 0),
            paid,
            _unit_sum(worker.id, UnitStatus.DISPUTED),
            _unit_sum(worker.id, UnitStatus.WAITING),
        )
    ).one()
    pending, payable, in_transit, paid_cents, disputed, waiting = (int(v or 0) for v in row)
    return Totals(
        pending=pending,
        payable=payable,
        in_transit=in_transit,
        paid=paid_cents,
        disputed=disputed,
        waiting=waiting,
    )


# --- per day and per gig ---------------------------------------------------------------

DAYS = 30
# Work that counts as earned (or about to be): not rejected.
EARNING = (UnitStatus.PENDING, UnitStatus.APPROVED)


@dataclass
class Earned:
    approved: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.approved + self.pending

    def add(self, status: UnitStatus, amount: int) -> None:
        if status == UnitStatus.APPROVED:
            self.approved += amount
        else:
            self.pending += amount


@dataclass
class Day(Earned):
    day: date | None = None

    @property
    def label(self) -> str:
        return format_date(self.day, "d MMM")


def per_day(worker: User, *, days: int = DAYS, today: date | None = None) -> list[Day]:
    """Approved and pending earnings per work day, oldest first, every day of the window."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    result = {first + timedelta(days=n): Day(day=first + timedelta(days=n)) for n in range(days)}
    rows = db.session.execute(
        sa.select(WorkUnit.work_date, WorkUnit.status, sa.func.sum(WorkUnit.amount_cents))
        .where(
            WorkUnit.worker_id == worker.id,
            WorkUnit.status.in_(EARNING),
            WorkUnit.work_date >= first,
            WorkUnit.work_date <= today,
        )
        .group_by(WorkUnit.work_date, WorkUnit.status)
    ).all()
    for work_date, status, amount in rows:
        result[work_date].add(UnitStatus(status), int(amount or 0))
    return list(result.values())


def chart_points(days: list[Day]) -> list[tuple[str, int]]:
    return [(day.label, day.total) for day in days]


@dataclass
class GigEarnings(Earned):
    gig_id: int = 0
    title: str = ""
    company: str = ""
    units: int = 0


def per_gig(worker: User) -> list[GigEarnings]:
    """Approved and pending earnings per gig, all time, largest first."""
    rows = db.session.execute(
        sa.select(
            WorkUnit.gig_id,
            Gig.title,
            Company.name,
            WorkUnit.status,
            sa.func.count(),
            sa.func.sum(WorkUnit.amount_cents),
        )
        .join(Gig, Gig.id == WorkUnit.gig_id)
        .join(Company, Company.id == Gig.company_id)
        .where(WorkUnit.worker_id == worker.id, WorkUnit.status.in_(EARNING))
        .group_by(WorkUnit.gig_id, Gig.title, Company.name, WorkUnit.status)
    ).all()
    gigs: dict[int, GigEarnings] = {}
    for gig_id, title, company, status, count, amount in rows:
        line = gigs.setdefault(gig_id, GigEarnings(gig_id=gig_id, title=title, company=company))
        line.units += int(count)
        line.add(UnitStatus(status), int(amount or 0))
    return sorted(gigs.values(), key=lambda line: (-line.total, line.title))


# --- units and payouts ----------------------------------------------------------------


def units(worker: User, *, page: int = 1, per_page: int = 50) -> Page[WorkUnit]:
    """The worker's units, latest work first."""
    page = max(1, page)
    rows = list(
        db.session.scalars(
            sa.select(WorkUnit)
            .where(WorkUnit.worker_id == worker.id)
            .options(joinedload(WorkUnit.engagement).joinedload(Engagement.gig))
            .order_by(WorkUnit.work_date.desc(), WorkUnit.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        ).unique()
    )
    return Page(items=rows[:per_page], page=page, has_next=len(rows) > per_page)


def may_dispute(unit: WorkUnit) -> bool:
    """A rejected unit whose dispute window is still open."""
    return unit.status == UnitStatus.REJECTED and utcnow() <= dispute_deadline(unit)


def payouts(worker: User, *, limit: int = 50) -> list[Payout]:
    return list(
        db.session.scalars(
            sa.select(Payout)
            .where(Payout.worker_id == worker.id)
            .order_by(Payout.created_at.desc(), Payout.id.desc())
            .limit(limit)
        )
    )


# --- the Stripe connection ---------------------------------------------------------------

NOT_CONNECTED, ONBOARDING, VERIFYING, ENABLED = "none", "onboarding", "verifying", "enabled"


def connection_state(connected: ConnectedAccount | None) -> str:
    """Where the worker stands with Stripe: not connected, onboarding not finished,
    details submitted but Stripe has not enabled payouts yet, or payouts enabled."""
    if connected is None:
        return NOT_CONNECTED
    if connected.payouts_enabled and connected.transfers_active:
        return ENABLED
    if connected.details_submitted:
        return VERIFYING
    return ONBOARDING


def min_payout_cents() -> int:
    return int(current_app.config["MIN_PAYOUT_CENTS"])


# --- hourly engagements and timesheets --------------------------------------------------


def hourly_engagements(worker: User) -> list[Engagement]:
    """The worker's current engagements paid by the hour (for timesheet links)."""
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .join(Gig, Gig.id == Engagement.gig_id)
            .where(
                Engagement.worker_id == worker.id,
                Engagement.pay_model == PayModel.PER_HOUR,
                Engagement.status != EngagementStatus.ENDED,
            )
            .options(joinedload(Engagement.gig))
            .order_by(Gig.title, Engagement.id)
        )
    )


def timesheet_entries(
    engagement: Engagement, *, page: int = 1, per_page: int = 50
) -> Page[WorkUnit]:
    """Hours recorded on an engagement, latest work first."""
    page = max(1, page)
    rows = list(
        db.session.scalars(
            sa.select(WorkUnit)
            .where(WorkUnit.engagement_id == engagement.id, WorkUnit.kind == UnitKind.HOUR)
            .order_by(WorkUnit.work_date.desc(), WorkUnit.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=rows[:per_page], page=page, has_next=len(rows) > per_page)


# --- CSV export ----------------------------------------------------------------------------


def export_rows(worker: User, chunk: int = 1000) -> Iterator[list[object]]:
    """Every unit (oldest first), then every payout: one row each."""
    yield [
        _("Record"), _("Date"), _("Gig"), _("Kind"), _("Quantity"),
        _("Amount"), _("Currency"), _("Status"), _("Note"),
    ]  # fmt: skip
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                sa.select(WorkUnit)
                .where(WorkUnit.worker_id == worker.id, WorkUnit.id > after)
                .options(joinedload(WorkUnit.engagement).joinedload(Engagement.gig))
                .order_by(WorkUnit.id)
                .limit(chunk)
            ).unique()
        )
        for unit in batch:
            yield [
                _("Work"),
                unit.work_date.isoformat(),
                unit.engagement.gig.title,
                unit_labels.kind_filter_label(unit_labels.kind_key(unit)),
                f"{unit.quantity:.2f}",
                cents_to_input(unit.amount_cents),
                unit.currency,
                str(UNIT_STATUS_LABELS[unit.status]),
                unit.rejection_reason or "",
            ]
        if len(batch) < chunk:
            break
        after = batch[-1].id
    for payout in db.session.scalars(
        sa.select(Payout).where(Payout.worker_id == worker.id).order_by(Payout.id)
    ):
        yield [
            _("Payout"),
            (payout.sent_at or payout.created_at).date().isoformat(),
            "",
            "",
            "",
            cents_to_input(payout.amount_cents),
            payout.currency,
            str(PAYOUT_STATUS_LABELS[payout.status]),
            payout.error_message or "",
        ]


def export_csv(worker: User) -> Iterator[str]:
    for row in export_rows(worker):
        yield csv_export.line(row)
