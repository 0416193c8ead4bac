"""What queued work costs a company, and the funding guard every queue applies
before it hands out work: a company gets no more work handed out than its
available balance can pay for — the rows workers already hold, plus the next.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from marketplace.payments import units
from marketplace.payments.models import AccountKind, LedgerAccount


def units_cost(rate_cents: int, count: int | Decimal = 1) -> int:
    """What ``count`` units at ``rate_cents`` cost the company (worker's amount + fee)."""
    amount = units.cents(Decimal(rate_cents) * count)
    return amount + units.fee_for(amount)


def covers_next(available_cents: int, rate_cents: int, held: int) -> bool:
    """Can this balance pay for the ``held`` units in workers' hands plus one more?"""
    return available_cents >= units_cost(rate_cents, held + 1)


def available_balance_sql(company_id: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """The company's available balance in cents as a scalar subquery (0 without an account),
    for eligibility queries that decide in one statement whether work may be handed out."""
    balance = (
        sa.select(LedgerAccount.balance_cents)
        .where(
            LedgerAccount.kind == AccountKind.COMPANY_AVAILABLE,
            LedgerAccount.owner_id == company_id,
        )
        .scalar_subquery()
    )
    return sa.func.coalesce(balance, 0)
