"""PaymentIntents (create, retrieve, update, list, confirm, cancel).

Statuses: requires_payment_method → (requires_confirmation) → requires_action
→ succeeded, or → canceled; a decline or failed authentication goes back to
requires_payment_method with ``last_payment_error``. Stripe.js may retrieve and
confirm with a publishable key together with the intent's ``client_secret``.
"""

from __future__ import annotations

from typing import Any

from marketplace.sandbox.stripe_emulator import charging, movements
from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import (
    invalid_request,
    missing_reference,
    parameter_missing,
    resource_missing,
    unexpected_state,
    validation_error,
)
from marketplace.sandbox.stripe_emulator.lists import page
from marketplace.sandbox.stripe_emulator.resources.customers import (
    payment_method_from_data,
    resolve_payment_method,
)
from marketplace.sandbox.stripe_emulator.store import now, public, random_token

MINIMUM_AMOUNTS = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50}
MAXIMUM_AMOUNT = 99_999_999
STORED_FIELDS = (
    "description",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "transfer_group",
)
CONFIRM_FIELDS = frozenset(
    {"payment_method", "payment_method_data", "return_url", "off_session",
     "error_on_requires_action", "receipt_email", "setup_future_usage", "shipping",
     "use_stripe_sdk", "client_secret"}
)  # fmt: skip
CREATE_FIELDS = CONFIRM_FIELDS - {"client_secret"} | {
    "amount", "currency", "customer", "description", "metadata", "allowed_payment_method_types",
    "automatic_payment_methods", "confirm", "statement_descriptor", "statement_descriptor_suffix",
    "transfer_group", "capture_method", "confirmation_method",
}  # fmt: skip
UPDATE_FIELDS = frozenset(
    {"amount", "currency", "customer", "description", "metadata", "payment_method",
     "receipt_email", "shipping", "statement_descriptor", "statement_descriptor_suffix",
     "setup_future_usage", "transfer_group"}
)  # fmt: skip
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
AMOUNT_CHANGEABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
RETURN_URL_REQUIRED = (
    "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. "
    "Because some of these payment methods might redirect your customer off of your page, you "
    "must provide a `return_url`. If you don't want to accept redirect-based payment methods, "
    "set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
    "Payment Intents."
)


def _amount(params: dict[str, Any], currency: str) -> int:
    amount = p.integer(params, "amount")
    if amount is None:
        raise parameter_missing("amount")
    minimum = MINIMUM_AMOUNTS.get(currency, 1)
    if amount < minimum:
        raise invalid_request(
            f"Amount must be at least {movements.money(minimum, currency)} {currency}",
            code="amount_too_small",
            param="amount",
            saved=False,
        )
    if amount > MAXIMUM_AMOUNT:
        raise invalid_request(
            f"Amount must be no more than {movements.money(MAXIMUM_AMOUNT, currency)}",
            code="amount_too_large",
            param="amount",
            saved=False,
        )
    return amount


def _customer_id(call: Call) -> str | None:
    customer = p.string(call.params, "customer")
    if customer is not None and call.store.get("customer", customer) is None:
        raise missing_reference("customer", customer, param="customer")
    return customer


def _payment_methods(params: dict[str, Any]) -> tuple[list[str] | None, dict[str, Any] | None]:
    """(allowed_payment_method_types, automatic_payment_methods) as the intent shows them.
    Recent API versions name the list ``allowed_payment_method_types`` (the
    response's ``payment_method_types`` is what Stripe derived from it)."""
    types = params.get("allowed_payment_method_types")
    automatic = p.mapping(params, "automatic_payment_methods")
    if types is not None and automatic is not None:
        raise invalid_request(
            "You may only specify one of these parameters: allowed_payment_method_types, "
            "automatic_payment_methods.",
            param="automatic_payment_methods",
            saved=False,
        )
    if types is not None:
        if types != ["card"]:
            raise invalid_request(
                "The Stripe emulator supports only allowed_payment_method_types[]=card.",
                param="allowed_payment_method_types",
                saved=False,
            )
        return ["card"], None
    # Without a list, Stripe enables automatic payment methods by default.
    automatic = automatic or {"enabled": "true"}
    return None, {
        "allow_redirects": automatic.get("allow_redirects", "always"),
        "enabled": p.boolean(automatic, "enabled", default=True),
    }


