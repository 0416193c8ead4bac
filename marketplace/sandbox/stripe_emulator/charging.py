"""What happens when a PaymentIntent is confirmed with a card: success (a
succeeded charge, money in the balance, ``payment_intent.succeeded``), a
decline (a failed charge, the intent back to ``requires_payment_method`` with
``last_payment_error``, ``payment_intent.payment_failed``, a 402 card error), or
3-D Secure (``requires_action`` with a ``redirect_to_url`` to the emulator's
local authentication page, which then calls :func:`succeed` or
:func:`fail_authentication`).

The functions take an ``emit`` callable so the API (events carry the request
id) and the local pages (events carry none) share them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marketplace.sandbox.stripe_emulator import cards, movements
from marketplace.sandbox.stripe_emulator.errors import card_error
from marketplace.sandbox.stripe_emulator.store import Store, now, public, random_token

Emit = Callable[..., dict[str, Any]]

AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide "
    "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)
AUTHENTICATION_REQUIRED = cards.CardProfile(
    "",
    outcome=cards.DECLINE,
    code="authentication_required",
    decline_code="authentication_required",
    message="Your card was declined. This transaction requires authentication.",
)


def attempt(
    store: Store,
    emit: Emit,
    intent: dict[str, Any],
    method: dict[str, Any],
    *,
    base_url: str,
    return_url: str | None,
    off_session: bool,
    error_on_requires_action: bool,
) -> None:
    profile = cards.card_for(method["_card_number"])
    intent["payment_method"] = method["id"]
    if profile.outcome == cards.AUTHENTICATE and (off_session or error_on_requires_action):
        # Nobody is there to authenticate: Stripe declines instead.
        decline(store, emit, intent, method, AUTHENTICATION_REQUIRED)
    elif profile.outcome == cards.AUTHENTICATE:
        require_action(store, intent, base_url=base_url, return_url=return_url)
    elif profile.outcome == cards.DECLINE:
        decline(store, emit, intent, method, profile)
    else:
        succeed(store, emit, intent, method)


def require_action(
    store: Store, intent: dict[str, Any], *, base_url: str, return_url: str | None
) -> None:
    # A fresh token per attempt: an old authentication page cannot act on a new attempt.
    for token in [
        t for t, v in store.three_d_secure.items() if v["payment_intent"] == intent["id"]
    ]:
        del store.three_d_secure[token]
    token = random_token(32)
    store.three_d_secure[token] = {
        "payment_intent": intent["id"],
        "payment_method": intent["payment_method"],
        "return_url": return_url,
        "created": now(),
    }
    intent["status"] = "requires_action"
    intent["next_action"] = {
        "type": "redirect_to_url",
        "redirect_to_url": {"return_url": return_url, "url": f"{base_url}/3ds/{token}"},
    }


def _charge(
    store: Store, intent: dict[str, Any], method: dict[str, Any], *, succeeded: bool
) -> dict[str, Any]:
    card = method["card"]
    return store.add(
        {
            "id": store.new_id("charge"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if succeeded else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": None,
            "billing_details": method["billing_details"],
            "calculated_statement_descriptor": intent["statement_descriptor"] or "STRIPE EMULATOR",
            "captured": succeeded,
            "created": now(),
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None,
            "failure_message": None,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "on_behalf_of": None,
            "outcome": None,
            "paid": succeeded,
            "payment_intent": intent["id"],
            "payment_method": method["id"],
            "payment_method_details": {
                "card": {
                    "amount_authorized": intent["amount"] if succeeded else None,
                    "brand": card["brand"],
                    "checks": card["checks"],
                    "country": card["country"],
                    "exp_month": card["exp_month"],
                    "exp_year": card["exp_year"],
                    "fingerprint": card["fingerprint"],
                    "funding": card["funding"],
                    "installments": None,
                    "last4": card["last4"],
                    "mandate": None,
                    "network": card["brand"],
                    "three_d_secure": None,
                    "wallet": None,
                },
                "type": "card",
            },
            "radar_options": {},
            "receipt_email": intent["receipt_email"],
            "receipt_number": None,
            "receipt_url": None,
            "refunded": False,
            "review": None,
            "shipping": intent["shipping"],
            "source": None,
            "source_transfer": None,
            "statement_descriptor": intent["statement_descriptor"],
            "statement_descriptor_suffix": intent["statement_descriptor_suffix"],
            "status": "succeeded" if succeeded else "failed",
            "transfer_data": None,
            "transfer_group": intent["transfer_group"],
        }
    )


def succeed(
    store: Store,
    emit: Emit,
    intent: dict[str, Any],
    method: dict[str, Any],
    *,
    authenticated: bool = False,
) -> None:
    charge = _charge(store, intent, method, succeeded=True)
    charge["outcome"] = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network",
        "reason": None,
        "risk_level": "normal",
        "seller_message": "Payment complete.",
        "type": "authorized",
    }
    if authenticated:
        charge["payment_method_details"]["card"]["three_d_secure"] = {
            "authentication_flow": "challenge",
            "result": "authenticated",
            "result_reason": None,
            "version": "2.2.0",
        }
    charge["balance_transaction"] = movements.book(
        store,
        type="charge",
        amount=charge["amount"],
        currency=charge["currency"],
        source=charge["id"],
        description=intent["description"],
    )
    intent.update(
        status="succeeded",
        amount_received=intent["amount"],
        latest_charge=charge["id"],
        payment_method=method["id"],
        last_payment_error=None,
        next_action=None,
    )
    emit("payment_intent.succeeded", intent)


def decline(
    store: Store,
    emit: Emit,
    intent: dict[str, Any],
    method: dict[str, Any],
    profile: cards.CardProfile,
) -> None:
    """Fail the attempt and raise the 402 card error Stripe answers with."""
    charge = _charge(store, intent, method, succeeded=False)
    charge.update(failure_code=profile.code, failure_message=profile.message)
    live_card = profile.decline_code == "test_mode_live_card"
    charge["outcome"] = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "not_sent_to_network" if live_card else "declined_by_network",
        "reason": profile.decline_code,
        "risk_level": "normal",
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "invalid" if live_card else "issuer_declined",
    }
    error: dict[str, Any] = {
        "charge": charge["id"],
        "code": profile.code,
        "decline_code": profile.decline_code,
        "doc_url": f"https://stripe.com/docs/error-codes/{(profile.code or '').replace('_', '-')}",
        "message": profile.message,
        "payment_method": public(method),
        "type": "card_error",
    }
    intent.update(
        status="requires_payment_method",
        latest_charge=charge["id"],
        payment_method=None,
        last_payment_error=error,
        next_action=None,
    )
    emit("payment_intent.payment_failed", intent)
    raise card_error(
        profile.message or "Your card was declined.",
        code=profile.code or "card_declined",
        decline_code=profile.decline_code,
        charge=charge["id"],
        payment_intent=public(intent),
        payment_method=public(method),
    )


def fail_authentication(
    store: Store, emit: Emit, intent: dict[str, Any], method: dict[str, Any]
) -> None:
    intent.update(
        status="requires_payment_method",
        payment_method=None,
        next_action=None,
        last_payment_error={
            "code": "payment_intent_authentication_failure",
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
            "message": AUTHENTICATION_FAILED,
            "payment_method": public(method),
            "type": "invalid_request_error",
        },
    )
    emit("payment_intent.payment_failed", intent)
