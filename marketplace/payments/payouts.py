"""Workers' Stripe accounts and payouts.

A payout run pays every worker whose payable balance reaches MIN_PAYOUT_CENTS
and whose connected account can receive transfers, one Stripe Transfer each.
For every worker, in its own short transaction: the payable balance is locked,
a Payout row with its idempotency key is written and the amount moved to
"in transit", and that is committed; only then is Stripe asked, and the answer
stored in a second commit. Wherever the process dies:

- after the first commit: the next run finds the payout still pending and asks
  Stripe with the same idempotency key, so there is exactly one transfer;
- after Stripe answered but before the result was stored: the same, and Stripe
  answers with the transfer it already made;
- before the first commit: nothing happened; the money is still payable.

A refused transfer is recorded with Stripe's error, the money goes back to
payable, and the next run tries again with a new payout. Two runs at the same
time lock the same rows and pay each worker once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.mail.services import queue_email
from marketplace.payments import gateway, ledger
from marketplace.payments.models import (
    AccountKind,
    ConnectedAccount,
    LedgerAccount,
    Payout,
    PayoutRun,
    PayoutStatus,
)
from marketplace.urls import absolute_url

# --- connected accounts --------------------------------------------------------------


def connected_account_for(user: User) -> ConnectedAccount | None:
    return db.session.scalar(sa.select(ConnectedAccount).where(ConnectedAccount.user_id == user.id))


def _apply_account_state(connected: ConnectedAccount, account: dict[str, Any]) -> None:
    connected.details_submitted = bool(account.get("details_submitted"))
    connected.payouts_enabled = bool(account.get("payouts_enabled"))
    transfers = (account.get("capabilities") or {}).get("transfers")
    connected.transfers_active = transfers == "active"


def onboarding_link(user: User) -> str:
    """A Stripe-hosted onboarding link for the worker's Express account (created once)."""
    connected = connected_account_for(user)
    if connected is None:
        account = gateway.create_connected_account(
            email=user.email,
            user_id=user.id,
            country=current_app.config["STRIPE_CONNECT_COUNTRY"],
            idempotency_key=f"connect-user-{user.id}",
        )
        connected = ConnectedAccount(user_id=user.id, stripe_account_id=account.id)
        _apply_account_state(connected, account.to_dict())
        db.session.add(connected)
        db.session.flush()
    link = gateway.create_account_link(
        account_id=connected.stripe_account_id,
        refresh_url=absolute_url("earnings.connect_refresh"),
        return_url=absolute_url("earnings.connect_return"),
    )
    return link.url


def refresh_account(user: User) -> ConnectedAccount | None:
    """Ask Stripe for the account's state now (when the worker comes back from onboarding)."""
    connected = connected_account_for(user)
    if connected is not None:
        _apply_account_state(
            connected, gateway.retrieve_account(connected.stripe_account_id).to_dict()
        )
    return connected


def account_updated(account: dict[str, Any]) -> str:
    connected = db.session.scalar(
        sa.select(ConnectedAccount).where(ConnectedAccount.stripe_account_id == account.get("id"))
    )
    if connected is None:
        return "unknown account"
    _apply_account_state(connected, account)
    return "payouts enabled" if connected.payouts_enabled else "payouts not enabled"


# --- payouts ---------------------------------------------------------------------------


def _worker_email(payout: Payout, template: str, **context: Any) -> None:
    worker = payout.worker
    queue_email(
        to=worker.email,
        template=f"payments/{template}",
        locale=worker.locale,
        user=worker,
        payout=payout,
        link=absolute_url("earnings.overview"),
        **context,
    )


def _prepare(worker_id: int, run: PayoutRun) -> Payout | None:
    """Lock the worker's payable balance and set a payout aside (caller commits)."""
    connected = db.session.scalar(
        sa.select(ConnectedAccount).where(ConnectedAccount.user_id == worker_id)
    )
    if connected is None or not (connected.payouts_enabled and connected.transfers_active):
        return None
    payable = db.session.scalar(
        sa.select(LedgerAccount)
        .where(
            LedgerAccount.kind == AccountKind.WORKER_PAYABLE, LedgerAccount.owner_id == worker_id
        )
        .with_for_update()
    )
    amount = payable.balance_cents if payable else 0
    if amount < current_app.config["MIN_PAYOUT_CENTS"]:
        return None
    payout = Payout(
        run_id=run.id,
        worker_id=worker_id,
        stripe_account_id=connected.stripe_account_id,
        amount_cents=amount,
        idempotency_key="",
    )
    db.session.add(payout)
    db.session.flush()
    payout.idempotency_key = f"payout-{payout.id}"
    ledger.post(
        "payout.set_aside",
        reference=("payout", payout.id),
        moves=[
            (payable, -amount),
            (ledger.account(AccountKind.WORKER_IN_TRANSIT, worker_id), amount),
        ],
    )
    return payout


