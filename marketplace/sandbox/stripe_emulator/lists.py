"""Stripe's list objects: newest first, ``limit`` (1–100, default 10),
``starting_after`` / ``ending_before`` cursors and ``created`` filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.errors import (
    invalid_request,
    parameter_unknown,
    validation_error,
)
from marketplace.sandbox.stripe_emulator.store import public

if TYPE_CHECKING:
    from marketplace.sandbox.stripe_emulator.api import Call


def page(
    call: Call,
    kind: str,
    url: str,
    matches: Callable[[dict[str, Any]], bool] = lambda obj: True,
    noun: str | None = None,
) -> dict[str, Any]:
    """A Stripe list object, newest first, with ``limit`` (1–100, default 10),
    ``starting_after``, ``ending_before`` and ``created`` filters."""
    params = call.params
    limit = p.integer(params, "limit", default=10, minimum=1, maximum=100)
    assert limit is not None
    created = created_filter(params.get("created"))
    items = [obj for obj in call.store.newest_first(kind) if created(obj) and matches(obj)]
    ids = [obj["id"] for obj in items]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after is not None:
        cursor = _cursor(call, kind, after, "starting_after", noun)
        items = items[ids.index(cursor) + 1 :] if cursor in ids else []
    elif before is not None:
        cursor = _cursor(call, kind, before, "ending_before", noun)
        items = items[: ids.index(cursor)] if cursor in ids else []
        items = items[-limit:] if len(items) > limit else items
        return {"object": "list", "data": [public(o) for o in items], "has_more": False, "url": url}
    return {
        "object": "list",
        "data": [public(obj) for obj in items[:limit]],
        "has_more": len(items) > limit,
        "url": url,
    }


def _cursor(call: Call, kind: str, value: Any, param: str, noun: str | None) -> str:
    if not isinstance(value, str) or call.store.get(kind, value) is None:
        raise invalid_request(
            f"No such {noun or kind}: '{value}'", code="resource_missing", param=param
        )
    return value


def created_filter(raw: Any) -> Callable[[dict[str, Any]], bool]:
    if raw is None:
        return lambda obj: True
    if isinstance(raw, str):
        exact = p.integer({"created": raw}, "created")
        return lambda obj: obj["created"] == exact
    if not isinstance(raw, dict):
        raise validation_error("Invalid created filter", param="created")
    bounds = {op: p.integer(raw, op) for op in ("gt", "gte", "lt", "lte") if op in raw}
    unknown = set(raw) - set(bounds)
    if unknown:
        raise parameter_unknown(f"created[{sorted(unknown)[0]}]")
    checks = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return lambda obj: all(checks[op](obj["created"], bound) for op, bound in bounds.items())
