"""Reading the platform's money for admins: revenue, money held, disputes, payout
runs, failed transfers, the ledger check and companies whose rejection rate
stands out.

Reads only (the ledger check's last result is kept in the cache, never in the
database); every change goes through units.py and payouts.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from babel.numbers import format_percent
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, joinedload

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import cache, db
from marketplace.onboarding.models import Engagement
from marketplace.pagination import Page
from marketplace.payments import checks, gateway, ledger
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutRun,
    PayoutStatus,
    UnitStatus,
    WorkUnit,
)

# --- revenue and money held ---------------------------------------------------------------

MONTHS = 12
HELD = (
    AccountKind.COMPANY_AVAILABLE,
    AccountKind.COMPANY_RESERVED,
    AccountKind.WORKER_PAYABLE,
    AccountKind.WORKER_IN_TRANSIT,
)


def platform_revenue() -> int:
    return ledger.balance(AccountKind.PLATFORM_FEES)


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    """The first days of the last ``months`` months up to today's, oldest first."""
    current = today.replace(day=1)
    starts = [current]
    for _index in range(months - 1):
        current = (current - timedelta(days=1)).replace(day=1)
        starts.append(current)
    return starts[::-1]


def _next_month(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1)


def _utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


@dataclass
class Month:
    start: date
    cents: int

    @property
    def label(self) -> str:
        return format_date(self.start, "MMM yyyy")


