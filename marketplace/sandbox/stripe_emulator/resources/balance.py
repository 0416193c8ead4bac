"""The platform balance, balance transactions and events."""

from __future__ import annotations

from typing import Any

from marketplace.sandbox.stripe_emulator import movements
from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import resource_missing, validation_error
from marketplace.sandbox.stripe_emulator.lists import page
from marketplace.sandbox.stripe_emulator.store import public


@endpoint("GET", "/balance", "BalanceRetrieveParams")
def retrieve_balance(call: Call) -> dict[str, Any]:
    return movements.balance_object(call.store)


@endpoint("GET", "/balance_transactions/<txn_id>", "BalanceTransactionRetrieveParams")
def retrieve_balance_transaction(call: Call, txn_id: str) -> dict[str, Any]:
    txn = call.store.get("balance_transaction", txn_id)
    if txn is None:
        raise resource_missing("balance transaction", txn_id)
    return public(txn)


@endpoint("GET", "/balance_transactions", "BalanceTransactionListParams")
def list_balance_transactions(call: Call) -> dict[str, Any]:
    p.reject(call.params, frozenset({"type", "source", "currency", "limit", "starting_after",
                                     "ending_before", "created"}),
             "GET /v1/balance_transactions")  # fmt: skip
    wanted = {name: call.params.get(name) for name in ("type", "source", "currency")}
    return page(
        call,
        "balance_transaction",
        "/v1/balance_transactions",
        lambda txn: all(value is None or txn[name] == value for name, value in wanted.items()),
    )


# --- events ----------------------------------------------------------------


def _type_matcher(pattern: str):
    # Stripe allows one trailing wildcard segment: "payment_intent.*".
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return lambda event_type: event_type.startswith(prefix)
    return lambda event_type: event_type == pattern


@endpoint("GET", "/events/<event_id>", "EventRetrieveParams")
def retrieve_event(call: Call, event_id: str) -> dict[str, Any]:
    event = call.store.get("event", event_id)
    if event is None:
        raise resource_missing("event", event_id)
    return public(event)


@endpoint("GET", "/events", "EventListParams")
def list_events(call: Call) -> dict[str, Any]:
    params = call.params
    if "type" in params and "types" in params:
        raise validation_error("You may only specify one of type or types.", param="types")
    patterns = params.get("types") or ([params["type"]] if "type" in params else [])
    if isinstance(patterns, str):
        patterns = [patterns]
    matchers = [_type_matcher(pattern) for pattern in patterns]
    delivered = params.get("delivery_success")
    success = None if delivered is None else p.boolean(params, "delivery_success")

    def matches(event: dict[str, Any]) -> bool:
        if matchers and not any(match(event["type"]) for match in matchers):
            return False
        if success is None:
            return True
        record = call.store.deliveries.get(event["id"])
        return (record is not None and record["state"] == "succeeded") == success

    return page(call, "event", "/v1/events", matches)
