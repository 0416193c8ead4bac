"""The company's money history, from the company's point of view: one line per
movement (a ledger transaction touching its accounts: funds added, reserved for
work, paid for approved work, released, withdrawn, …) with what it did to each of
the company's balances and those balances right after it. The newest line's
balances are the balance page's.

Reads only; the ledger's double entries stay as they are (``flask ledger check``),
this groups the company's side of each transaction into one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Company
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.pagination import Page
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    WorkUnit,
)
from marketplace.payments.statements import transaction_label

BALANCES = {
    "available": AccountKind.COMPANY_AVAILABLE,
    "reserved": AccountKind.COMPANY_RESERVED,
    "withdrawing": AccountKind.COMPANY_WITHDRAWING,
}


@dataclass
class Line:
    """One movement of the company's money: the change to each balance and each
    balance right after it (all in cents)."""

    transaction_id: int
    created_at: datetime
    kind: str
    reference_type: str
    reference_id: int
    available: int
    reserved: int
    withdrawing: int
    available_after: int
    reserved_after: int
    withdrawing_after: int
    unit: WorkUnit | None = None

    @property
    def label(self) -> str:
        return transaction_label(self.kind)

    @property
    def reference(self) -> str:
        return f"{self.reference_type} {self.reference_id}"

    @property
    def amount(self) -> int:
        """What the line shows as its amount: the change to the available balance, or
        (for money leaving the reserve or the refund on its way) that change."""
        return self.available or self.reserved or self.withdrawing

    @property
    def amount_from(self) -> str:
        """Which balance ``amount`` changed: "available", "reserved" or "withdrawing"."""
        if self.available:
            return "available"
        return "reserved" if self.reserved else "withdrawing"


def _per_transaction(company: Company) -> sa.Subquery:
    """The company's side of each transaction: its change to each balance."""
    changes = [
        sa.func.sum(sa.case((LedgerAccount.kind == kind, LedgerEntry.amount_cents), else_=0)).label(
            name
        )
        for name, kind in BALANCES.items()
    ]
    return (
        sa.select(
            LedgerTransaction.id.label("transaction_id"),
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.reference_type,
            LedgerTransaction.reference_id,
            *changes,
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.owner_id == company.id, LedgerAccount.kind.in_(BALANCES.values()))
        .group_by(
            LedgerTransaction.id,
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.reference_type,
            LedgerTransaction.reference_id,
        )
        .subquery()
    )


def _line(row: Any, after: dict[str, int]) -> Line:
    created = row.created_at
    return Line(
        transaction_id=row.transaction_id,
        created_at=created.replace(tzinfo=UTC) if created.tzinfo is None else created,
        kind=row.kind,
        reference_type=row.reference_type,
        reference_id=row.reference_id,
        **{name: int(getattr(row, name)) for name in BALANCES},
        **{f"{name}_after": after[name] for name in BALANCES},
    )


def history(company: Company, page: int = 1, per_page: int = 50) -> Page[Line]:
    """The company's movements, newest first, with running balances (one statement, so
    the running balances and the lines come from one snapshot)."""
    page = max(1, page)
    moves = _per_transaction(company)
    running = [
        sa.func.sum(getattr(moves.c, name)).over(order_by=moves.c.transaction_id).label(name + "_")
        for name in BALANCES
    ]
    rows = db.session.execute(
        sa.select(moves, *running)
        .order_by(moves.c.transaction_id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        _line(row, {name: int(getattr(row, name + "_")) for name in BALANCES})
        for row in rows[:per_page]
    ]
    _attach_units(company, items)
    return Page(items=items, page=page, has_next=len(rows) > per_page)


def _attach_units(company: Company, items: list[Line]) -> None:
    unit_ids = {line.reference_id for line in items if line.reference_type == "unit"}
    if not unit_ids:
        return
    found = db.session.scalars(
        sa.select(WorkUnit)
        .where(WorkUnit.id.in_(unit_ids), WorkUnit.company_id == company.id)
        .options(
            joinedload(WorkUnit.worker),
            joinedload(WorkUnit.engagement).joinedload(Engagement.gig),
        )
    )
    by_id = {unit.id: unit for unit in found}
    for line in items:
        if line.reference_type == "unit":
            line.unit = by_id.get(line.reference_id)


def statement(company: Company, chunk: int = 1000) -> Iterator[Line]:
    """Every movement, oldest first (for the CSV export): read in chunks by
    transaction id, the running balances added up on the way."""
    moves = _per_transaction(company)
    after = dict.fromkeys(BALANCES, 0)
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(moves)
            .where(moves.c.transaction_id > last)
            .order_by(moves.c.transaction_id)
            .limit(chunk)
        ).all()
        for row in rows:
            for name in BALANCES:
                after[name] += int(getattr(row, name))
            yield _line(row, dict(after))
        if len(rows) < chunk:
            return
        last = rows[-1].transaction_id
