"""Building links: absolute ones for emails, and safe ``next`` targets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


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
