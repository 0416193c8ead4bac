"""Connect: Express accounts (create, retrieve) and account links whose URL
opens the emulator's local onboarding page. An account starts with
charges/payouts disabled, its requested capabilities inactive and
``requirements.currently_due`` filled; completing onboarding on the local page
(:func:`complete_onboarding`) enables it and emits ``account.updated``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.api import Call, endpoint
from marketplace.sandbox.stripe_emulator.errors import (
    invalid_request,
    missing_reference,
    not_emulated,
    parameter_missing,
    parameter_unknown,
    resource_missing,
    validation_error,
)
from marketplace.sandbox.stripe_emulator.store import Store, now, public, random_token

ACCOUNT_LINK_LIFETIME_SECONDS = 300  # Stripe's links expire after a few minutes
CREATE_FIELDS = frozenset(
    {"type", "country", "email", "capabilities", "metadata", "business_type",
     "business_profile", "default_currency"}
)  # fmt: skip
BUSINESS_TYPES = ("company", "government_entity", "individual", "non_profit")
DEFAULT_CURRENCIES = {"DE": "eur", "AT": "eur", "FR": "eur", "NL": "eur", "US": "usd",
                      "GB": "gbp", "CH": "chf"}  # fmt: skip
# What Stripe asks an Express account in Germany for before it is enabled.
ONBOARDING_REQUIREMENTS = [
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "individual.address.city",
    "individual.address.line1",
    "individual.address.postal_code",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.email",
    "individual.first_name",
    "individual.last_name",
    "individual.phone",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
BUSINESS_PROFILE_KEYS = (
    "mcc", "name", "product_description", "support_address", "support_email",
    "support_phone", "support_url", "url",
)  # fmt: skip


def _requirements(due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


def _capabilities(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise validation_error("Invalid object", param="capabilities")
    known = p.nested_names("AccountCreateParamsCapabilities")
    requested = {}
    for name, value in raw.items():
        if name not in known:
            raise parameter_unknown(f"capabilities[{name}]")
        if not isinstance(value, dict) or set(value) - {"requested"}:
            raise validation_error("Invalid object", param=f"capabilities[{name}]")
        if p.boolean(value, "requested"):
            requested[name] = "inactive"
    return requested


def _business_profile(raw: Any) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    known = p.nested_names("AccountCreateParamsBusinessProfile")
    for key in raw:
        if key not in known:
            raise parameter_unknown(f"business_profile[{key}]")
        if key not in BUSINESS_PROFILE_KEYS:
            raise not_emulated(f"business_profile[{key}]", "POST /v1/accounts")
    return {key: raw.get(key) or None for key in BUSINESS_PROFILE_KEYS}


@endpoint("POST", "/accounts", "AccountCreateParams")
def create_account(call: Call) -> dict[str, Any]:
    params = call.params
    p.reject(params, CREATE_FIELDS, "POST /v1/accounts")
    if "type" not in params:
        raise parameter_missing("type")
    if params["type"] != "express":
        raise invalid_request(
            "The Stripe emulator supports only Express accounts (type=express).", param="type"
        )
    country = (p.string(params, "country") or "DE").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise validation_error(f"Invalid country: {country}", param="country")
    business_type = p.string(params, "business_type")
    if business_type is not None and business_type not in BUSINESS_TYPES:
        raise validation_error(f"Invalid business_type: {business_type}", param="business_type")
    account_id = call.store.new_id("account")
    account = {
        "id": account_id,
        "object": "account",
        "business_profile": _business_profile(params.get("business_profile")),
        "business_type": business_type,
        "capabilities": _capabilities(params.get("capabilities")),
        "charges_enabled": False,
        "controller": {
            "fees": {"payer": "application"},
            "is_controller": True,
            "losses": {"payments": "application"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
            "type": "application",
        },
        "country": country,
        "created": now(),
        "default_currency": (p.string(params, "default_currency") or "").lower()
        or DEFAULT_CURRENCIES.get(country, "eur"),
        "details_submitted": False,
        "email": p.string(params, "email"),
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": _requirements([]),
        "metadata": p.updated_metadata({}, params),
        "payouts_enabled": False,
        "requirements": _requirements(ONBOARDING_REQUIREMENTS),
        "settings": {
            "dashboard": {"display_name": None, "timezone": "Europe/Berlin"},
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 7, "interval": "daily"},
                "statement_descriptor": None,
            },
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": "express",
    }
    return public(call.store.add(account))


@endpoint("GET", "/accounts/<account_id>", "AccountRetrieveParams")
def retrieve_account(call: Call, account_id: str) -> dict[str, Any]:
    account = call.store.get("account", account_id)
    if account is None:
        raise resource_missing("account", account_id, param="account")
    return public(account)


def complete_onboarding(store: Store, emit: Callable[..., Any], account: dict[str, Any]) -> None:
    """What the worker finishing Stripe's hosted onboarding amounts to."""
    if account["details_submitted"] and account["payouts_enabled"]:
        return
    previous = {
        "capabilities": dict(account["capabilities"]),
        "charges_enabled": account["charges_enabled"],
        "details_submitted": account["details_submitted"],
        "payouts_enabled": account["payouts_enabled"],
        "requirements": {
            key: account["requirements"][key]
            for key in ("currently_due", "disabled_reason", "eventually_due", "past_due")
        },
        "tos_acceptance": {"date": None, "ip": None},
    }
    account.update(
        charges_enabled=True,
        details_submitted=True,
        payouts_enabled=True,
        requirements=_requirements([]),
        capabilities=dict.fromkeys(account["capabilities"], "active"),
        tos_acceptance={"date": now(), "ip": "127.0.0.1", "user_agent": "Stripe emulator"},
    )
    emit("account.updated", account, previous_attributes=previous)


# --- account links ---------------------------------------------------------


def _url(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise parameter_missing(name)
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise validation_error("Not a valid URL", param=name, code="url_invalid")
    return str(value)


@endpoint("POST", "/account_links", "AccountLinkCreateParams")
def create_account_link(call: Call) -> dict[str, Any]:
    params = call.params
    p.reject(params, frozenset({"account", "refresh_url", "return_url", "type"}),
             "POST /v1/account_links")  # fmt: skip
    if params["type"] != "account_onboarding":
        raise invalid_request(
            "The Stripe emulator supports only account links of type account_onboarding.",
            param="type",
        )
    refresh_url, return_url = _url(params, "refresh_url"), _url(params, "return_url")
    account = call.store.get("account", params["account"])
    if account is None:
        raise missing_reference("account", str(params["account"]), param="account")
    created = now()
    token = random_token(32)
    call.store.account_links[token] = {
        "account": account["id"],
        "refresh_url": refresh_url,
        "return_url": return_url,
        "expires_at": created + ACCOUNT_LINK_LIFETIME_SECONDS,
        "used": False,
    }
    return {
        "object": "account_link",
        "created": created,
        "expires_at": created + ACCOUNT_LINK_LIFETIME_SECONDS,
        "url": f"{call.base_url}/setup/e/{account['id']}/{token}",
    }
