"""Stripe's test cards (https://docs.stripe.com/testing) and the ``pm_card_…``
test payment methods Stripe accepts server-side, with the outcome each one has.

Only test cards are accepted, as in Stripe's test mode: any other valid card
number is declined with ``test_mode_live_card``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from marketplace.sandbox.stripe_emulator.errors import card_error, invalid_request

SUCCEED = "succeed"
DECLINE = "decline"
AUTHENTICATE = "authenticate"


@dataclass(frozen=True)
class CardProfile:
    number: str
    brand: str = "visa"
    country: str = "US"
    funding: str = "credit"
    outcome: str = SUCCEED
    code: str | None = None  # the error code of a decline
    decline_code: str | None = None
    message: str | None = None


DECLINED = "Your card was declined."
INCORRECT_CVC = "Your card's security code is incorrect."
PROCESSING_ERROR = "An error occurred while processing your card. Try again in a little bit."

CARDS: dict[str, CardProfile] = {
    card.number: card
    for card in (
        CardProfile("4242424242424242"),
        CardProfile("4000056655665556", funding="debit"),
        CardProfile("5555555555554444", brand="mastercard"),
        CardProfile("378282246310005", brand="amex"),
        CardProfile("4000002760000016", country="DE"),
        CardProfile("4000000000000077"),  # "bypass pending": lands in the available balance
        CardProfile("4000000000000002", outcome=DECLINE, code="card_declined",
                    decline_code="generic_decline", message=DECLINED),
        CardProfile("4000000000009995", outcome=DECLINE, code="card_declined",
                    decline_code="insufficient_funds", message="Your card has insufficient funds."),
        CardProfile("4000000000009987", outcome=DECLINE, code="card_declined",
                    decline_code="lost_card", message=DECLINED),
        CardProfile("4000000000009979", outcome=DECLINE, code="card_declined",
                    decline_code="stolen_card", message=DECLINED),
        CardProfile("4000000000000069", outcome=DECLINE, code="expired_card",
                    decline_code="expired_card", message="Your card has expired."),
        CardProfile("4000000000000127", outcome=DECLINE, code="incorrect_cvc",
                    decline_code="incorrect_cvc", message=INCORRECT_CVC),
        CardProfile("4000000000000119", outcome=DECLINE, code="processing_error",
                    decline_code="processing_error", message=PROCESSING_ERROR),
        CardProfile("4000002500003155", outcome=AUTHENTICATE),
        CardProfile("4000002760003184", outcome=AUTHENTICATE, country="DE"),
        CardProfile("4000000000003063", outcome=AUTHENTICATE),
        CardProfile("4000000000003220", outcome=AUTHENTICATE),
    )
}  # fmt: skip

# Test payment methods usable as ``payment_method=pm_card_visa`` with a secret key.
TEST_PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_de": "4000002760000016",
    "pm_card_bypassPending": "4000000000000077",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecureRequired": "4000000000003063",
    "pm_card_threeDSecure2Required": "4000000000003220",
}

LIVE_CARD = CardProfile(
    "",
    outcome=DECLINE,
    code="card_declined",
    decline_code="test_mode_live_card",
    message="Your card was declined. Your request was in test mode, but used a non test "
    "(live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
)


def card_for(number: str) -> CardProfile:
    return CARDS.get(number) or LIVE_CARD


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if re.match(r"^(5[1-5]|2[2-7])", number):
        return "mastercard"
    return "unknown"


def fingerprint(number: str) -> str:
    # Stable per card number, like Stripe's, without revealing the number.
    return hashlib.sha256(f"stripe-emulator:{number}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CardInput:
    number: str
    exp_month: int
    exp_year: int
    cvc: str | None


def parse_card(raw: object, *, param: str = "card") -> CardInput:
    """Validate raw card details as Stripe does when Stripe.js creates a
    PaymentMethod; the errors are 402 card errors, as on Stripe."""
    if not isinstance(raw, dict):
        raise invalid_request("Invalid object", param=param)
    number = re.sub(r"[\s-]", "", str(raw.get("number") or ""))
    if not number:
        raise invalid_request(
            f"Missing required param: {param}[number].", code="parameter_missing",
            param=f"{param}[number]", saved=False,
        )  # fmt: skip
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_valid(number):
        raise card_error(
            "Your card number is incorrect.", code="incorrect_number", param=f"{param}[number]"
        )
    month = _small_int(raw.get("exp_month"))
    if month is None or not 1 <= month <= 12:
        raise card_error(
            "Your card's expiration month is invalid.",
            code="invalid_expiry_month",
            param=f"{param}[exp_month]",
        )
    year = _small_int(raw.get("exp_year"))
    if year is not None and year < 100:
        year += 2000
    today = datetime.now(UTC)
    if year is None or (year, month) < (today.year, today.month) or year > today.year + 50:
        raise card_error(
            "Your card's expiration year is invalid.",
            code="invalid_expiry_year",
            param=f"{param}[exp_year]",
        )
    cvc = raw.get("cvc")
    if cvc is not None and not re.fullmatch(r"\d{3,4}", str(cvc)):
        raise card_error(
            "Your card's security code is invalid.", code="invalid_cvc", param=f"{param}[cvc]"
        )
    return CardInput(number, month, year, str(cvc) if cvc is not None else None)


def token_card(token: str) -> CardInput | None:
    number = TEST_PAYMENT_METHODS.get(token)
    if number is None:
        return None
    return CardInput(number, 12, datetime.now(UTC).year + 3, "123")


def card_details(card: CardInput) -> dict[str, object]:
    """The ``card`` hash of a PaymentMethod (shape of stripe.PaymentMethod.Card)."""
    known = CARDS.get(card.number)
    brand = known.brand if known else brand_of(card.number)
    return {
        "brand": brand,
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "unchecked" if card.cvc else None,
        },
        "country": known.country if known else "US",
        "display_brand": brand,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "fingerprint": fingerprint(card.number),
        "funding": known.funding if known else "credit",
        "generated_from": None,
        "last4": card.number[-4:],
        "networks": {"available": [brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }


def _small_int(raw: object) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    return int(text) if text.isdigit() and len(text) <= 4 else None
