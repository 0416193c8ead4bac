"""Companies fund their balance by card, and take unused balance back.

Funding: a Payment row is written and committed first; the PaymentIntent is
created with an idempotency key derived from it (a retry returns the same
intent); the browser confirms the card with Stripe.js; only the signed
``payment_intent.succeeded`` webhook credits the balance, once per payment.

Withdrawal: the amount leaves the available balance at once (into
"withdrawing"), split over the company's card payments, newest first; each
part is a WithdrawalRefund row committed before its Stripe Refund is created
with that row's idempotency key, so ``complete_withdrawal`` can be run again
after a crash and never refunds twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import Company, User
from marketplace.accounts.services import notify_company_members
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.money import format_money
from marketplace.payments import gateway, ledger, units
from marketplace.payments.models import (
    AccountKind,
    Payment,
    PaymentStatus,
    StripeCustomer,
    Withdrawal,
    WithdrawalRefund,
    WithdrawalStatus,
)
from marketplace.urls import absolute_url


def check_amount(amount_cents: int) -> None:
    low, high = current_app.config["MIN_FUNDING_CENTS"], current_app.config["MAX_FUNDING_CENTS"]
    if not low <= amount_cents <= high:
        raise DomainError(
            _(
                "Please choose an amount between %(low)s and %(high)s.",
                low=format_money(low),
                high=format_money(high),
            )
        )


def clamp_amount(amount_cents: int) -> int:
    """The nearest amount a top-up may have."""
    low, high = current_app.config["MIN_FUNDING_CENTS"], current_app.config["MAX_FUNDING_CENTS"]
    return min(max(amount_cents, low), high)


# --- funding ------------------------------------------------------------------------


def start_funding(company: Company, *, amount_cents: int, by: User) -> Payment:
    """Record the company's intent to pay; ``create_intent`` then asks Stripe."""
    check_amount(amount_cents)
    payment = Payment(company_id=company.id, created_by_id=by.id, amount_cents=amount_cents)
    db.session.add(payment)
    db.session.flush()
    return payment


def _customer_id(company: Company, by: User) -> str:
    existing = db.session.scalar(
        sa.select(StripeCustomer.stripe_customer_id).where(StripeCustomer.company_id == company.id)
    )
    if existing:
        return existing
    customer = gateway.create_customer(
        email=by.email,
        name=company.name,
        company_id=company.id,
        idempotency_key=f"customer-company-{company.id}",
    )
    db.session.add(StripeCustomer(company_id=company.id, stripe_customer_id=customer.id))
    db.session.flush()
    return customer.id


def create_intent(payment: Payment, *, by: User) -> Payment:
    """Create (or, after a crash, get back) the payment's Stripe PaymentIntent."""
    if payment.stripe_payment_intent_id:
        return payment
    intent = gateway.create_payment_intent(
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        customer=_customer_id(payment.company, by),
        payment_id=payment.id,
        idempotency_key=f"payment-{payment.id}",
    )
    payment.stripe_payment_intent_id = intent.id
    payment.client_secret = intent.client_secret
    return payment


def payment_succeeded(intent: dict, *, event_id: str) -> str:
    """Credit the company once; replays and late duplicates change nothing."""
    payment = db.session.scalar(
        sa.select(Payment).where(Payment.stripe_payment_intent_id == intent["id"]).with_for_update()
    )
    if payment is None:
        return "unknown payment intent"
    if payment.status == PaymentStatus.SUCCEEDED:
        return "already credited"
    if payment.status == PaymentStatus.CANCELED:
        # Stripe canceled this intent at our request, so it cannot have succeeded
        # since: an event saying so is not credited (and shows in the event log).
        return "ignored: payment was canceled"
    received = int(intent.get("amount_received") or 0)
    if received != payment.amount_cents:
        return f"amount mismatch: {received} != {payment.amount_cents}"
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = utcnow()
    payment.failure_message = None
    ledger.post(
        "funding",
        reference=("payment", payment.id),
        moves=[
            (ledger.account(AccountKind.STRIPE_CLEARING), -payment.amount_cents),
            (
                ledger.account(AccountKind.COMPANY_AVAILABLE, payment.company_id),
                payment.amount_cents,
            ),
        ],
        stripe_event_id=event_id,
    )
    units.count_waiting(payment.company_id)  # work kept while the balance could not pay
    notify_company_members(
        payment.company,
        "payments/funds_received",
        payment=payment,
        link=absolute_url("balance.overview"),
    )
    return "credited"


