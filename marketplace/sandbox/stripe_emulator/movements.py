"""Money moving through the platform's Stripe balance. Each movement is a
balance transaction (``txn_…``) and adjusts the running available balance, so
``GET /v1/balance`` is always succeeded charges − refunds − transfers + test
top-ups. There are no processing fees in the emulator (real Stripe deducts
them: see docs/STRIPE_EMULATOR.md), so ``fee`` is 0 and ``net`` = ``amount``.
"""

from __future__ import annotations

from typing import Any

from marketplace.sandbox.stripe_emulator.store import Store, now

SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}


def money(amount: int, currency: str) -> str:
    """€10.00, as Stripe writes amounts in error messages."""
    symbol = SYMBOLS.get(currency)
    text = f"{amount / 100:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def book(
    store: Store,
    *,
    type: str,
    amount: int,
    currency: str,
    source: str,
    description: str | None = None,
) -> str:
    """Record a movement (``amount`` signed: + in, − out); returns the txn id."""
    created = now()
    txn = store.add(
        {
            "id": store.new_id("balance_transaction"),
            "object": "balance_transaction",
            "amount": amount,
            "available_on": created,
            "balance_type": "payments",
            "created": created,
            "currency": currency,
            "description": description,
            "exchange_rate": None,
            "fee": 0,
            "fee_details": [],
            "net": amount,
            "reporting_category": type,
            "source": source,
            "status": "available",
            "type": type,
        }
    )
    store.balance[currency] = store.balance.get(currency, 0) + amount
    return txn["id"]


def available(store: Store, currency: str) -> int:
    return store.balance.get(currency, 0)


def balance_object(store: Store) -> dict[str, Any]:
    currencies = sorted(set(store.balance) | {"eur"})

    def funds(amounts: dict[str, int]) -> list[dict[str, Any]]:
        return [
            {
                "amount": amounts.get(currency, 0),
                "currency": currency,
                "source_types": {"card": amounts.get(currency, 0)},
            }
            for currency in currencies
        ]

    return {
        "object": "balance",
        "available": funds(store.balance),
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
        "pending": funds({}),
    }
