"""Reading the company's money: balances, the review queue, spend per period, and
what things are called. The history and the statement export are ``history``.

Reads only: every change goes through units.py and funding.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import ledger, units
from marketplace.payments.models import (
    AccountKind,
    Payment,
    PaymentStatus,
    UnitKind,
    UnitStatus,
    WorkUnit,
)

COMPANY_ACCOUNTS = (
    AccountKind.COMPANY_AVAILABLE,
    AccountKind.COMPANY_RESERVED,
    AccountKind.COMPANY_WITHDRAWING,
)

TRANSACTION_LABELS = {
    "funding": _l("Card payment received"),
    "unit.reserve": _l("Work recorded, money reserved"),
    "unit.approve": _l("Work approved, paid to the worker"),
    "unit.void": _l("Rejection final, money released"),
    "withdrawal": _l("Withdrawal requested"),
    "withdrawal.refunded": _l("Refunded to your card"),
    "withdrawal.failed": _l("Refund failed, money returned"),
}

ACCOUNT_LABELS = {
    AccountKind.COMPANY_AVAILABLE: _l("Available"),
    AccountKind.COMPANY_RESERVED: _lp("balance", "Reserved"),
    AccountKind.COMPANY_WITHDRAWING: _l("Being refunded"),
}

UNIT_STATUS_LABELS = {
    UnitStatus.WAITING: _lp("work unit status", "Waiting for funds"),
    UnitStatus.PENDING: _lp("work unit status", "In review"),
    UnitStatus.APPROVED: _lp("work unit status", "Approved"),
    UnitStatus.REJECTED: _lp("work unit status", "Rejected"),
    UnitStatus.DISPUTED: _lp("work unit status", "Disputed"),
    UnitStatus.VOIDED: _lp("work unit status", "Rejection final"),
}

PAYMENT_STATUS_LABELS = {
    PaymentStatus.CREATED: _lp("card payment status", "Not paid yet"),
    PaymentStatus.SUCCEEDED: _lp("card payment status", "Credited"),
    PaymentStatus.FAILED: _lp("card payment status", "Failed"),
    PaymentStatus.CANCELED: _lp("card payment status", "Canceled"),
}


def payment_status_label(payment: Payment) -> str:
    """The card payment's state; a canceled one nobody finished in time is "Expired"."""
    if payment.status == PaymentStatus.CANCELED and payment.failure_code == "abandoned":
        return str(_lp("card payment status", "Expired"))
    return str(PAYMENT_STATUS_LABELS[payment.status])


# Why a card payment failed, by Stripe's decline_code / code, in the viewer's language.
CARD_FAILURE_TEXTS = {
    "insufficient_funds": _l("The card has insufficient funds."),
    "lost_card": _l("The card was reported lost."),
    "stolen_card": _l("The card was reported stolen."),
    "expired_card": _l("The card has expired."),
    "incorrect_cvc": _l("The card's security code is incorrect."),
    "processing_error": _l("An error occurred while processing the card. Please try again."),
    "authentication_required": _l("The bank asked for authentication, which was not completed."),
    "payment_intent_authentication_failure": _l(
        "The bank asked for authentication, which was not completed."
    ),
}


def card_failure_text(payment: Payment) -> str:
    """Why the card payment failed, as the company understands it; "" if unknown."""
    if not payment.failure_code and not payment.failure_message:
        return ""
    text = CARD_FAILURE_TEXTS.get(payment.failure_code or "")
    return str(text) if text is not None else _("The card was declined.")


def transaction_label(kind: str) -> str:
    label = TRANSACTION_LABELS.get(kind)
    return str(label) if label is not None else kind


