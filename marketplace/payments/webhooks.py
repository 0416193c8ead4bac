"""Stripe webhooks: verified against the raw body, stored once per event id,
handled in the same transaction, acknowledged only after the commit.

A replayed or duplicated event finds its row and changes nothing; events may
arrive in any order, so each handler looks at the state of our own rows, not
at the order of arrival. Unknown event types are stored and acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.payments import funding, gateway, payouts
from marketplace.payments.models import PaymentStatus, StripeEvent


class BadEvent(Exception):
    """The request is not a valid, signed Stripe event (answered 400)."""


def _payment_intent_succeeded(obj: dict[str, Any], event_id: str) -> str:
    return funding.payment_succeeded(obj, event_id=event_id)


def _payment_intent_failed(obj: dict[str, Any], event_id: str) -> str:
    return funding.payment_failed(obj, status=PaymentStatus.FAILED)


def _payment_intent_canceled(obj: dict[str, Any], event_id: str) -> str:
    return funding.payment_failed(obj, status=PaymentStatus.CANCELED)


def _account_updated(obj: dict[str, Any], event_id: str) -> str:
    return payouts.account_updated(obj)


HANDLERS: dict[str, Callable[[dict[str, Any], str], str]] = {
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    "payment_intent.canceled": _payment_intent_canceled,
    "account.updated": _account_updated,
}


def receive(payload: bytes, signature: str | None) -> StripeEvent | None:
    """Verify, store and handle one delivery. Returns the stored event, or None
    when this event id was handled before (a replay). Raises BadEvent."""
    if not signature:
        raise BadEvent("missing Stripe-Signature header")
    try:
        event = gateway.construct_event(payload, signature)
    except gateway.SignatureVerificationError as exc:
        raise BadEvent(f"bad signature: {exc}") from None
    except ValueError as exc:
        raise BadEvent(f"not a Stripe event: {exc}") from None
    return handle(event.to_dict() if hasattr(event, "to_dict") else dict(event))


def handle(data: dict[str, Any]) -> StripeEvent | None:
    """Store and handle one event known to come from Stripe: verified by its signature
    (``receive``), or fetched from Stripe's API with the secret key (the demo seed).
    Returns None when this event id was handled before. Raises BadEvent."""
    event_id, event_type = data.get("id"), data.get("type")
    obj = (data.get("data") or {}).get("object")
    if (
        not isinstance(event_id, str)
        or not isinstance(event_type, str)
        or not isinstance(obj, dict)
    ):
        raise BadEvent("event without id, type or object")
    if db.session.scalar(sa.select(StripeEvent.id).where(StripeEvent.stripe_event_id == event_id)):
        return None
    stored = StripeEvent(stripe_event_id=event_id, type=event_type, payload=data)
    try:
        with db.session.begin_nested():
            db.session.add(stored)
    except IntegrityError:  # the same event delivered twice at the same moment
        return None
    handler = HANDLERS.get(event_type)
    stored.outcome = handler(obj, event_id) if handler else "ignored: unknown type"
    return stored
