"""The one place that talks to Stripe, with the official client.

Every call that creates something carries an idempotency key derived from a
row written (and committed) before the call, so a retry after a crash or a
timeout gets Stripe's first answer back instead of a second object. Where the
API lives is configuration (STRIPE_API_BASE: the bundled emulator in
development and tests, unset for Stripe itself); this module never knows.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import current_app

StripeError = stripe.StripeError
CardError = stripe.CardError
SignatureVerificationError = stripe.SignatureVerificationError


def client() -> stripe.StripeClient:
    cached = current_app.extensions.get("stripe_client")
    if cached is None:
        config = current_app.config
        base = config["STRIPE_API_BASE"]
        cached = stripe.StripeClient(
            config["STRIPE_SECRET_KEY"],
            base_addresses={"api": base} if base else None,
            max_network_retries=2,
        )
        current_app.extensions["stripe_client"] = cached
    return cached


def _options(idempotency_key: str | None) -> dict[str, Any]:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def create_customer(*, email: str, name: str, company_id: int, idempotency_key: str):
    return client().v1.customers.create(
        params={"email": email, "name": name, "metadata": {"company_id": str(company_id)}},
        options=_options(idempotency_key),
    )


def create_payment_intent(
    *, amount_cents: int, currency: str, customer: str, payment_id: int, idempotency_key: str
):
    return client().v1.payment_intents.create(
        params={
            "amount": amount_cents,
            "currency": currency.lower(),
            "customer": customer,
            # Cards, confirmed in the page by Stripe.js: no redirect-based methods.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "description": "Nebendesk balance",
            "metadata": {"payment_id": str(payment_id)},
        },
        options=_options(idempotency_key),
    )


def retrieve_payment_intent(payment_intent_id: str):
    return client().v1.payment_intents.retrieve(payment_intent_id)


def confirm_payment_intent(payment_intent_id: str, *, payment_method: str):
    """Confirm on the server with a saved or test method (``pm_card_visa``): the demo
    seed pays this way; people confirm in the page with Stripe.js."""
    return client().v1.payment_intents.confirm(
        payment_intent_id, params={"payment_method": payment_method}
    )


def cancel_payment_intent(payment_intent_id: str, *, reason: str, idempotency_key: str):
    """Cancel an unpaid PaymentIntent (``reason``: Stripe's ``cancellation_reason``,
    e.g. ``requested_by_customer`` or ``abandoned``). Stripe refuses a succeeded one."""
    return client().v1.payment_intents.cancel(
        payment_intent_id,
        params={"cancellation_reason": reason},
        options=_options(idempotency_key),
    )


def find_event(event_type: str, object_id: str):
    """Stripe's newest event of ``event_type`` about the object ``object_id``, or None."""
    listing = client().v1.events.list(params={"type": event_type, "limit": 100})
    for event in listing.auto_paging_iter():
        if (event.to_dict().get("data") or {}).get("object", {}).get("id") == object_id:
            return event
    return None


def create_refund(*, payment_intent: str, amount_cents: int, refund_id: int, idempotency_key: str):
    return client().v1.refunds.create(
        params={
            "payment_intent": payment_intent,
            "amount": amount_cents,
            "reason": "requested_by_customer",
            "metadata": {"withdrawal_refund_id": str(refund_id)},
        },
        options=_options(idempotency_key),
    )


def create_connected_account(*, email: str, user_id: int, country: str, idempotency_key: str):
    return client().v1.accounts.create(
        params={
            "type": "express",
            "country": country,
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"user_id": str(user_id)},
        },
        options=_options(idempotency_key),
    )


def retrieve_account(account_id: str):
    return client().v1.accounts.retrieve(account_id)


def create_account_link(*, account_id: str, refresh_url: str, return_url: str):
    return client().v1.account_links.create(
        params={
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )


def create_transfer(
    *, amount_cents: int, currency: str, destination: str, payout_id: int, idempotency_key: str
):
    return client().v1.transfers.create(
        params={
            "amount": amount_cents,
            "currency": currency.lower(),
            "destination": destination,
            "description": "Nebendesk payout",
            "metadata": {"payout_id": str(payout_id)},
        },
        options=_options(idempotency_key),
    )


def list_all(resource: str, **params: Any):
    """Every object of a list endpoint (``transfers``, ``refunds``, ``payment_intents``)."""
    listing = getattr(client().v1, resource).list(params={"limit": 100, **params})
    return listing.auto_paging_iter()


def construct_event(payload: bytes, signature: str):
    """The verified event, or SignatureVerificationError / ValueError."""
    return client().construct_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])