def quantity_text(kind: UnitKind, quantity: Decimal) -> str:
    """The quantity in words ("3 emails", "1,5 hours"), in the viewer's language."""
    number = format_decimal(quantity, format="#,##0.##")
    count = 1 if quantity == 1 else 2  # the plural form only; gettext wants an integer
    if kind == UnitKind.EMAIL:
        return ngettext("%(number)s email", "%(number)s emails", count, number=number)
    if kind == UnitKind.ITEM:
        return ngettext("%(number)s item", "%(number)s items", count, number=number)
    if kind == UnitKind.REVIEW:
        return ngettext("%(number)s review", "%(number)s reviews", count, number=number)
    return ngettext("%(number)s hour", "%(number)s hours", count, number=number)


def template_globals() -> dict[str, Any]:
    return {
        "ACCOUNT_LABELS": ACCOUNT_LABELS,
        "UNIT_STATUS_LABELS": UNIT_STATUS_LABELS,
        "PAYMENT_STATUS_LABELS": PAYMENT_STATUS_LABELS,
        "transaction_label": transaction_label,
        "quantity_text": quantity_text,
        "card_failure_text": card_failure_text,
        "payment_status_label": payment_status_label,
    }


# --- balances -----------------------------------------------------------------------


@dataclass
class Balances:
    available: int
    reserved: int
    withdrawing: int
    in_review: int  # reserved for pending units
    held: int  # reserved for rejected units that may still be disputed
    refundable: int  # what the company's card payments can take back
    waiting: int = 0  # what work waiting for funds needs (nothing reserved for it yet)

    @property
    def withdrawable(self) -> int:
        return max(0, min(self.available - self.waiting, self.refundable))

    @property
    def waiting_missing(self) -> int:
        """What must be added before all work waiting for funds is counted."""
        return max(0, self.waiting - self.available)


def balances(company: Company) -> Balances:
    reserved_by_status = dict(
        db.session.execute(
            sa.select(WorkUnit.status, sa.func.sum(WorkUnit.amount_cents + WorkUnit.fee_cents))
            .where(
                WorkUnit.company_id == company.id,
                WorkUnit.status.in_([UnitStatus.PENDING, UnitStatus.REJECTED, UnitStatus.DISPUTED]),
            )
            .group_by(WorkUnit.status)
        ).all()
    )
    refundable = db.session.scalar(
        sa.select(sa.func.sum(Payment.amount_cents - Payment.refunded_cents)).where(
            Payment.company_id == company.id, Payment.status == PaymentStatus.SUCCEEDED
        )
    )
    return Balances(
        available=ledger.balance(AccountKind.COMPANY_AVAILABLE, company.id),
        reserved=ledger.balance(AccountKind.COMPANY_RESERVED, company.id),
        withdrawing=ledger.balance(AccountKind.COMPANY_WITHDRAWING, company.id),
        in_review=int(reserved_by_status.get(UnitStatus.PENDING) or 0),
        held=int(
            (reserved_by_status.get(UnitStatus.REJECTED) or 0)
            + (reserved_by_status.get(UnitStatus.DISPUTED) or 0)
        ),
        refundable=int(refundable or 0),
        waiting=units.waiting_total(company.id),
    )


def waiting_units(company: Company, limit: int = 200) -> list[WorkUnit]:
    """Work waiting for the company's funds, in the order it will be counted."""
    return list(
        db.session.scalars(
            _units(company)
            .where(WorkUnit.status == UnitStatus.WAITING)
            .order_by(WorkUnit.id)
            .limit(limit)
        ).unique()
    )


def recent_payments(company: Company, limit: int = 10) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.company_id == company.id)
            .order_by(Payment.id.desc())
            .limit(limit)
        )
    )


def company_payment(company: Company, payment_id: int) -> Payment | None:
    """The company's own card payment; another company's is None (so: 404)."""
    return db.session.scalar(
        sa.select(Payment).where(Payment.id == payment_id, Payment.company_id == company.id)
    )


# --- review ---------------------------------------------------------------------------


def _units(company: Company) -> sa.Select[tuple[WorkUnit]]:
    return (
        sa.select(WorkUnit)
        .where(WorkUnit.company_id == company.id)
        .options(
            joinedload(WorkUnit.worker), joinedload(WorkUnit.engagement).joinedload(Engagement.gig)
        )
    )


