"""Customers (create, retrieve, update, list) and PaymentMethods (create — as
Stripe.js does with a publishable key — and retrieve)."""

from __future__ import annotations

import re
from typing import Any

from marketplace.sandbox.stripe_emulator import cards
from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import (
    invalid_request,
    missing_reference,
    parameter_missing,
    parameter_unknown,
    resource_missing,
    validation_error,
)
from marketplace.sandbox.stripe_emulator.lists import page
from marketplace.sandbox.stripe_emulator.store import now, public, random_token

CUSTOMER_FIELDS = frozenset(
    {
        "email",
        "name",
        "description",
        "phone",
        "metadata",
        "address",
        "preferred_locales",
        "shipping",
    }
)
ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")
RAW_CARD_REFUSED = (
    "Sending credit card numbers directly to the Stripe API is generally unsafe. To continue "
    "processing use Stripe.js, the Stripe mobile bindings, or Stripe Elements. For more "
    "information, see https://dashboard.stripe.com/account/integration/settings. If you are "
    "qualified to handle card data directly, see "
    "https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis."
)


def address(raw: Any, param: str) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise validation_error("Invalid object", param=param)
    for key in raw:
        if key not in ADDRESS_KEYS:
            raise parameter_unknown(f"{param}[{key}]")
    return {key: raw.get(key) or None for key in ADDRESS_KEYS}


def _email(params: dict[str, Any]) -> str | None:
    email = p.string(params, "email")
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise validation_error(
            f"Invalid email address: {email}", param="email", code="email_invalid"
        )
    return email


def _apply_customer_fields(customer: dict[str, Any], params: dict[str, Any]) -> None:
    for name in ("name", "description", "phone"):
        if name in params:
            customer[name] = p.string(params, name)
    if "email" in params:
        customer["email"] = _email(params)
    if "address" in params:
        customer["address"] = address(params["address"], "address")
    if "shipping" in params:
        customer["shipping"] = p.mapping(params, "shipping")
    if "preferred_locales" in params:
        locales = params["preferred_locales"]
        customer["preferred_locales"] = locales if isinstance(locales, list) else []
    customer["metadata"] = p.updated_metadata(customer["metadata"], params)


@endpoint("POST", "/customers", "CustomerCreateParams")
def create_customer(call: Call) -> dict[str, Any]:
    p.reject(call.params, CUSTOMER_FIELDS, "POST /v1/customers")
    customer: dict[str, Any] = {
        "id": call.store.new_id("customer"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": random_token(8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    _apply_customer_fields(customer, call.params)
    return public(call.store.add(customer))


def _customer(call: Call, customer_id: str) -> dict[str, Any]:
    customer = call.store.get("customer", customer_id)
    if customer is None:
        raise resource_missing("customer", customer_id)
    return customer


@endpoint("GET", "/customers/<customer_id>", "CustomerRetrieveParams")
def retrieve_customer(call: Call, customer_id: str) -> dict[str, Any]:
    return public(_customer(call, customer_id))


@endpoint("POST", "/customers/<customer_id>", "CustomerUpdateParams")
def update_customer(call: Call, customer_id: str) -> dict[str, Any]:
    customer = _customer(call, customer_id)
    p.reject(call.params, CUSTOMER_FIELDS, "POST /v1/customers/:id")
    _apply_customer_fields(customer, call.params)
    return public(customer)


@endpoint("GET", "/customers", "CustomerListParams")
def list_customers(call: Call) -> dict[str, Any]:
    p.reject(call.params, frozenset({"email", "limit", "starting_after", "ending_before",
                                     "created"}), "GET /v1/customers")  # fmt: skip
    email = call.params.get("email")
    return page(call, "customer", "/v1/customers", lambda c: email is None or c["email"] == email)


# --- payment methods -------------------------------------------------------


def billing_details(raw: Any) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    for key in raw:
        if key not in ("address", "email", "name", "phone", "tax_id"):
            raise parameter_unknown(f"billing_details[{key}]")
    return {
        "address": address(raw.get("address"), "billing_details[address]")
        or dict.fromkeys(ADDRESS_KEYS),
        "email": raw.get("email") or None,
        "name": raw.get("name") or None,
        "phone": raw.get("phone") or None,
        "tax_id": raw.get("tax_id") or None,
    }


def new_card_payment_method(
    call: Call, card: cards.CardInput, details: Any = None, metadata: Any = None
) -> dict[str, Any]:
    method = {
        "id": call.store.new_id("payment_method"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing_details(details),
        "card": cards.card_details(card),
        "created": now(),
        "customer": None,
        "livemode": False,
        "metadata": p.updated_metadata({}, {"metadata": metadata}) if metadata else {},
        "type": "card",
        "_card_number": card.number,  # decides the test card's outcome; never sent
    }
    return call.store.add(method)


def payment_method_from_data(call: Call, data: Any, param: str) -> dict[str, Any]:
    """``payment_method_data[type]=card&payment_method_data[card][number]=…``."""
    if not isinstance(data, dict):
        raise validation_error("Invalid object", param=param)
    if data.get("type") != "card":
        raise invalid_request(
            "The Stripe emulator supports only card payment methods.", param=f"{param}[type]"
        )
    for key in data:
        if key not in ("type", "card", "billing_details", "metadata"):
            raise parameter_unknown(f"{param}[{key}]")
    _refuse_raw_card_with_secret_key(call)
    card = cards.parse_card(data.get("card"), param=f"{param}[card]")
    return new_card_payment_method(call, card, data.get("billing_details"), data.get("metadata"))


def _refuse_raw_card_with_secret_key(call: Call) -> None:
    # Stripe refuses raw card numbers from servers unless the account is PCI-enabled;
    # servers use pm_card_… test methods, browsers Stripe.js.
    if not call.publishable:
        raise invalid_request(RAW_CARD_REFUSED, param="card[number]")


def resolve_payment_method(call: Call, value: Any, param: str = "payment_method") -> dict[str, Any]:
    """A PaymentMethod by id, or a fresh one from a ``pm_card_…`` test method,
    as Stripe turns ``pm_card_visa`` into a new ``pm_…`` each time."""
    if isinstance(value, str):
        test_card = cards.token_card(value)
        if test_card is not None:
            return new_card_payment_method(call, test_card)
        method = call.store.get("payment_method", value)
        if method is not None:
            return method
    raise missing_reference("PaymentMethod", str(value), param=param)


@endpoint("POST", "/payment_methods", "PaymentMethodCreateParams", publishable=True)
def create_payment_method(call: Call) -> dict[str, Any]:
    params = call.params
    p.reject(params, frozenset({"type", "card", "billing_details", "metadata"}),
             "POST /v1/payment_methods")  # fmt: skip
    if "type" not in params:
        raise parameter_missing("type")
    if params["type"] != "card":
        raise invalid_request(
            "The Stripe emulator supports only card payment methods.", param="type"
        )
    if not isinstance(params.get("card"), dict):
        raise parameter_missing("card")
    _refuse_raw_card_with_secret_key(call)
    card = cards.parse_card(params["card"])
    method = new_card_payment_method(
        call, card, params.get("billing_details"), params.get("metadata")
    )
    return public(method)


@endpoint("GET", "/payment_methods/<method_id>", "PaymentMethodRetrieveParams")
def retrieve_payment_method(call: Call, method_id: str) -> dict[str, Any]:
    if cards.token_card(method_id) is not None:
        return public(resolve_payment_method(call, method_id))
    method = call.store.get("payment_method", method_id)
    if method is None:
        raise resource_missing("PaymentMethod", method_id, param="payment_method")
    return public(method)
