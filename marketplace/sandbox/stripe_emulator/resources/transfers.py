"""Transfers to connected accounts (create, retrieve, list), refused as Stripe
refuses them: a destination without an active ``transfers`` capability, or a
platform balance that does not cover the amount. Tests can make transfers fail
on purpose through ``POST /_emulator/failures/transfers``
(:func:`injected_failure`)."""

from __future__ import annotations

from typing import Any

from marketplace.sandbox.stripe_emulator import movements
from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import (
    StripeError,
    invalid_request,
    missing_reference,
    parameter_missing,
    resource_missing,
)
from marketplace.sandbox.stripe_emulator.lists import page
from marketplace.sandbox.stripe_emulator.store import Store, now, public, random_token

CREATE_FIELDS = frozenset(
    {"amount", "currency", "destination", "description", "metadata", "transfer_group",
     "source_type"}
)  # fmt: skip
INSUFFICIENT_FUNDS = (
    "You have insufficient available funds in your Stripe account. Try adding funds directly "
    "to your available balance by creating Charges using the 4000000000000077 test card. "
    "See: https://stripe.com/docs/testing#available-balance"
)
NO_TRANSFERS_CAPABILITY = (
    "Your destination account needs to have at least one of the following capabilities "
    "enabled: transfers, crypto_transfers, legacy_payments"
)
# Known codes get Stripe's status, type and wording; others a generic 400.
FAILURES: dict[str, tuple[int, str, str]] = {
    "balance_insufficient": (400, "invalid_request_error", INSUFFICIENT_FUNDS),
    "insufficient_capabilities_for_transfer": (
        400,
        "invalid_request_error",
        NO_TRANSFERS_CAPABILITY,
    ),
    "account_invalid": (
        400,
        "invalid_request_error",
        "The destination account is not valid for transfers.",
    ),
    "transfers_not_allowed": (
        400,
        "invalid_request_error",
        "The requested transfer cannot be created. Contact us at "
        "https://support.stripe.com/contact/ if you need assistance.",
    ),
    "rate_limit": (
        429,
        "invalid_request_error",
        "Too many requests hit the API too quickly. We recommend an exponential backoff of "
        "your requests.",
    ),
    "api_error": (500, "api_error", "An unknown error occurred while processing the request."),
}


def injected_failure(store: Store, destination: str) -> StripeError | None:
    """The first failure rule that matches ``destination``, used up once."""
    for rule in store.transfer_failures:
        if rule["destination"] not in (None, destination):
            continue
        if rule["remaining"] is not None:
            rule["remaining"] -= 1
            if rule["remaining"] <= 0:
                store.transfer_failures.remove(rule)
        status, error_type, message = FAILURES.get(
            rule["code"],
            (
                400,
                "invalid_request_error",
                f"Transfer refused by the Stripe emulator: {rule['code']}.",
            ),
        )
        code = None if rule["code"] == "api_error" else rule["code"]
        return StripeError(
            rule.get("status") or status,
            rule.get("message") or message,
            type=rule.get("type") or error_type,
            code=code,
        )
    return None


@endpoint("POST", "/transfers", "TransferCreateParams")
def create_transfer(call: Call) -> dict[str, Any]:
    params = call.params
    p.reject(params, CREATE_FIELDS, "POST /v1/transfers")
    amount = p.integer(params, "amount", minimum=1)
    if amount is None:
        raise parameter_missing("amount")
    currency = p.currency(params)
    if params.get("source_type", "card") != "card":
        raise invalid_request("The Stripe emulator holds only a card balance.", param="source_type")
    destination = call.store.get("account", params["destination"])
    if destination is None:
        raise missing_reference("destination", str(params["destination"]), param="destination")
    failure = injected_failure(call.store, destination["id"])
    if failure is not None:
        raise failure
    if destination["capabilities"].get("transfers") != "active":
        raise invalid_request(
            NO_TRANSFERS_CAPABILITY, code="insufficient_capabilities_for_transfer"
        )
    if movements.available(call.store, currency) < amount:
        raise invalid_request(INSUFFICIENT_FUNDS, code="balance_insufficient")
    transfer_id = call.store.new_id("transfer")
    transfer = call.store.add(
        {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": movements.book(
                call.store,
                type="transfer",
                amount=-amount,
                currency=currency,
                source=transfer_id,
                description=p.string(params, "description"),
            ),
            "created": now(),
            "currency": currency,
            "description": p.string(params, "description"),
            "destination": destination["id"],
            "destination_payment": f"py_{random_token()}",
            "livemode": False,
            "metadata": p.updated_metadata({}, params),
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": None,
            "source_type": "card",
            "transfer_group": p.string(params, "transfer_group"),
        }
    )
    call.emit("transfer.created", transfer)
    return public(transfer)


@endpoint("GET", "/transfers/<transfer_id>", "TransferRetrieveParams")
def retrieve_transfer(call: Call, transfer_id: str) -> dict[str, Any]:
    transfer = call.store.get("transfer", transfer_id)
    if transfer is None:
        raise resource_missing("transfer", transfer_id, param="transfer")
    return public(transfer)


@endpoint("GET", "/transfers", "TransferListParams")
def list_transfers(call: Call) -> dict[str, Any]:
    destination = call.params.get("destination")
    group = call.params.get("transfer_group")
    return page(
        call,
        "transfer",
        "/v1/transfers",
        lambda t: (
            (destination is None or t["destination"] == destination)
            and (group is None or t["transfer_group"] == group)
        ),
    )