def active_engagements(company: Company) -> list[Engagement]:
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .join(Gig, Gig.id == Engagement.gig_id)
            .where(Gig.company_id == company.id, Engagement.status == EngagementStatus.ACTIVE)
            .options(joinedload(Engagement.worker), joinedload(Engagement.gig))
            .order_by(Gig.title, Engagement.id)
        )
    )


# --- spend ----------------------------------------------------------------------------

PERIOD_COUNTS = {"day": 30, "week": 12, "month": 12}
GROUPINGS = ("gig", "worker")


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def period_starts(period: str, today: date) -> list[date]:
    """The starts of the last PERIOD_COUNTS[period] periods up to today's, oldest first."""
    current = period_start(today, period)
    starts = [current]
    for _index in range(PERIOD_COUNTS[period] - 1):
        if period == "day":
            current -= timedelta(days=1)
        elif period == "week":
            current -= timedelta(weeks=1)
        else:
            current = (current - timedelta(days=1)).replace(day=1)
        starts.append(current)
    return starts[::-1]


def period_label(start: date, period: str) -> str:
    if period == "week":
        return _("Week %(week)d", week=start.isocalendar().week)
    if period == "month":
        return format_date(start, "MMM yyyy")
    return format_date(start, "d MMM")


@dataclass
class SpendLine:
    name: str
    amount_cents: int = 0
    fee_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.amount_cents + self.fee_cents


@dataclass
class SpendPeriod:
    start: date
    label: str
    lines: list[SpendLine] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


@dataclass
class SpendReport:
    period: str
    by: str
    periods: list[SpendPeriod]  # oldest first, every period (also those without spend)
    totals: list[SpendLine]  # per gig or worker over the whole window, largest first

    @property
    def chart_points(self) -> list[tuple[str, int]]:
        return [(p.label, p.total_cents) for p in self.periods]

    @property
    def total_cents(self) -> int:
        return sum(p.total_cents for p in self.periods)


def _utc_day(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


def spend(company: Company, *, period: str, by: str, today: date | None = None) -> SpendReport:
    """What approved work cost the company (worker pay + fee), per period (by the UTC
    day of approval) and per gig or worker."""
    today = today or utcnow().date()
    starts = period_starts(period, today)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=UTC)
    if by == "worker":
        key, name, onto = (
            WorkUnit.worker_id,
            User.display_name,
            (User, User.id == WorkUnit.worker_id),
        )
    else:
        key, name, onto = WorkUnit.gig_id, Gig.title, (Gig, Gig.id == WorkUnit.gig_id)
    day = _utc_day(WorkUnit.decided_at)
    rows = db.session.execute(
        sa.select(
            day.label("day"),
            key.label("key"),
            name.label("name"),
            sa.func.sum(WorkUnit.amount_cents).label("amount"),
            sa.func.sum(WorkUnit.fee_cents).label("fee"),
        )
        .select_from(WorkUnit)
        .join(*onto)
        .where(
            WorkUnit.company_id == company.id,
            WorkUnit.status == UnitStatus.APPROVED,
            WorkUnit.decided_at >= since,
        )
        .group_by(day, key, name)
    ).all()
    cells: dict[date, dict[int, SpendLine]] = defaultdict(dict)
    totals: dict[int, SpendLine] = {}
    for row in rows:
        start = period_start(date.fromisoformat(str(row.day)[:10]), period)
        for target in (cells[start], totals):
            line = target.setdefault(row.key, SpendLine(name=row.name))
            line.amount_cents += int(row.amount)
            line.fee_cents += int(row.fee)
    periods = [
        SpendPeriod(
            start=start,
            label=period_label(start, period),
            lines=sorted(cells.get(start, {}).values(), key=lambda line: -line.total_cents),
        )
        for start in starts
    ]
    return SpendReport(
        period=period,
        by=by,
        periods=periods,
        totals=sorted(totals.values(), key=lambda line: (-line.total_cents, line.name)),
    )
