"""Refunds (create, retrieve, list) against a PaymentIntent's succeeded charge
or a charge directly, refusing what Stripe refuses: intents without a
successful charge, fully refunded charges, and more than the unrefunded rest."""

from __future__ import annotations

from typing import Any

from marketplace.sandbox.stripe_emulator import movements
from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import (
    invalid_request,
    missing_reference,
    resource_missing,
    validation_error,
)
from marketplace.sandbox.stripe_emulator.lists import page
from marketplace.sandbox.stripe_emulator.store import now, public

REASONS = ("duplicate", "fraudulent", "requested_by_customer")
CREATE_FIELDS = frozenset({"payment_intent", "charge", "amount", "reason", "metadata"})


def _charge_to_refund(call: Call) -> dict[str, Any]:
    intent_id = p.string(call.params, "payment_intent")
    charge_id = p.string(call.params, "charge")
    if intent_id is None and charge_id is None:
        raise invalid_request(
            "One of the following params should be provided for this request: "
            "payment_intent or charge.",
            saved=False,
        )
    if intent_id is not None:
        intent = call.store.get("payment_intent", intent_id)
        if intent is None:
            raise missing_reference("payment_intent", intent_id, param="payment_intent")
        charge = call.store.get("charge", intent["latest_charge"])
        if intent["status"] != "succeeded" or charge is None:
            raise invalid_request(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        if charge_id is not None and charge_id != charge["id"]:
            raise invalid_request(
                f"Charge {charge_id} does not belong to PaymentIntent {intent_id}.",
                param="charge",
            )
        return charge
    charge = call.store.get("charge", charge_id)
    if charge is None:
        raise missing_reference("charge", str(charge_id), param="charge")
    if charge["status"] != "succeeded":
        raise invalid_request(
            f"Charge {charge_id} has failed and cannot be refunded.", param="charge"
        )
    return charge


@endpoint("POST", "/refunds", "RefundCreateParams")
def create_refund(call: Call) -> dict[str, Any]:
    params = call.params
    p.reject(params, CREATE_FIELDS, "POST /v1/refunds")
    reason = params.get("reason")
    if reason is not None and reason not in REASONS:
        raise validation_error(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            param="reason",
        )
    metadata = p.updated_metadata({}, params)
    charge = _charge_to_refund(call)
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining == 0:
        raise invalid_request(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = p.integer(params, "amount", default=remaining)
    assert amount is not None
    if amount <= 0:
        raise validation_error(
            "Invalid positive integer", param="amount", code="parameter_invalid_integer"
        )
    if amount > remaining:
        currency = charge["currency"]
        # Stripe sends no error code for this refusal, only the param.
        raise invalid_request(
            f"Refund amount ({movements.money(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({movements.money(remaining, currency)})",
            param="amount",
        )
    refund_id = call.store.new_id("refund")
    refund = call.store.add(
        {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": movements.book(
                call.store,
                type="refund",
                amount=-amount,
                currency=charge["currency"],
                source=refund_id,
                description="REFUND FOR CHARGE",
            ),
            "charge": charge["id"],
            "created": now(),
            "currency": charge["currency"],
            "description": None,
            "destination_details": {
                "card": {
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                },
                "type": "card",
            },
            "failure_balance_transaction": None,
            "failure_reason": None,
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
    )
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    call.emit("charge.refunded", charge, previous_attributes=previous)
    return public(refund)


@endpoint("GET", "/refunds/<refund_id>", "RefundRetrieveParams")
def retrieve_refund(call: Call, refund_id: str) -> dict[str, Any]:
    refund = call.store.get("refund", refund_id)
    if refund is None:
        raise resource_missing("refund", refund_id, param="refund")
    return public(refund)


@endpoint("GET", "/refunds", "RefundListParams")
def list_refunds(call: Call) -> dict[str, Any]:
    intent, charge = call.params.get("payment_intent"), call.params.get("charge")
    return page(
        call,
        "refund",
        "/v1/refunds",
        lambda r: (
            (intent is None or r["payment_intent"] == intent)
            and (charge is None or r["charge"] == charge)
        ),
    )
