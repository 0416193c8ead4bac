"""Every page each demo account can reach passes axe-core and fits a phone.

For anonymous visitors and every account ``flask seed demo`` prints (its
``LOGINS``), the crawl (``tests/e2e/site_audit.py``) starts on the start page
and follows every link a person could click, so a page added to a menu later
is checked without touching this test. Each page is checked in English and in
German, at desktop width and at 390 px (a phone): any axe-core violation, of
any impact, and any page wider than its viewport fail the test, which lists
every finding with the pages it was found on. Pages only a POST reaches (the
worker's workbench, behind "Next email"; the demo moderator's item, behind
"Next item") get their own tests below.

The demo is seeded into the test database for each account (about 3 s); the
whole file makes some 1,100 checks of 0.4–0.7 s each: 7 to 13 minutes on the
shared 2-core machine, depending on its load. ``SITE_AUDIT_SHOTS=DIR`` keeps
a full-page phone screenshot of every page in DIR, to look at.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.seed.demo import seed_demo
from marketplace.seed.demo_data import DEMO_PASSWORD, LOGINS, MODERATOR_EMAIL, SEEKER_EMAIL
from tests.e2e.site_audit import DESKTOP, PHONE, Crawl, Visit, audit, install_axe

pytestmark = pytest.mark.e2e

ACCOUNTS = ["anonymous", *(email for email, _ in LOGINS)]
SIZES = (("desktop", DESKTOP), ("phone", PHONE))
SHOTS = os.environ.get("SITE_AUDIT_SHOTS")


def log_in(page: Page, email: str) -> None:
    """Log in through the form, whatever language the account has saved."""
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)


def switch_language(page: Page, code: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.locator(f".lang-switch button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


class Auditor:
    """Checks the loaded page at both sizes (starting with the size it has, so one
    load serves two checks) and collects the findings with where they were found."""

    def __init__(self, page: Page, account: str) -> None:
        self.page, self.account = page, account
        self.findings: dict[str, list[str]] = defaultdict(list)
        self.checks = 0

    def __call__(self, visit: Visit, language: str) -> None:
        current = [size for size in SIZES if size[1] == self.page.viewport_size]
        for name, viewport in current + [size for size in SIZES if size not in current]:
            if viewport != self.page.viewport_size:
                self.page.set_viewport_size(viewport)
            where = f"{language} {name:7} {visit.final}"
            for line in audit(self.page):
                self.findings[line].append(where)
            self.checks += 1
            if SHOTS and name == "phone":
                self._screenshot(visit, language)

    def _screenshot(self, visit: Visit, language: str) -> None:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", visit.final).strip("_") or "home"
        account = self.account.split("@")[0]
        path = Path(SHOTS) / f"{account}-{language}-{slug}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)

    def report(self) -> str:
        lines = []
        for finding, places in sorted(self.findings.items()):
            lines.append(finding)
            lines.extend(f"    on {place}" for place in places[:8])
            if len(places) > 8:
                lines.append(f"    … and {len(places) - 8} more pages")
        return "\n".join(lines)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_passes_axe_and_fits_a_phone(
    account: str, app, new_page: Callable[..., Page], live_server
):
    with app.app_context():
        seed_demo()
        db.session.commit()
    started = time.monotonic()
    page = new_page()
    install_axe(page.context)
    if account != "anonymous":
        log_in(page, account)
    page.goto("/")
    switch_language(page, "en")

    auditor = Auditor(page, account)
    crawl = Crawl(page, live_server.url)
    crawl.run("/", lambda visit: auditor(visit, "en"))
    switch_language(page, "de")
    for visit in crawl.visits:
        page.goto(visit.url)
        auditor(visit, "de")

    seconds = time.monotonic() - started
    print(
        f"\n{account}: {len(crawl.visits)} pages ({len(crawl.seen)} URLs), "
        f"{auditor.checks} checks in {seconds:.0f} s:\n  "
        + "\n  ".join(visit.final for visit in crawl.visits)
    )
    problems = crawl.problems + ([auditor.report()] if auditor.findings else [])
    assert not problems, f"{account}'s pages:\n" + "\n".join(problems)


def test_workbench_passes_and_its_answer_box_follows_the_heading_on_a_phone(
    app, new_page: Callable[..., Page]
):
    """The workbench is behind a POST ("Next email"), so the crawl cannot reach it."""
    with app.app_context():
        seed_demo()
        db.session.commit()
    page = new_page()
    install_axe(page.context)
    log_in(page, SEEKER_EMAIL)
    page.goto("/work/inbox")
    switch_language(page, "en")
    page.get_by_role("button", name="Next email").click()
    answer = page.locator("#answer textarea")
    expect(answer).to_be_visible()
    path = page.url.split("/", 3)[3]
    visit = Visit(url=f"/{path}", final=f"/{path}", status=200)

    auditor = Auditor(page, SEEKER_EMAIL)
    auditor(visit, "en")
    switch_language(page, "de")
    auditor(visit, "de")
    switch_language(page, "en")
    assert not auditor.findings, auditor.report()

    # On a phone the answer box comes right after its heading: the canned replies
    # are one line above it, not a list to scroll past.
    page.set_viewport_size(PHONE)
    heading = page.get_by_role("heading", name="Answer", exact=True).bounding_box()
    box = answer.bounding_box()
    assert box["y"] - (heading["y"] + heading["height"]) < 120, (heading, box)
    page.locator("#canned > summary").click()
    page.locator("#canned [data-insert-text]").first.click()
    expect(answer).not_to_have_value("")
    expect(answer).to_be_focused()
    expect(page.locator("#canned")).not_to_have_attribute("open", "")


def test_the_demo_moderators_next_item_passes_in_both_languages(app, new_page: Callable[..., Page]):
    """The demo moderator's first item (behind the "Next item" POST: the oldest
    urgent one, a word-list hit) passes axe-core and fits a phone in English and
    German."""
    with app.app_context():
        seed_demo()
        db.session.commit()
    page = new_page()
    install_axe(page.context)
    log_in(page, MODERATOR_EMAIL)
    page.goto("/work/moderation")
    switch_language(page, "en")
    page.get_by_role("button", name="Next item").click()
    expect(page.locator("h1")).to_contain_text("Item from")
    expect(page.locator("main")).to_contain_text("idiot")
    path = "/" + page.url.split("/", 3)[3]
    visit = Visit(url=path, final=path, status=200)

    auditor = Auditor(page, MODERATOR_EMAIL)
    auditor(visit, "en")
    switch_language(page, "de")
    auditor(visit, "de")
    switch_language(page, "en")
    assert not auditor.findings, auditor.report()
