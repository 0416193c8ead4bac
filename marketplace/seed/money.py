"""Demo money, got the way a user gets it: through Stripe's API (in development the
bundled emulator, which ``make run`` starts before seeding), so Stripe and the books
agree and ``flask ledger check``, payout runs and withdrawals work on the demo.

- A company's balance: a Payment and its PaymentIntent made by ``funding`` exactly as
  the balance page makes them, confirmed with a Stripe test card (the one step
  Stripe.js does in the page), then credited from Stripe's own
  ``payment_intent.succeeded`` event, fetched with the secret key and stored and
  handled by ``webhooks.handle`` as if the webhook had arrived. When the emulator
  delivers that event to the running app later, it is a replay and changes nothing.
- A worker's payouts: the Connect account and onboarding link made by ``payouts``, the
  emulator's onboarding page completed as the worker would click it, and the account's
  state read back as the return page does.

Stripe unreachable stops the seed with a message saying what to start.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts.models import Company, User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.payments import funding, gateway, payouts, webhooks
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.sandbox.stripe_emulator.client import EmulatorControl

# Stripe's test card 4000 0000 0000 0077: paid at once into the available balance (on a
# real Stripe test account other cards stay pending for days, and payouts would fail).
DEMO_CARD = "pm_card_bypassPending"


class StripeUnavailable(DomainError):
    """The demo needs Stripe (the emulator) and could not reach it."""


def _unavailable(exc: Exception) -> StripeUnavailable:
    base = current_app.config["STRIPE_API_BASE"] or "Stripe"
    return StripeUnavailable(
        f"Stripe ({base}) could not be reached: {exc}. The demo's money goes through "
        "Stripe's API: start the emulator first (`flask sandbox stripe`), or use `make run`."
    )


def has_funds(company: Company) -> bool:
    """Was the company ever funded (by a card payment Stripe confirmed)?"""
    return (
        db.session.scalar(
            sa.select(Payment.id)
            .where(Payment.company_id == company.id, Payment.status == PaymentStatus.SUCCEEDED)
            .limit(1)
        )
        is not None
    )


def fund(company: Company, *, by: User, amount_cents: int) -> Payment:
    """Pay ``amount_cents`` into the company's balance by test card through Stripe."""
    payment = funding.start_funding(company, amount_cents=amount_cents, by=by)
    db.session.flush()
    try:
        funding.create_intent(payment, by=by)
        intent_id = payment.stripe_payment_intent_id
        # A rerun after a crash may get the same intent back (same idempotency key).
        if gateway.retrieve_payment_intent(intent_id).status != "succeeded":
            gateway.confirm_payment_intent(intent_id, payment_method=DEMO_CARD)
        event = gateway.find_event("payment_intent.succeeded", intent_id)
    except (gateway.stripe.APIConnectionError, gateway.stripe.AuthenticationError) as exc:
        raise _unavailable(exc) from None
    if event is None:
        raise RuntimeError(f"Stripe sent no payment_intent.succeeded event for {intent_id}")
    webhooks.handle(event.to_dict())
    if payment.status != PaymentStatus.SUCCEEDED:
        raise RuntimeError(f"demo payment {payment.id} was not credited ({intent_id})")
    return payment


def connect(worker: User) -> bool:
    """Give the worker a Connect account that can receive payouts; False if the
    onboarding page could not be completed (not the bundled emulator)."""
    connected = payouts.connected_account_for(worker)
    if connected is not None and connected.payouts_enabled and connected.transfers_active:
        return True
    try:
        url = payouts.onboarding_link(worker)
    except (gateway.stripe.APIConnectionError, gateway.stripe.AuthenticationError) as exc:
        raise _unavailable(exc) from None
    try:
        EmulatorControl.press(url, "complete")
    except (RuntimeError, OSError):
        return False
    connected = payouts.refresh_account(worker)
    return bool(connected and connected.payouts_enabled and connected.transfers_active)
