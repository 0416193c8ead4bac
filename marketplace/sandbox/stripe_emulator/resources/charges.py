"""Charges, as PaymentIntents create them (retrieve, list)."""

from __future__ import annotations

from typing import Any

from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import resource_missing
from marketplace.sandbox.stripe_emulator.lists import page
from marketplace.sandbox.stripe_emulator.store import public


@endpoint("GET", "/charges/<charge_id>", "ChargeRetrieveParams")
def retrieve_charge(call: Call, charge_id: str) -> dict[str, Any]:
    charge = call.store.get("charge", charge_id)
    if charge is None:
        raise resource_missing("charge", charge_id, param="charge")
    return public(charge)


@endpoint("GET", "/charges", "ChargeListParams")
def list_charges(call: Call) -> dict[str, Any]:
    p.reject(call.params, frozenset({"payment_intent", "customer", "limit", "starting_after",
                                     "ending_before", "created"}), "GET /v1/charges")  # fmt: skip
    intent, customer = call.params.get("payment_intent"), call.params.get("customer")
    return page(
        call,
        "charge",
        "/v1/charges",
        lambda c: (
            (intent is None or c["payment_intent"] == intent)
            and (customer is None or c["customer"] == customer)
        ),
    )
