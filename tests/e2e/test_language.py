"""Pages follow the browser's language (Accept-Language); a choice made with the
language switch is remembered."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import Page, expect

import marketplace

pytestmark = pytest.mark.e2e

HEADLINE = "Side gigs in customer communication"
FIND_GIGS = "Find gigs"
CATALOGS = Path(marketplace.__file__).resolve().parent / "translations"


def german(message: str) -> str:
    """``message`` as the compiled German catalog has it (itself if not translated)."""
    return Translations.load(str(CATALOGS), ["de"], domain="messages").gettext(message)


def test_start_page_is_german_for_a_german_browser(new_page: Callable[..., Page]):
    assert german(HEADLINE) != HEADLINE, "compile the German catalog first: make translations"
    page = new_page(locale="de-DE")
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(german(HEADLINE))
    expect(page.get_by_role("link", name=german(FIND_GIGS), exact=True)).to_be_visible()
    expect(page.get_by_text(HEADLINE, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Deutsch")).to_have_attribute("aria-current", "true")


def test_language_switch_is_remembered(new_page: Callable[..., Page]):
    page = new_page(locale="de-DE")
    page.goto("/gigs")
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_role("button", name="English", exact=True).click()

    # Back on the same page, now in English.
    expect(page).to_have_url(re.compile(r"/gigs\??$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name=FIND_GIGS, exact=True)).to_be_visible()

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINE)

    page.get_by_role("button", name="Deutsch", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "de")
