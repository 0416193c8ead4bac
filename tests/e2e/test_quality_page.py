"""The company's "Review a sample" page passes axe-core and fits a phone, in English
and German, with decisions of every kind on it (an open overturn form too)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.moderation.item_models import DecisionAction, EscalationCategory
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.moderation.company_helpers import decided, hire_moderator, make_community
from tests.payments.helpers import funded

pytestmark = pytest.mark.e2e


def _seed() -> tuple[str, str]:
    community = make_community()
    owner = community.company.memberships[0].user
    funded(community.company, 10_000)
    mia = hire_moderator(community, name="Mia Moderator")
    warn = decided(community, mia, DecisionAction.WARN, rule_number=1,
                   text="Du bist ein Idiot, und das sage ich allen hier im Kanal.",
                   message="Anna, bitte bleiben Sie respektvoll.")  # fmt: skip
    warn.item.context = [{"author": "Ben", "text": "Was meinst du?", "posted_at": "2026-12-06"}]
    warn.item.image_urls = ["https://example.test/a.png"]
    decided(community, mia, DecisionAction.APPROVE)
    decided(community, mia, DecisionAction.ESCALATE, category=EscalationCategory.THREAT,
            internal_note="Droht einem anderen Nutzer.", author_id="u-5")  # fmt: skip
    db.session.commit()
    return f"/company/communities/{community.id}/quality", owner.email


def test_the_sample_page_passes_axe_and_fits_a_phone(app, new_page: Callable[..., Page], log_in):
    with app.app_context():
        url, email = _seed()
    page = new_page()
    install_axe(page.context)
    log_in(page, email)
    findings: list[str] = []
    for language in ("en", "de"):
        if language == "de":
            page.set_viewport_size(DESKTOP)
            page.goto(url)
            page.locator(".lang-switch button[value=de]").click()
            expect(page.locator("html")).to_have_attribute("lang", "de")
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            page.locator("details summary").last.click()  # an overturn form open
            findings += [f"{language} {name}: {line}" for line in audit(page)]
    assert not findings, "\n".join(findings)