def fees_per_month(*, months: int = MONTHS, today: date | None = None) -> list[Month]:
    """Platform fees booked per calendar month (UTC), oldest first, every month of
    the window; one pass over the fee account's entries."""
    starts = month_starts(today or utcnow().date(), months)
    columns = [
        sa.func.coalesce(
            sa.func.sum(
                sa.case(
                    (
                        sa.and_(
                            LedgerTransaction.created_at >= _utc(start),
                            LedgerTransaction.created_at < _utc(_next_month(start)),
                        ),
                        LedgerEntry.amount_cents,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for start in starts
    ]
    row = db.session.execute(
        sa.select(*columns)
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.kind == AccountKind.PLATFORM_FEES,
            LedgerTransaction.created_at >= _utc(starts[0]),
        )
    ).one()
    return [
        Month(start=start, cents=int(cents or 0)) for start, cents in zip(starts, row, strict=True)
    ]


@dataclass
class Held:
    by_kind: dict[AccountKind, int]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def money_held() -> Held:
    """What companies and workers have with us: available and reserved company money,
    workers' payable balances and payouts in transit."""
    rows = dict(
        db.session.execute(
            sa.select(LedgerAccount.kind, sa.func.sum(LedgerAccount.balance_cents))
            .where(LedgerAccount.kind.in_(HELD))
            .group_by(LedgerAccount.kind)
        ).all()
    )
    return Held(by_kind={kind: int(rows.get(kind) or 0) for kind in HELD})


# --- disputes ----------------------------------------------------------------------------


def _disputed() -> sa.Select[tuple[WorkUnit]]:
    return sa.select(WorkUnit).where(WorkUnit.status == UnitStatus.DISPUTED)


def open_dispute_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_disputed().subquery()))


def disputes(*, page: int = 1, per_page: int = 50) -> Page[WorkUnit]:
    """Disputed units, the longest waiting first."""
    page = max(1, page)
    rows = list(
        db.session.scalars(
            _disputed()
            .options(
                joinedload(WorkUnit.worker),
                joinedload(WorkUnit.company),
                joinedload(WorkUnit.engagement).joinedload(Engagement.gig),
            )
            .order_by(WorkUnit.disputed_at, WorkUnit.id)
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        ).unique()
    )
    return Page(items=rows[:per_page], page=page, has_next=len(rows) > per_page)


# --- payout runs and failed transfers ----------------------------------------------------


@dataclass
class RunLine:
    run: PayoutRun
    started_by: User | None


def runs(*, page: int = 1, per_page: int = 50) -> Page[RunLine]:
    page = max(1, page)
    rows = db.session.execute(
        sa.select(PayoutRun, User)
        .outerjoin(User, User.id == PayoutRun.started_by_id)
        .order_by(PayoutRun.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    lines = [RunLine(run=run, started_by=user) for run, user in rows[:per_page]]
    return Page(items=lines, page=page, has_next=len(rows) > per_page)


def pending_payout_count() -> int:
    """Payouts set aside but not answered by Stripe yet (the next run sends them)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Payout).where(Payout.status == PayoutStatus.PENDING)
    )


def _paid_since() -> sa.Exists:
    """A later payout to the same worker was paid: the failure is behind them."""
    later = aliased(Payout)
    return (
        sa.exists()
        .where(
            later.worker_id == Payout.worker_id,
            later.id > Payout.id,
            later.status == PayoutStatus.PAID,
        )
        .correlate(Payout)
    )


def unresolved_failed_count() -> int:
    """Failed payouts not followed by a paid one for the same worker."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Payout)
        .where(Payout.status == PayoutStatus.FAILED, ~_paid_since())
    )


@dataclass
class FailedLine:
    payout: Payout
    paid_since: bool


def failed_payouts(*, page: int = 1, per_page: int = 50) -> Page[FailedLine]:
    """Failed transfers, newest first, with whether the worker has been paid since."""
    page = max(1, page)
    rows = db.session.execute(
        sa.select(Payout, _paid_since().label("paid_since"))
        .where(Payout.status == PayoutStatus.FAILED)
        .options(joinedload(Payout.worker))
        .order_by(Payout.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    lines = [FailedLine(payout=p, paid_since=bool(s)) for p, s in rows[:per_page]]
    return Page(items=lines, page=page, has_next=len(rows) > per_page)


# --- the ledger check ----------------------------------------------------------------------

LAST_CHECK_KEY = "payments:last_ledger_check"


@dataclass
class LedgerCheck:
    checked_at: datetime
    by: str
    with_stripe: bool
    problems: list[str]
    stripe_error: str | None = None

    @property
    def consistent(self) -> bool:
        return not self.problems


def run_ledger_check(*, by: str, with_stripe: bool = True) -> LedgerCheck:
    """Check the books against themselves and Stripe; if Stripe cannot be asked,
    check the books alone and say so. The result is remembered in the cache, so the
    admin overview shows the last check whether an admin or cron (`flask ledger check`)
    ran it."""
    stripe_error = None
    if with_stripe:
        try:
            problems = checks.check_ledger(with_stripe=True)
        except gateway.stripe.APIConnectionError:
            stripe_error = _("Stripe could not be reached, so only our own books were checked.")
        except gateway.StripeError as exc:
            stripe_error = _(
                "Stripe refused the request (%(error)s), so only our own books were checked.",
                error=exc.user_message or type(exc).__name__,
            )
    if stripe_error is not None or not with_stripe:
        problems = checks.check_ledger(with_stripe=False)
    result = LedgerCheck(
        checked_at=utcnow(),
        by=by,
        with_stripe=with_stripe and stripe_error is None,
        problems=list(problems),
        stripe_error=stripe_error,
    )
    cache.set(LAST_CHECK_KEY, asdict(result), timeout=0)
    return result


def last_ledger_check() -> LedgerCheck | None:
    stored = cache.get(LAST_CHECK_KEY)
    return LedgerCheck(**stored) if isinstance(stored, dict) else None


# --- rejection rates -----------------------------------------------------------------------

REJECTION_DAYS = 90
MIN_DECIDED = 10
SHARE_LIMIT = Fraction(30, 100)


@dataclass
class CompanyRejections:
    company_id: int
    name: str
    decided: int
    rejected: int
    flagged: bool = False

    @property
    def share(self) -> Fraction:
        return Fraction(self.rejected, self.decided) if self.decided else Fraction(0)


@dataclass
class RejectionReport:
    days: int
    decided: int = 0
    rejected: int = 0
    companies: list[CompanyRejections] = field(default_factory=list)

    @property
    def average(self) -> Fraction:
        return Fraction(self.rejected, self.decided) if self.decided else Fraction(0)

    @property
    def flagged(self) -> list[CompanyRejections]:
        return [c for c in self.companies if c.flagged]


def stands_out(line: CompanyRejections, average: Fraction) -> bool:
    """Enough decided work to judge, and rejecting at least twice as often as the
    platform does, or more than 30 % of the work."""
    return (
        line.decided >= MIN_DECIDED
        and line.rejected > 0
        and (line.share >= 2 * average or line.share > SHARE_LIMIT)
    )


def rejection_rates(*, days: int = REJECTION_DAYS, now: datetime | None = None) -> RejectionReport:
    """Per company, the work decided in the last ``days`` days (approved, also
    automatically, or rejected) and the share that was rejected (whatever a dispute
    made of it later); highest share first."""
    since = (now or utcnow()) - timedelta(days=days)
    rejected = sa.func.sum(sa.case((WorkUnit.rejection_reason.is_not(None), 1), else_=0))
    rows = db.session.execute(
        sa.select(WorkUnit.company_id, Company.name, sa.func.count(), rejected)
        .join(Company, Company.id == WorkUnit.company_id)
        .where(WorkUnit.status != UnitStatus.PENDING, WorkUnit.decided_at >= since)
        .group_by(WorkUnit.company_id, Company.name)
    ).all()
    report = RejectionReport(days=days)
    for company_id, name, decided, rejected_count in rows:
        line = CompanyRejections(
            company_id=company_id,
            name=name,
            decided=int(decided),
            rejected=int(rejected_count or 0),
        )
        report.companies.append(line)
        report.decided += line.decided
        report.rejected += line.rejected
    for line in report.companies:
        line.flagged = stands_out(line, report.average)
    report.companies.sort(key=lambda c: (-c.share, -c.decided, c.name))
    return report


def percent_text(share: Fraction) -> str:
    """ "36.4%" / "36,4 %" in the viewer's language, to a tenth of a percent (for
    display only: decisions use the exact fraction)."""
    value = (Decimal(share.numerator) / Decimal(share.denominator)).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP
    )
    return format_percent(value, locale=str(get_locale() or "en"), decimal_quantization=False)


def summary() -> dict[str, Any]:
    return {
        "revenue": platform_revenue(),
        "held": money_held(),
        "open_disputes": open_dispute_count(),
        "failed_payouts": unresolved_failed_count(),
        "pending_payouts": pending_payout_count(),
        "last_check": last_ledger_check(),
    }
