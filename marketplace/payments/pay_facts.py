"""What a gig's public page tells a seeker about the company's money: whether its
work is funded right now, and how fast it has paid.

- **Funded**: the company's spendable balance (available, less what work waiting
  for funds already needs: ``work.pricing.spendable_balance_sql``) covers the
  gig's next work — ``HIRE_FUNDED_HOURS`` hours or ``HIRE_FUNDED_UNITS``
  emails/items at the gig's rate, fee included (``cover.first_work_cost``, the
  same amount hiring asks for).
- **Paid within**: the median number of days from a unit's work date to the day
  the payout that carried it was sent, over the company's approved work of the
  last 90 days that has been paid out. Payouts pay a worker's whole payable
  balance, so the payout that carried a unit is the worker's first paid payout
  created after the unit was approved.

Both come from one statement; the page is not cached, so nothing here is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_decimal

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.payments import cover
from marketplace.payments.models import Payout, PayoutStatus, UnitStatus, WorkUnit
from marketplace.work.pricing import spendable_balance_sql

WINDOW_DAYS = 90


@dataclass(frozen=True)
class PayFacts:
    funded: bool
    median_days: Decimal | None  # None: no payouts yet in the window
    paid_units: int

    @property
    def median_text(self) -> str:
        """The median in the viewer's language: "3", "2,5"."""
        return "" if self.median_days is None else format_decimal(self.median_days, "#,##0.#")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def median(values: list[tuple[int, int]]) -> Decimal | None:
    """The median of (value, count) pairs; the mean of the two middle values when even."""
    total = sum(count for _value, count in values)
    if not total:
        return None
    ordered = sorted(values)
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value, count in ordered:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (Decimal(found[0]) + Decimal(found[1])) / 2


def gig_pay_facts(gig: Gig, now: datetime | None = None) -> PayFacts:
    now = now or utcnow()
    since = now.date() - timedelta(days=WINDOW_DAYS)
    payout_id = (
        sa.select(sa.func.min(Payout.id))
        .where(
            Payout.worker_id == WorkUnit.worker_id,
            Payout.status == PayoutStatus.PAID,
            Payout.created_at >= WorkUnit.decided_at,
        )
        .correlate(WorkUnit)
        .scalar_subquery()
    )
    per_unit = (
        sa.select(WorkUnit.work_date.label("work_date"), payout_id.label("payout_id"))
        .where(
            WorkUnit.company_id == gig.company_id,
            WorkUnit.status == UnitStatus.APPROVED,
            WorkUnit.work_date >= since,
        )
        .subquery()
    )
    paid = (
        sa.select(per_unit.c.work_date, per_unit.c.payout_id, sa.func.count().label("units"))
        .where(per_unit.c.payout_id.is_not(None))
        .group_by(per_unit.c.work_date, per_unit.c.payout_id)
        .subquery()
    )
    spendable = spendable_balance_sql(sa.literal(gig.company_id))
    rows = db.session.execute(
        sa.select(spendable, paid.c.work_date, Payout.sent_at, paid.c.units)
        .select_from(sa.select(sa.literal(1).label("one")).subquery())
        .outerjoin(paid, sa.true())
        .outerjoin(Payout, Payout.id == paid.c.payout_id)
    ).all()
    spendable_cents = int(rows[0][0] or 0) if rows else 0
    days: dict[int, int] = {}
    for _spendable, work_date, sent_at, count in rows:
        if work_date is None or sent_at is None:
            continue
        waited = (_as_utc(sent_at).date() - work_date).days
        days[waited] = days.get(waited, 0) + int(count)
    cost = cover.first_work_cost(gig.rate_cents, gig.pay_model)
    return PayFacts(
        funded=spendable_cents >= cost,
        median_days=median(list(days.items())),
        paid_units=sum(days.values()),
    )
