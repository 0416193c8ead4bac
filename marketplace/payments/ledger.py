"""The double-entry ledger: every movement of money is a transaction whose
entries sum to zero.

Balances are cached on the accounts and changed by atomic ``UPDATE … SET
balance = balance + x`` statements, so parallel writers never lose an update;
the database's CHECK constraint refuses any balance that must not go negative,
so two reservations racing for the same euro cannot both win. Accounts are
updated in id order, so parallel transactions never deadlock on each other.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)

PLATFORM = 0  # owner id of the platform's own accounts


class InsufficientFunds(DomainError):
    """A balance that must not go negative would have."""


def account(kind: AccountKind, owner_id: int = PLATFORM) -> LedgerAccount:
    """The account of ``kind`` for ``owner_id``, created on first use."""
    found = db.session.scalar(
        sa.select(LedgerAccount).where(
            LedgerAccount.kind == kind, LedgerAccount.owner_id == owner_id
        )
    )
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = LedgerAccount(kind=kind, owner_id=owner_id, balance_cents=0)
            db.session.add(found)
    except IntegrityError:  # created by a parallel transaction a moment ago
        found = db.session.scalar(
            sa.select(LedgerAccount).where(
                LedgerAccount.kind == kind, LedgerAccount.owner_id == owner_id
            )
        )
    return found


def balance(kind: AccountKind, owner_id: int = PLATFORM) -> int:
    return (
        db.session.scalar(
            sa.select(LedgerAccount.balance_cents).where(
                LedgerAccount.kind == kind, LedgerAccount.owner_id == owner_id
            )
        )
        or 0
    )


Move = tuple[LedgerAccount, int]


def post(
    kind: str,
    *,
    reference: tuple[str, int],
    moves: Sequence[Move],
    stripe_event_id: str | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Book one transaction. Raises InsufficientFunds (and changes nothing) if a
    balance that must stay non-negative would go below zero."""
    if sum(amount for _account, amount in moves) != 0:
        raise ValueError(f"ledger transaction {kind} does not balance: {moves}")
    if any(amount == 0 for _account, amount in moves):
        moves = [(a, amount) for a, amount in moves if amount != 0]
    transaction = LedgerTransaction(
        kind=kind,
        reference_type=reference[0],
        reference_id=reference[1],
        stripe_event_id=stripe_event_id,
        memo=memo[:255],
    )
    try:
        with db.session.begin_nested():
            db.session.add(transaction)
            db.session.flush()
            for ledger_account, amount in sorted(moves, key=lambda move: move[0].id):
                new_balance = db.session.execute(
                    sa.update(LedgerAccount)
                    .where(LedgerAccount.id == ledger_account.id)
                    .values(balance_cents=LedgerAccount.balance_cents + amount)
                    .returning(LedgerAccount.balance_cents)
                    .execution_options(synchronize_session=False)
                ).scalar_one()
                set_committed_value(ledger_account, "balance_cents", new_balance)
                db.session.add(
                    LedgerEntry(
                        transaction_id=transaction.id,
                        account_id=ledger_account.id,
                        amount_cents=amount,
                    )
                )
            db.session.flush()
    except IntegrityError as exc:
        for ledger_account, _amount in moves:  # the savepoint undid what we cached
            db.session.expire(ledger_account, ["balance_cents"])
        if "non_negative_balance" in str(exc.orig) or "CHECK constraint failed" in str(exc.orig):
            raise InsufficientFunds(_("There is not enough money in this balance.")) from None
        raise
    return transaction
