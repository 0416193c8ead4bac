"""POST /stripe/webhook: Stripe's signed events (no CSRF token: the signature is the proof)."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from marketplace.extensions import csrf, db
from marketplace.payments import webhooks

bp = Blueprint("stripe_webhook", __name__)
log = logging.getLogger(__name__)


@bp.post("/stripe/webhook")
@csrf.exempt
def receive():
    try:
        event = webhooks.receive(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
    except webhooks.BadEvent as exc:
        db.session.rollback()
        log.warning("refused a webhook: %s", exc)
        return {"error": str(exc)}, 400
    db.session.commit()  # acknowledged only once the event and its effects are stored
    if event is None:
        return {"received": True, "replay": True}
    return {"received": True, "outcome": event.outcome}
