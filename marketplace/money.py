"""Money: integer cents in, integer cents out; parsing and formatting for people.

Amounts are never floats. People type "0,80" (German) or "0.80" (English);
both mean 80 cents. Anything that is not plainly an amount of euros with at
most two decimals is refused with a message saying what to type instead.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency
from flask_babel import get_locale
from flask_babel import gettext as _

# ASCII digits only: int() would happily read "١٢" or full-width "１２".
_AMOUNT = re.compile(r"^(?P<sign>-)?(?P<units>\d{1,9})(?:[.,](?P<fraction>\d{1,2}))?$", re.ASCII)
_THREE_DECIMALS = re.compile(r"^-?\d+[.,]\d{3,}$", re.ASCII)


class AmountError(ValueError):
    """The text is not an amount we accept. ``str(error)`` is the user's message."""


def parse_amount(text: str) -> int:
    """Parse a euro amount typed by a person into cents.

    >>> parse_amount("0,80"), parse_amount("0.80"), parse_amount("12")
    (80, 80, 1200)
    """
    cleaned = (text or "").strip().replace("€", "").replace("EUR", "").replace(" ", "")
    if not cleaned:
        raise AmountError(_("Please enter an amount, for example 0,80."))
    if _THREE_DECIMALS.match(cleaned):
        raise AmountError(_("Please use at most two decimal places, for example 0,80 or 12,50."))
    match = _AMOUNT.match(cleaned)
    if not match:
        raise AmountError(_("This is not an amount in euros. Please type it like 0,80 or 0.80."))
    if match["sign"]:
        raise AmountError(_("The amount cannot be negative."))
    fraction = (match["fraction"] or "").ljust(2, "0")
    return int(match["units"]) * 100 + int(fraction or "0")


def cents_to_input(cents: int) -> str:
    """Cents as a plain decimal for a form field ("0.80"), the inverse of parse_amount."""
    return f"{cents // 100}.{cents % 100:02d}"


def format_money(cents: int | None, currency: str = "EUR") -> str:
    """Cents formatted for the current locale: "0,80 €" in German, "€0.80" in English."""
    if cents is None:
        return ""
    return _formatted(cents, currency, str(get_locale() or "en"))


@lru_cache(maxsize=8192)
def _formatted(cents: int, currency: str, locale: str) -> str:
    # Babel parses the locale's currency pattern on every call; a listing
    # shows few distinct amounts, so remember the finished strings.
    return format_currency(Decimal(cents).scaleb(-2), currency, locale=locale)
