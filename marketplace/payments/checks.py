"""`flask ledger check`: prove the books add up, and match what Stripe reports.

Each check returns human-readable discrepancies; none means the books are
right. The SQL checks are set-based (one pass over the entries), so they stay
fast at millions of entries.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.payments import gateway
from marketplace.payments.models import (
    NON_NEGATIVE,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    WithdrawalRefund,
    WithdrawalStatus,
)

SHOW = 20  # discrepancies listed per check


def unbalanced_transactions() -> Iterator[str]:
    rows = db.session.execute(
        sa.select(LedgerEntry.transaction_id, sa.func.sum(LedgerEntry.amount_cents))
        .group_by(LedgerEntry.transaction_id)
        .having(sa.func.sum(LedgerEntry.amount_cents) != 0)
        .limit(SHOW)
    )
    for transaction_id, total in rows:
        yield f"transaction {transaction_id} does not balance: its entries sum to {total}"
    empty = db.session.scalars(
        sa.select(LedgerTransaction.id)
        .where(~sa.exists().where(LedgerEntry.transaction_id == LedgerTransaction.id))
        .limit(SHOW)
    )
    for transaction_id in empty:
        yield f"transaction {transaction_id} has no entries"


def balances_differ_from_entries() -> Iterator[str]:
    sums = (
        sa.select(LedgerEntry.account_id, sa.func.sum(LedgerEntry.amount_cents).label("total"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(LedgerAccount, sa.func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.balance_cents != sa.func.coalesce(sums.c.total, 0))
        .limit(SHOW)
    )
    for account, total in rows:
        yield (
            f"account {account.kind}:{account.owner_id} shows {account.balance_cents} "
            f"but its entries sum to {total}"
        )


def negative_balances() -> Iterator[str]:
    rows = db.session.scalars(
        sa.select(LedgerAccount)
        .where(LedgerAccount.kind.in_(list(NON_NEGATIVE)), LedgerAccount.balance_cents < 0)
        .limit(SHOW)
    )
    for account in rows:
        yield f"account {account.kind}:{account.owner_id} is negative: {account.balance_cents}"


def _ledger_total(kind: str) -> int:
    """What the transactions of ``kind`` moved into the Stripe clearing account."""
    return (
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(
                LedgerTransaction.kind == kind, LedgerAccount.kind == AccountKind.STRIPE_CLEARING
            )
        )
        or 0
    )


def ledger_against_rows() -> Iterator[str]:
    """Money in and out in the ledger equals our payment, payout and refund rows."""
    funded = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0)).where(
            Payment.status == PaymentStatus.SUCCEEDED
        )
    )
    if -_ledger_total("funding") != funded:
        yield f"ledger funding {-_ledger_total('funding')} != succeeded payments {funded}"
    paid = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payout.amount_cents), 0)).where(
            Payout.status == PayoutStatus.PAID
        )
    )
    if _ledger_total("payout.paid") != paid:
        yield f"ledger payouts {_ledger_total('payout.paid')} != paid payouts {paid}"
    refunded = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(WithdrawalRefund.amount_cents), 0)).where(
            WithdrawalRefund.status == WithdrawalStatus.DONE
        )
    )
    if _ledger_total("withdrawal.refunded") != refunded:
        yield f"ledger refunds {_ledger_total('withdrawal.refunded')} != refunds done {refunded}"


def rows_against_stripe() -> Iterator[str]:
    """Every succeeded payment, paid payout and refund is what Stripe reports, and back."""
    ours = {
        p.stripe_payment_intent_id: p.amount_cents
        for p in db.session.scalars(
            sa.select(Payment).where(Payment.status == PaymentStatus.SUCCEEDED)
        )
    }
    theirs = {
        pi.id: pi.amount_received
        for pi in gateway.list_all("payment_intents")
        if pi.status == "succeeded" and (pi.metadata or {}).get("payment_id")
    }
    yield from _compare("payment intent", ours, theirs)
    ours = {
        p.stripe_transfer_id: p.amount_cents
        for p in db.session.scalars(sa.select(Payout).where(Payout.status == PayoutStatus.PAID))
    }
    # A transfer of a payout still pending was made by an interrupted run; the
    # next run records it (same idempotency key), so it is not a discrepancy.
    pending = {
        str(payout_id)
        for payout_id in db.session.scalars(
            sa.select(Payout.id).where(Payout.status == PayoutStatus.PENDING)
        )
    }
    theirs = {
        t.id: t.amount
        for t in gateway.list_all("transfers")
        if (t.metadata or {}).get("payout_id") and t.metadata["payout_id"] not in pending
    }
    yield from _compare("transfer", ours, theirs)
    ours = {
        r.stripe_refund_id: r.amount_cents
        for r in db.session.scalars(
            sa.select(WithdrawalRefund).where(WithdrawalRefund.status == WithdrawalStatus.DONE)
        )
    }
    theirs = {
        r.id: r.amount
        for r in gateway.list_all("refunds")
        if (r.metadata or {}).get("withdrawal_refund_id")
    }
    yield from _compare("refund", ours, theirs)


def _compare(what: str, ours: dict[str | None, int], theirs: dict[str, int]) -> Iterator[str]:
    shown = 0
    for object_id in sorted(set(ours) | set(theirs), key=str):
        if shown >= SHOW:
            return
        if object_id not in theirs:
            yield f"{what} {object_id} is in our books but not at Stripe"
        elif object_id not in ours:
            yield f"{what} {object_id} is at Stripe but not in our books"
        elif ours[object_id] != theirs[object_id]:
            yield f"{what} {object_id}: we have {ours[object_id]}, Stripe has {theirs[object_id]}"
        else:
            continue
        shown += 1


def check_ledger(*, with_stripe: bool = True) -> list[str]:
    problems = [
        *unbalanced_transactions(),
        *balances_differ_from_entries(),
        *negative_balances(),
        *ledger_against_rows(),
    ]
    if with_stripe:
        problems.extend(rows_against_stripe())
    return problems
