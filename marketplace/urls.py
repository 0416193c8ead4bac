"""Building links: absolute ones for emails, and safe ``next`` targets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

# Every id column is a 32-bit integer (PostgreSQL's integer; SQLite takes 64 bits).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number from 1 to MAX_ID. Anything else
    cannot be a row, so the URL does not match (404) before any view, token check or
    query runs, instead of overflowing the database's integer (a 500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str | None, default: int | None = None) -> int | None:
    """A number from the query string or a form that is used as an id or page:
    ``default`` when it is missing, not a number, or outside 1..MAX_ID."""
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return default
    return number if number is not None and 1 <= number <= MAX_ID else default


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link on PUBLIC_BASE_URL, never on the request's Host header
    (which a client chooses), and usable from CLI commands and jobs too."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["PUBLIC_BASE_URL"] + adapter.build(endpoint, values)


def safe_next(target: str | None, fallback: str) -> str:
    """Only local paths are followed after login; anything else goes to ``fallback``."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target