def payment_failed(intent: dict, *, status: PaymentStatus) -> str:
    """A declined card (FAILED) or an intent canceled at Stripe (CANCELED)."""
    payment = db.session.scalar(
        sa.select(Payment).where(Payment.stripe_payment_intent_id == intent["id"]).with_for_update()
    )
    if payment is None:
        return "unknown payment intent"
    if payment.status == PaymentStatus.SUCCEEDED:
        return "ignored: already succeeded"  # events may arrive out of order
    if payment.status == PaymentStatus.CANCELED:
        return "ignored: already canceled"  # canceled is final
    payment.status = status
    if status == PaymentStatus.CANCELED:
        payment.failure_code = (intent.get("cancellation_reason") or "")[:64] or None
        return status.value
    error = intent.get("last_payment_error") or {}
    payment.failure_message = error.get("message")
    payment.failure_code = (error.get("decline_code") or error.get("code") or "")[:64] or None
    return status.value


# --- card payments nobody finished ----------------------------------------------------

UNPAID = (PaymentStatus.CREATED, PaymentStatus.FAILED)


def cancel_payment(payment: Payment, *, by: User | None, reason: str) -> bool:
    """Cancel an unpaid card payment: its PaymentIntent at Stripe first (``reason``:
    Stripe's ``cancellation_reason``), then here. False, and nothing changed, when
    Stripe says it was paid after all: then its webhook credits it as usual.
    Raises DomainError when it can no longer be canceled or Stripe cannot be asked."""
    if payment.status not in UNPAID:
        raise InvalidTransition(_("This card payment can no longer be canceled."))
    before = payment.status.value
    if payment.stripe_payment_intent_id:
        status = _cancel_at_stripe(payment, reason)
        if status == "succeeded":
            return False
    payment.status = PaymentStatus.CANCELED
    payment.failure_code = reason
    if by is not None:
        record(
            actor=by,
            action="balance.payment_cancel",
            object_type="payment",
            object_id=payment.id,
            before={"status": before},
            after={"status": PaymentStatus.CANCELED.value},
        )
    return True


def _cancel_at_stripe(payment: Payment, reason: str) -> str:
    """Stripe's status of the intent after asking it to cancel ("canceled", or
    "succeeded" when it was paid first)."""
    intent_id = payment.stripe_payment_intent_id
    unreachable = _("Stripe could not be reached. Please try again in a moment.")
    try:
        return gateway.cancel_payment_intent(
            intent_id, reason=reason, idempotency_key=f"payment-{payment.id}-cancel-{reason}"
        ).status
    except (gateway.stripe.APIConnectionError, gateway.stripe.RateLimitError):
        raise DomainError(unreachable) from None
    except gateway.StripeError:
        pass  # refused: already paid, or already canceled? Ask what it is now.
    try:
        status = gateway.retrieve_payment_intent(intent_id).status
    except gateway.StripeError:
        raise DomainError(unreachable) from None
    if status not in ("succeeded", "canceled"):
        raise DomainError(_("Stripe could not cancel this card payment. Please try again."))
    return status


