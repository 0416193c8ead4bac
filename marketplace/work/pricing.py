"""What queued work costs a company, and the funding guard every queue applies
before it hands out work: a company gets no more work handed out than its
available balance can pay for — the rows workers already hold, plus the next.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from marketplace.payments import units
from marketplace.payments.models import AccountKind, LedgerAccount, UnitStatus, WorkUnit


def units_cost(rate_cents: int, count: int | Decimal = 1) -> int:
    """What ``count`` units at ``rate_cents`` cost the company (worker's amount + fee)."""
    amount = units.cents(Decimal(rate_cents) * count)
    return amount + units.fee_for(amount)


def covers_next(available_cents: int, rate_cents: int, held: int) -> bool:
    """Can this balance pay for the ``held`` units in workers' hands plus one more?"""
    return available_cents >= units_cost(rate_cents, held + 1)


def spendable_balance_sql(company_id: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """What the company can spend on new work, in cents, as a scalar subquery for
    eligibility queries that decide in one statement whether work may be handed
    out: its available balance less what work waiting for funds already needs
    (that work is counted first; ``payments.units.spendable`` is the same in Python)."""
    available = (
        sa.select(LedgerAccount.balance_cents)
        .where(
            LedgerAccount.kind == AccountKind.COMPANY_AVAILABLE,
            LedgerAccount.owner_id == company_id,
        )
        .scalar_subquery()
    )
    waiting = (
        sa.select(sa.func.coalesce(sa.func.sum(WorkUnit.amount_cents + WorkUnit.fee_cents), 0))
        .where(WorkUnit.status == UnitStatus.WAITING, WorkUnit.company_id == company_id)
        .scalar_subquery()
    )
    return sa.func.coalesce(available, 0) - waiting
