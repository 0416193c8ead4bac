"""`flask ledger check`: prove the books add up, and match what Stripe reports.

Each check returns human-readable discrepancies; none means the books are
right. The SQL checks are set-based (one pass over the entries), so they stay
fast at millions of entries.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

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
        yield _(
            "transaction %(id)s does not balance: its entries sum to %(total)s",
            id=transaction_id,
            total=total,
        )
    empty = db.session.scalars(
        sa.select(LedgerTransaction.id)
        .where(~sa.exists().where(LedgerEntry.transaction_id == LedgerTransaction.id))
        .limit(SHOW)
    )
    for transaction_id in empty:
        yield _("transaction %(id)s has no entries", id=transaction_id)


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
            _(
                "account %(account)s shows %(balance)s but its entries sum to %(total)s",
                account=f"{account.kind}:{account.owner_id}",
                balance=account.balance_cents,
                total=total,
            )
        )


def negative_balances() -> Iterator[str]:
    rows = db.session.scalars(
        sa.select(LedgerAccount)
        .where(LedgerAccount.kind.in_(list(NON_NEGATIVE)), LedgerAccount.balance_cents < 0)
        .limit(SHOW)
    )
    for account in rows:
        yield _(
            "account %(account)s is negative: %(balance)s",
            account=f"{account.kind}:{account.owner_id}",
            balance=account.balance_cents,
        )


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
        yield _(
            "ledger funding %(ledger)s != succeeded payments %(rows)s",
            ledger=-_ledger_total("funding"),
            rows=funded,
        )
    paid = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payout.amount_cents), 0)).where(
            Payout.status == PayoutStatus.PAID
        )
    )
    if _ledger_total("payout.paid") != paid:
        yield _(
            "ledger payouts %(ledger)s != paid payouts %(rows)s",
            ledger=_ledger_total("payout.paid"),
            rows=paid,
        )
    refunded = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(WithdrawalRefund.amount_cents), 0)).where(
            WithdrawalRefund.status == WithdrawalStatus.DONE
        )
    )
    if _ledger_total("withdrawal.refunded") != refunded:
        yield _(
            "ledger refunds %(ledger)s != refunds done %(rows)s",
            ledger=_ledger_total("withdrawal.refunded"),
            rows=refunded,
        )


def _all(resource: str) -> Iterator[dict]:
    for item in gateway.list_all(resource):
        yield item.to_dict()


def _metadata(obj: dict) -> dict:
    return obj.get("metadata") or {}


def rows_against_stripe() -> Iterator[str]:
    """Every succeeded payment, paid payout and refund is what Stripe reports, and back."""
    ours = {
        p.stripe_payment_intent_id: p.amount_cents
        for p in db.session.scalars(
            sa.select(Payment).where(Payment.status == PaymentStatus.SUCCEEDED)
        )
    }
    theirs = {
        pi["id"]: pi["amount_received"]
        for pi in _all("payment_intents")
        if pi["status"] == "succeeded" and _metadata(pi).get("payment_id")
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
        t["id"]: t["amount"]
        for t in _all("transfers")
        if _metadata(t).get("payout_id") and _metadata(t)["payout_id"] not in pending
    }
    yield from _compare("transfer", ours, theirs)
    ours = {
        r.stripe_refund_id: r.amount_cents
        for r in db.session.scalars(
            sa.select(WithdrawalRefund).where(WithdrawalRefund.status == WithdrawalStatus.DONE)
        )
    }
    theirs = {
        r["id"]: r["amount"] for r in _all("refunds") if _metadata(r).get("withdrawal_refund_id")
    }
    yield from _compare("refund", ours, theirs)


def _compare(what: str, ours: dict[str | None, int], theirs: dict[str, int]) -> Iterator[str]:
    shown = 0
    for object_id in sorted(set(ours) | set(theirs), key=str):
        if shown >= SHOW:
            return
        if object_id not in theirs:
            yield _("%(what)s %(id)s is in our books but not at Stripe", what=what, id=object_id)
        elif object_id not in ours:
            yield _("%(what)s %(id)s is at Stripe but not in our books", what=what, id=object_id)
        elif ours[object_id] != theirs[object_id]:
            yield _(
                "%(what)s %(id)s: we have %(ours)s, Stripe has %(theirs)s",
                what=what,
                id=object_id,
                ours=ours[object_id],
                theirs=theirs[object_id],
            )
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