def _apply_stored_fields(intent: dict[str, Any], params: dict[str, Any]) -> None:
    for name in STORED_FIELDS:
        if name in params:
            intent[name] = p.string(params, name)
    if "shipping" in params:
        intent["shipping"] = p.mapping(params, "shipping")
    intent["metadata"] = p.updated_metadata(intent["metadata"], params)


@endpoint("POST", "/payment_intents", "PaymentIntentCreateParams")
def create_payment_intent(call: Call) -> dict[str, Any]:
    params = call.params
    p.reject(params, CREATE_FIELDS, "POST /v1/payment_intents")
    currency = p.currency(params)
    amount = _amount(params, currency)
    if params.get("capture_method", "automatic") not in ("automatic", "automatic_async"):
        raise invalid_request(
            "The Stripe emulator supports only automatic capture.", param="capture_method"
        )
    allowed_types, automatic = _payment_methods(params)
    intent_id = call.store.new_id("payment_intent")
    intent: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "allowed_payment_method_types": allowed_types,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": automatic,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_{random_token(25)}",
        "confirmation_method": params.get("confirmation_method", "automatic"),
        "created": now(),
        "currency": currency,
        "customer": _customer_id(call),
        "description": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    _apply_stored_fields(intent, params)
    call.store.add(intent)
    if p.boolean(params, "confirm"):
        _confirm(call, intent)
    elif "payment_method" in params or "payment_method_data" in params:
        _attach_payment_method(call, intent)
    return public(intent)


def _intent(call: Call, intent_id: str) -> dict[str, Any]:
    intent = call.store.get("payment_intent", intent_id)
    if intent is None:
        raise resource_missing("payment_intent", intent_id, param="intent")
    if call.publishable:
        # Stripe.js proves it may see this intent with the client secret.
        secret = call.params.get("client_secret")
        if secret is None:
            raise parameter_missing("client_secret")
        if secret != intent["client_secret"]:
            raise invalid_request(
                "The client_secret provided does not match the client_secret associated with "
                "the PaymentIntent.",
                param="client_secret",
                saved=False,
            )
    return intent


@endpoint("GET", "/payment_intents/<intent_id>", "PaymentIntentRetrieveParams", publishable=True)
def retrieve_payment_intent(call: Call, intent_id: str) -> dict[str, Any]:
    return public(_intent(call, intent_id))


@endpoint("POST", "/payment_intents/<intent_id>", "PaymentIntentUpdateParams")
def update_payment_intent(call: Call, intent_id: str) -> dict[str, Any]:
    intent = _intent(call, intent_id)
    params = call.params
    p.reject(params, UPDATE_FIELDS, "POST /v1/payment_intents/:id")
    if ("amount" in params or "currency" in params) and intent["status"] not in AMOUNT_CHANGEABLE:
        raise unexpected_state(
            "This PaymentIntent's amount could not be updated because it has a status of "
            f"{intent['status']}. You may only update the amount of a PaymentIntent with one of "
            "the following statuses: " + ", ".join(AMOUNT_CHANGEABLE) + "."
        )
    if "currency" in params:
        intent["currency"] = p.currency(params)
    if "amount" in params:
        intent["amount"] = _amount(params, intent["currency"])
    if "customer" in params:
        intent["customer"] = _customer_id(call)
    _apply_stored_fields(intent, params)
    if "payment_method" in params:
        _attach_payment_method(call, intent)
    return public(intent)