def send(payout: Payout) -> PayoutStatus:
    """Ask Stripe for the payout's transfer and store the answer (caller commits).

    A network failure leaves the payout pending: Stripe may or may not have
    made the transfer, and the next run asks again with the same key.
    """
    try:
        transfer = gateway.create_transfer(
            amount_cents=payout.amount_cents,
            currency=payout.currency,
            destination=payout.stripe_account_id,
            payout_id=payout.id,
            idempotency_key=payout.idempotency_key,
        )
    except (gateway.stripe.APIConnectionError, gateway.stripe.RateLimitError):
        return PayoutStatus.PENDING
    except gateway.StripeError as exc:
        payout.status = PayoutStatus.FAILED
        payout.error_code = (exc.code or type(exc).__name__)[:100]
        payout.error_message = str(exc.user_message or exc)[:2000]
        ledger.post(
            "payout.failed",
            reference=("payout", payout.id),
            moves=[
                (
                    ledger.account(AccountKind.WORKER_IN_TRANSIT, payout.worker_id),
                    -payout.amount_cents,
                ),
                (ledger.account(AccountKind.WORKER_PAYABLE, payout.worker_id), payout.amount_cents),
            ],
        )
        _worker_email(payout, "payout_failed")
        return PayoutStatus.FAILED
    payout.status = PayoutStatus.PAID
    payout.stripe_transfer_id = transfer.id
    payout.sent_at = utcnow()
    ledger.post(
        "payout.paid",
        reference=("payout", payout.id),
        moves=[
            (ledger.account(AccountKind.WORKER_IN_TRANSIT, payout.worker_id), -payout.amount_cents),
            (ledger.account(AccountKind.STRIPE_CLEARING), payout.amount_cents),
        ],
    )
    _worker_email(payout, "payout_sent")
    return PayoutStatus.PAID


def _count(run: PayoutRun, payout: Payout, status: PayoutStatus) -> None:
    if status == PayoutStatus.PAID:
        run.paid_count += 1
        run.paid_cents += payout.amount_cents
    elif status == PayoutStatus.FAILED:
        run.failed_count += 1


def _pending_payout_ids() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Payout.id).where(Payout.status == PayoutStatus.PENDING).order_by(Payout.id)
        )
    )


def _payable_worker_ids() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(LedgerAccount.owner_id)
            .join(ConnectedAccount, ConnectedAccount.user_id == LedgerAccount.owner_id)
            .where(
                LedgerAccount.kind == AccountKind.WORKER_PAYABLE,
                LedgerAccount.balance_cents >= current_app.config["MIN_PAYOUT_CENTS"],
                ConnectedAccount.payouts_enabled.is_(True),
                ConnectedAccount.transfers_active.is_(True),
            )
            .order_by(LedgerAccount.owner_id)
        )
    )


def run_payouts(*, by: User | None = None, commit: Callable[[], None] | None = None) -> PayoutRun:
    """Pay everyone who is due. Commits as it goes (``commit``: the session's commit)."""
    commit = commit or db.session.commit
    run = PayoutRun(started_by_id=by.id if by else None)
    db.session.add(run)
    commit()
    # First finish what an interrupted run left pending, then the new ones.
    for payout_id in _pending_payout_ids():
        payout = db.session.scalar(
            sa.select(Payout).where(Payout.id == payout_id, Payout.status == PayoutStatus.PENDING)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        if payout is not None:
            _count(run, payout, send(payout))
        commit()
    for worker_id in _payable_worker_ids():
        payout = _prepare(worker_id, run)
        commit()  # the payout row and its key exist before Stripe hears of it
        if payout is None:
            continue
        payout = db.session.scalar(
            sa.select(Payout).where(Payout.id == payout.id, Payout.status == PayoutStatus.PENDING)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        if payout is not None:
            _count(run, payout, send(payout))
        commit()
    run.finished_at = utcnow()
    commit()
    return run


def run_payouts_job(admin_id: int | None = None) -> None:
    """The admin button's payout run on an RQ worker (a long run must not hold a request)."""
    run_payouts(by=db.session.get(User, admin_id) if admin_id else None)


def require_payouts_enabled(user: User) -> ConnectedAccount:
    connected = connected_account_for(user)
    if connected is None or not connected.payouts_enabled:
        raise DomainError(_("Please connect your Stripe account first."))
    return connected
