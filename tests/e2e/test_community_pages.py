"""The company's community pages pass axe-core and fit a phone, in English and
German, with a month of moderation on them (the demo has no community yet, so the
every-page crawl does not reach them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import controls
from marketplace.moderation.item_models import DecisionAction, DecisionStatus, EscalationCategory
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.moderation.company_helpers import decided, hire_moderator, item, make_community
from tests.payments.helpers import funded

pytestmark = pytest.mark.e2e

PAGES = ("", "/netiquette", "/netiquette/{rule}", "/ladder", "/words", "/settings",
         "/audit", "/escalations", "/proposals", "/items/{item}/control", "/controls",
         "/dashboard")  # fmt: skip


def _seed() -> tuple[str, dict[str, int], str]:
    community = make_community()
    owner = community.company.memberships[0].user
    funded(community.company, 10_000)
    mia = hire_moderator(community, name="Mia Moderator")
    warn = decided(community, mia, DecisionAction.WARN, rule_number=1,
                   text="Du bist ein Idiot, und das sage ich allen hier im Kanal.")  # fmt: skip
    decided(community, mia, DecisionAction.REMOVE, rule_number=2)
    decided(community, mia, DecisionAction.MUTE, rule_number=1)
    decided(community, mia, DecisionAction.ESCALATE, category=EscalationCategory.THREAT,
            internal_note="Droht einem anderen Nutzer.", author_id="u-5")  # fmt: skip
    decided(community, mia, DecisionAction.BAN, rule_number=1, status=DecisionStatus.PROPOSED,
            respond_by=utcnow() + timedelta(hours=48), pay=False)  # fmt: skip
    controls.mark_control(warn.item, expected_action=DecisionAction.WARN,
                          expected_rule=warn.rule, by=owner)  # fmt: skip
    item(community)
    db.session.commit()
    ids = {"rule": warn.rule_id, "item": warn.item_id}
    return f"/company/communities/{community.id}", ids, owner.email


def test_community_pages_pass_axe_and_fit_a_phone(app, new_page: Callable[..., Page], log_in):
    with app.app_context():
        base, ids, email = _seed()
    page = new_page()
    install_axe(page.context)
    log_in(page, email)
    findings: list[str] = []
    for language in ("en", "de"):
        if language == "de":
            page.set_viewport_size(DESKTOP)
            page.goto(base)
            page.locator(".lang-switch button[value=de]").click()
            expect(page.locator("html")).to_have_attribute("lang", "de")
        for path in PAGES:
            url = base + path.format(**ids)
            for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                response = page.goto(url)
                assert response is not None and response.status == 200, url
                findings += [f"{language} {name} {url}: {line}" for line in audit(page)]
    assert not findings, "\n".join(findings)