@endpoint("GET", "/payment_intents", "PaymentIntentListParams")
def list_payment_intents(call: Call) -> dict[str, Any]:
    customer = call.params.get("customer")
    if "customer_account" in call.params:
        raise invalid_request(
            "The Stripe emulator has no customer accounts.", param="customer_account"
        )
    return page(
        call,
        "payment_intent",
        "/v1/payment_intents",
        lambda intent: customer is None or intent["customer"] == customer,
        noun="payment_intent",
    )


def _attach_payment_method(call: Call, intent: dict[str, Any]) -> dict[str, Any] | None:
    if "payment_method_data" in call.params:
        method = payment_method_from_data(
            call, call.params["payment_method_data"], "payment_method_data"
        )
    elif p.string(call.params, "payment_method"):
        method = resolve_payment_method(call, call.params["payment_method"])
    else:
        return None
    if intent["status"] in ("requires_payment_method", "requires_confirmation"):
        intent["payment_method"] = method["id"]
        intent["status"] = "requires_confirmation"
    return method


def _confirm(call: Call, intent: dict[str, Any]) -> None:
    status = intent["status"]
    if status == "succeeded":
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it has already succeeded after "
            "being previously confirmed."
        )
    if status not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot confirm this PaymentIntent because it has a status of {status}. Only "
            "a PaymentIntent with one of the following statuses may be confirmed: "
            "requires_confirmation, requires_action, requires_payment_method."
        )
    method = _attach_payment_method(call, intent) or call.store.get(
        "payment_method", intent["payment_method"]
    )
    if method is None:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You "
            "can either update the PaymentIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method or ConfirmationToken."
        )
    return_url = p.string(call.params, "return_url")
    automatic = intent["automatic_payment_methods"] or {}
    if (
        not call.publishable
        and automatic.get("enabled")
        and automatic.get("allow_redirects") != "never"
        and return_url is None
    ):
        raise invalid_request(RETURN_URL_REQUIRED)
    for name in ("receipt_email", "setup_future_usage"):
        if name in call.params:
            intent[name] = p.string(call.params, name)
    if "shipping" in call.params:
        intent["shipping"] = p.mapping(call.params, "shipping")
    charging.attempt(
        call.store,
        call.emit,
        intent,
        method,
        base_url=call.base_url,
        return_url=return_url,
        off_session=call.params.get("off_session") not in (None, "false"),
        error_on_requires_action=p.boolean(call.params, "error_on_requires_action"),
    )


@endpoint(
    "POST",
    "/payment_intents/<intent_id>/confirm",
    "PaymentIntentConfirmParams",
    publishable=True,
    extra=("client_secret",),
)
def confirm_payment_intent(call: Call, intent_id: str) -> dict[str, Any]:
    intent = _intent(call, intent_id)
    p.reject(call.params, CONFIRM_FIELDS, "POST /v1/payment_intents/:id/confirm")
    _confirm(call, intent)
    return public(intent)


@endpoint("POST", "/payment_intents/<intent_id>/cancel", "PaymentIntentCancelParams")
def cancel_payment_intent(call: Call, intent_id: str) -> dict[str, Any]:
    intent = _intent(call, intent_id)
    if intent["status"] not in CANCELABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            "be canceled: " + ", ".join(CANCELABLE) + "."
        )
    reason = call.params.get("cancellation_reason")
    if reason is not None and reason not in CANCELLATION_REASONS:
        raise validation_error(
            "Invalid cancellation_reason: must be one of " + ", ".join(CANCELLATION_REASONS),
            param="cancellation_reason",
        )
    for token in [
        t for t, v in call.store.three_d_secure.items() if v["payment_intent"] == intent["id"]
    ]:
        del call.store.three_d_secure[token]
    intent.update(
        status="canceled", canceled_at=now(), cancellation_reason=reason, next_action=None
    )
    call.emit("payment_intent.canceled", intent)
    return public(intent)