def expire_stale_payments(now: datetime | None = None) -> int:
    """Cancel card payments nobody finished within PAYMENT_EXPIRY_HOURS (cron-safe;
    Stripe unreachable: they are tried again next time). Returns how many expired."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["PAYMENT_EXPIRY_HOURS"])
    stale = db.session.scalars(
        sa.select(Payment)
        .where(Payment.status.in_(UNPAID), Payment.created_at <= cutoff)
        .order_by(Payment.id)
        .with_for_update(skip_locked=True)
    ).all()
    expired = 0
    for payment in stale:
        try:
            expired += cancel_payment(payment, by=None, reason=EXPIRED)
        except DomainError:
            continue
    return expired


EXPIRED = "abandoned"  # Stripe's cancellation_reason for a payment nobody finished


# --- withdrawals --------------------------------------------------------------------


def withdraw(company: Company, *, amount_cents: int, by: User) -> Withdrawal:
    """Take ``amount_cents`` of the available balance back to the card(s) it came from."""
    if amount_cents <= 0:
        raise DomainError(_("Please enter an amount greater than zero."))
    payments = db.session.scalars(
        sa.select(Payment)
        .where(Payment.company_id == company.id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.succeeded_at.desc(), Payment.id.desc())
        .with_for_update()
    ).all()
    if amount_cents > sum(p.refundable_cents for p in payments):
        raise DomainError(_("This is more than can be refunded to your card payments."))
    owed = units.waiting_total(company.id)
    if owed and amount_cents > units.spendable(company.id):
        raise DomainError(
            _(
                "%(owed)s of your balance is needed for work waiting for funds; you can "
                "withdraw at most %(amount)s.",
                owed=format_money(owed),
                amount=format_money(max(0, units.spendable(company.id))),
            )
        )
    withdrawal = Withdrawal(company_id=company.id, requested_by_id=by.id, amount_cents=amount_cents)
    db.session.add(withdrawal)
    db.session.flush()
    try:
        ledger.post(
            "withdrawal",
            reference=("withdrawal", withdrawal.id),
            moves=[
                (ledger.account(AccountKind.COMPANY_AVAILABLE, company.id), -amount_cents),
                (ledger.account(AccountKind.COMPANY_WITHDRAWING, company.id), amount_cents),
            ],
        )
    except ledger.InsufficientFunds:
        raise DomainError(
            _(
                "Your available balance is smaller than %(amount)s.",
                amount=format_money(amount_cents),
            )
        ) from None
    remaining = amount_cents
    for payment in payments:
        if remaining == 0:
            break
        part = min(remaining, payment.refundable_cents)
        if part == 0:
            continue
        payment.refunded_cents += part
        refund = WithdrawalRefund(
            withdrawal_id=withdrawal.id,
            payment_id=payment.id,
            amount_cents=part,
            idempotency_key="",
        )
        db.session.add(refund)
        db.session.flush()
        refund.idempotency_key = f"withdrawal-refund-{refund.id}"
        remaining -= part
    record(
        actor=by,
        action="balance.withdraw",
        object_type="company",
        object_id=company.id,
        after={"withdrawal_id": withdrawal.id, "amount_cents": amount_cents},
    )
    return withdrawal


def complete_withdrawal(withdrawal: Withdrawal) -> None:
    """Create the Stripe refunds not yet created (safe to repeat) and settle the ledger."""
    for refund in withdrawal.refunds:
        if refund.status != WithdrawalStatus.PENDING:
            continue
        try:
            stripe_refund = gateway.create_refund(
                payment_intent=refund.payment.stripe_payment_intent_id,
                amount_cents=refund.amount_cents,
                refund_id=refund.id,
                idempotency_key=refund.idempotency_key,
            )
        except (gateway.stripe.APIConnectionError, gateway.stripe.RateLimitError):
            # Stripe may or may not have made the refund: ask again later, same key.
            continue
        except gateway.StripeError as exc:
            refund.status = WithdrawalStatus.FAILED
            refund.error_message = str(exc.user_message or exc)[:2000]
            refund.payment.refunded_cents -= refund.amount_cents
            ledger.post(
                "withdrawal.failed",
                reference=("withdrawal_refund", refund.id),
                moves=[
                    (ledger.account(AccountKind.COMPANY_WITHDRAWING, withdrawal.company_id),
                     -refund.amount_cents),
                    (ledger.account(AccountKind.COMPANY_AVAILABLE, withdrawal.company_id),
                     refund.amount_cents),
                ],
            )  # fmt: skip
            continue
        refund.stripe_refund_id = stripe_refund.id
        refund.status = WithdrawalStatus.DONE
        ledger.post(
            "withdrawal.refunded",
            reference=("withdrawal_refund", refund.id),
            moves=[
                (ledger.account(AccountKind.COMPANY_WITHDRAWING, withdrawal.company_id),
                 -refund.amount_cents),
                (ledger.account(AccountKind.STRIPE_CLEARING), refund.amount_cents),
            ],
        )  # fmt: skip
    statuses = {refund.status for refund in withdrawal.refunds}
    if WithdrawalStatus.PENDING in statuses:
        return
    withdrawal.status = (
        WithdrawalStatus.DONE if statuses == {WithdrawalStatus.DONE} else WithdrawalStatus.FAILED
    )


def complete_pending_withdrawals() -> int:
    """Finish withdrawals an earlier request or run left pending (cron-safe, same keys)."""
    pending = db.session.scalars(
        sa.select(Withdrawal)
        .where(Withdrawal.status == WithdrawalStatus.PENDING)
        .order_by(Withdrawal.id)
        .with_for_update(skip_locked=True)
    ).all()
    for withdrawal in pending:
        complete_withdrawal(withdrawal)
    return len(pending)
