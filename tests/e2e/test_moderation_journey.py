"""Moderation work end to end, through the browsers of the people involved, against
the live server and the bundled sandbox community served over HTTP:

three community users post in the sandbox (an insult in the chat, a spam message,
a question to the moderation team) and the sandbox sends each to the community
API. The hired moderator (with consent for the mature community) presses "Next
item" three times: warns the insult's author with the rule's warning, edited
before sending; removes the spam under the spam rule; answers the question. The
decisions go back to the sandbox as signed webhooks, and its pages show the three
effects: the warning to its author, a placeholder where the spam was, the answer
from "the moderation team". The company finds the three decisions in the
community's audit log and the three paid items in its review of the work.

Every moderator and company page on the way passes axe-core and fits a phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.gigs.models import GigKind, PayModel
from marketplace.moderation import connections
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import CommunityKind
from marketplace.onboarding import applications, hiring
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.sandbox.community import CommunityServer
from marketplace.work import delivery
from marketplace.work.models import OutgoingEvent
from tests.e2e.conftest import LiveServer
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.factories import (
    CompanyFactory,
    MatureSeekerFactory,
    MatureTagFactory,
    PublishedGigFactory,
    company_member,
)
from tests.payments.helpers import funded

pytestmark = pytest.mark.e2e

COMPANY = "Plauderei Nord GmbH"
COMMUNITY = "Abendplausch"
MODERATOR = "Mia Moderator"
RATE_CENTS = 30  # per moderated item

INSULT = "Chris, you are an idiot and nobody wants you here."
SPAM = "Cheap watches!!! Buy three, pay one, only today at watch-deals.example"
QUESTION = "Am I allowed to post links to my own shop here?"
ANSWER = "Only in the #market channel, once a week. Thank you for asking first!"
ADDED = " Please keep it friendly, Chris asked a fair question."

RESPECT = "1. Be respectful"
NO_SPAM = "2. No spam or advertising"


@dataclass(frozen=True)
class Cast:
    owner_email: str
    moderator_email: str
    moderator_id: int
    community_id: int


@pytest.fixture
def sandbox(live_server: LiveServer) -> Iterator[CommunityServer]:
    """The sandbox community on its own port, posting to the live server; its
    connection (community, token, signing secret) is filled in by ``cast``."""
    server = CommunityServer(port=0, quiet=True, api_url=live_server.url).start()
    yield server
    server.stop()


@pytest.fixture
def cast(app, sandbox: CommunityServer) -> Cast:
    """A funded company with a per-item chat moderation gig for a mature community,
    the community connected with its webhook at the sandbox, and a moderator who
    applied with consent for it and was hired (made through the services)."""
    with app.app_context():
        company = CompanyFactory(name=COMPANY)
        owner = company_member(company, display_name="Petra Lang")
        gig = PublishedGigFactory(
            company=company,
            created_by=owner,
            kind=GigKind.CHAT_MODERATION,
            pay_model=PayModel.PER_ITEM,
            rate_cents=RATE_CENTS,
            tags=[MatureTagFactory()],
            communities=[(COMMUNITY, "Adults 18+", "The evening chat and its forum")],
        )
        funded(company, 10_000)
        moderator = MatureSeekerFactory(display_name=MODERATOR)
        application = applications.apply(
            gig, seeker=moderator, note="I moderate chats in the evening.", hours_per_week=10,
            languages=["de", "en"], consent=applications.consent_fingerprint(gig),
        )  # fmt: skip
        hiring.hire(application, by=owner)
        community, token = connections.connect(
            gig.communities[0], kind=CommunityKind.CHAT, webhook_url=f"{sandbox.url}/webhook",
            default_language="en", by=owner,
        )  # fmt: skip
        db.session.commit()
        assert community.is_mature
        found = Cast(owner.email, moderator.email, moderator.id, community.id)
        secret = community.webhook_secret
    config = sandbox.community.config
    config.community_id, config.token, config.webhook_secret = found.community_id, token, secret
    return found


class Audits:
    """axe-core and the 390 px check of each page visited, at desktop and phone size."""

    def __init__(self) -> None:
        self.findings: list[str] = []

    def __call__(self, page: Page) -> None:
        where = page.url.split("/", 3)[3]
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            self.findings += [f"/{where} ({name}): {line}" for line in audit(page)]
        page.set_viewport_size(DESKTOP)


def menu(page: Page, name: str):
    return page.get_by_role("banner").get_by_role("link", name=name, exact=True)


# --- the community's users, in the sandbox -------------------------------------------


def sandbox_user(new_page, sandbox: CommunityServer, name: str, path: str) -> Page:
    """A community user on a sandbox page, posting under ``name`` (in English)."""
    page = new_page()
    page.goto(sandbox.url + path)
    page.get_by_label("Post as").fill(name)
    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Use this name").click()
    expect(page.get_by_label(re.compile(rf"\(as {name}\)"))).to_be_visible()
    return page


def post_in_chat(page: Page, name: str, text: str) -> None:
    page.get_by_label(f"Message (as {name})").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_text("Posted.", exact=True)).to_be_visible()
    message = page.locator(".messages > li").filter(has_text=text)
    expect(message).to_be_visible()
    expect(message).not_to_contain_text("not sent to Nebendesk")


def ask(page: Page, name: str, text: str) -> None:
    page.get_by_label(f"Your question (as {name})").fill(text)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.get_by_text("Sent to the moderation team.", exact=True)).to_be_visible()
    question = page.locator(".messages > li").filter(has_text=text)
    expect(question).to_contain_text("No answer yet.")
    expect(question).not_to_contain_text("not sent to Nebendesk")


# --- the moderator -------------------------------------------------------------------


def next_item(moderator: Page, audits: Audits) -> str:
    """Press "Next item"; returns the item's text as the moderator sees it."""
    moderator.get_by_role("button", name="Next item").click()
    expect(moderator.locator("h1")).to_have_text(f"Item from {COMMUNITY}")
    audits(moderator)
    return moderator.locator("#item .item-text").inner_text().strip()


def back_on_the_dashboard(moderator: Page, flash: str, audits: Audits) -> None:
    expect(moderator.get_by_role("heading", name="Moderation", exact=True)).to_be_visible()
    expect(moderator.get_by_text(flash)).to_be_visible()
    audits(moderator)


def warn(moderator: Page, audits: Audits) -> str:
    """Warn with rule 1's warning, edited; returns the text sent."""
    form = moderator.locator("#action-warn")
    form.get_by_label("Rule broken").select_option(label=RESPECT)
    text = form.get_by_label("Message to the user (in their language)")
    expect(text).to_have_value(re.compile(rf"^Hello Ben, your post breaks rule {RESPECT} "))
    sent = text.input_value() + ADDED
    text.fill(sent)
    form.get_by_role("button", name="Send warning").click()
    back_on_the_dashboard(moderator, "The warning is on its way to the author.", audits)
    return sent


def remove(moderator: Page, audits: Audits) -> None:
    form = moderator.locator("#action-remove")
    form.get_by_label("Rule broken").select_option(label=NO_SPAM)
    form.get_by_role("button", name="Remove").click()
    back_on_the_dashboard(moderator, "Removed; the author is told which rule was broken.", audits)


def answer(moderator: Page, audits: Audits) -> None:
    form = moderator.locator("#action-answer")
    form.get_by_label("Message to the user (in their language)").fill(ANSWER)
    form.get_by_role("button", name="Send answer").click()
    back_on_the_dashboard(moderator, "Your answer is on its way.", audits)


def moderate_the_three_items(moderator: Page, audits: Audits) -> str:
    """Take the next item three times and act on each as it deserves (in the order
    the queue hands them out); returns the warning sent."""
    menu(moderator, "Moderation").click()
    expect(moderator.get_by_role("heading", name="Moderation", exact=True)).to_be_visible()
    audits(moderator)
    done: dict[str, str] = {}
    for _ in range(3):
        text = next_item(moderator, audits)
        if text == INSULT:
            done["warn"] = warn(moderator, audits)
        elif text == SPAM:
            remove(moderator, audits)
            done["remove"] = text
        elif text == QUESTION:
            answer(moderator, audits)
            done["answer"] = text
        else:
            pytest.fail(f"an unexpected item: {text!r}")
    assert sorted(done) == ["answer", "remove", "warn"]
    # Nothing is left.
    moderator.get_by_role("button", name="Next item").click()
    expect(moderator.get_by_text("No item is waiting right now.")).to_be_visible()
    return done["warn"]


# --- the company ---------------------------------------------------------------------


def company_sees_the_decisions(owner: Page, audits: Audits) -> None:
    menu(owner, "Communities").click()
    expect(owner.get_by_role("heading", name="Communities", exact=True)).to_be_visible()
    audits(owner)
    owner.get_by_role("link", name=COMMUNITY, exact=True).click()
    expect(owner.locator("h1")).to_have_text(f"Community “{COMMUNITY}”")
    audits(owner)
    owner.get_by_role("navigation", name="Community pages").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(owner.locator("h1")).to_have_text(f"Audit log of “{COMMUNITY}”")
    audits(owner)
    rows = owner.locator("table[data-table=audit] tbody tr")
    expect(rows).to_have_count(3)
    for action, rule, text in (
        ("Warned", RESPECT, INSULT),
        ("Removed", NO_SPAM, SPAM),
        ("Answered", "–", QUESTION),
    ):
        row = rows.filter(has_text=text)
        expect(row).to_have_count(1)
        expect(row.locator("td[data-label=Who]")).to_have_text(MODERATOR)
        expect(row.locator("td[data-label=Action]")).to_have_text(action)
        expect(row.locator("td[data-label=Rule]")).to_have_text(rule)
        expect(row.locator("td[data-label=Status]")).to_have_text("In force")


def company_sees_the_units(owner: Page, audits: Audits) -> None:
    menu(owner, "Review work").click()
    expect(owner.get_by_role("heading", name="Review work", exact=True)).to_be_visible()
    expect(owner.get_by_role("link", name="Waiting for review (3)")).to_be_visible()
    audits(owner)
    rows = owner.locator("table tbody tr[id^=unit-]").filter(
        has_text=f"moderated item · {COMMUNITY}"
    )
    expect(rows).to_have_count(3)
    for number in range(3):
        row = rows.nth(number)
        expect(row.locator("td[data-label=Worker]")).to_have_text(MODERATOR)
        # One moderated item, named with its community (the note does not repeat it),
        # the decided item to read inline, one set of amounts: pay + fee = total.
        work = row.locator("td[data-label=Work]")
        expect(work).to_contain_text(f"moderated item · {COMMUNITY}")
        expect(work.locator("summary")).to_have_text("See the decided item")
        expect(work).to_contain_text("€0.30 per item")
        expect(row.locator("td[data-label='Worker pay']")).to_have_text("€0.30")
        expect(row.locator("td[data-label=Fee]")).to_have_text("€0.05")
        expect(row.locator("td[data-label=Total]")).to_have_text("€0.35")


# --- the journey ---------------------------------------------------------------------


def test_moderator_warns_removes_and_answers_the_community_and_company_see_it(
    app, new_page, log_in, sandbox: CommunityServer, cast: Cast
):
    audits = Audits()

    # Three community users post in the sandbox; each post reaches the community API.
    ben = sandbox_user(new_page, sandbox, "Ben", "/chat/lobby")
    post_in_chat(ben, "Ben", INSULT)
    sam = sandbox_user(new_page, sandbox, "Sam", "/chat/lobby")
    post_in_chat(sam, "Sam", SPAM)
    chris = sandbox_user(new_page, sandbox, "Chris", "/moderation")
    ask(chris, "Chris", QUESTION)
    with app.app_context():
        items = db.session.scalars(sa.select(ModerationItem).order_by(ModerationItem.id)).all()
        assert [(i.community_id, i.text, i.status) for i in items] == [
            (cast.community_id, INSULT, ItemStatus.WAITING),
            (cast.community_id, SPAM, ItemStatus.WAITING),
            (cast.community_id, QUESTION, ItemStatus.WAITING),
        ]

    moderator = new_page()
    install_axe(moderator.context)
    log_in(moderator, cast.moderator_email)
    warning = moderate_the_three_items(moderator, audits)

    # Each decision's webhook left after its commit; whatever is still due goes now,
    # as the delivery job (`flask moderation deliver`) would send it.
    with app.app_context():
        delivery.deliver_due()
        events = db.session.scalars(
            sa.select(OutgoingEvent).where(OutgoingEvent.community_id == cast.community_id)
        ).all()
        assert len(events) == 3 and all(e.delivered_at for e in events), [
            (e.type, e.attempts, e.last_error) for e in events
        ]
    assert len(sandbox.community.store.decisions) == 3

    # The sandbox shows the effects: Ben reads his warning under his message and on the
    # moderation team's page; the spam is gone for everyone; Chris has the team's answer.
    ben.goto(sandbox.url + "/chat/lobby")
    insult = ben.locator(".messages > li").filter(has_text=INSULT)
    expect(insult.locator(".notice.error")).to_have_text(
        f"Warning from the moderation team: {warning}"
    )
    ben.get_by_role("link", name=re.compile(r"^Moderation team \(1 notice\)$")).click()
    notice = ben.locator(".box[id^=decision-]")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Warning")
    expect(notice).to_contain_text("rule 1")
    expect(notice).to_contain_text(warning)
    expect(notice).not_to_contain_text(MODERATOR)

    sam.goto(sandbox.url + "/chat/lobby")
    expect(sam.get_by_text("Removed by the moderation team.")).to_be_visible()
    expect(sam.locator("main")).not_to_contain_text("watch-deals")
    sam.get_by_role("link", name="Moderation team (1 notice)").click()
    removal = sam.locator(".box[id^=decision-]")
    expect(removal).to_contain_text("Your content was removed")
    expect(removal).to_contain_text("rule 2")

    chris.goto(sandbox.url + "/chat/lobby")
    expect(chris.locator(".messages > li").filter(has_text=INSULT)).not_to_contain_text(
        "Warning from the moderation team"
    )  # only its author sees the warning
    expect(chris.get_by_text("Removed by the moderation team.")).to_be_visible()
    expect(chris.locator("main")).not_to_contain_text("watch-deals")
    chris.goto(sandbox.url + "/moderation")
    question = chris.locator(".messages > li").filter(has_text=QUESTION)
    expect(question.locator(".notice.team")).to_have_text(f"The moderation team: {ANSWER}")
    expect(chris.locator("main")).not_to_contain_text(MODERATOR)

    # The company sees who decided what, and the three items to review and pay.
    owner = new_page()
    install_axe(owner.context)
    log_in(owner, cast.owner_email)
    company_sees_the_decisions(owner, audits)
    company_sees_the_units(owner, audits)

    assert not audits.findings, "\n".join(audits.findings)
    with app.app_context():
        decisions = db.session.scalars(sa.select(Decision).order_by(Decision.id)).all()
        assert sorted((d.action, d.status) for d in decisions) == sorted(
            [
                (DecisionAction.WARN, DecisionStatus.EFFECTIVE),
                (DecisionAction.REMOVE, DecisionStatus.EFFECTIVE),
                (DecisionAction.ANSWER, DecisionStatus.EFFECTIVE),
            ]
        )
        work = db.session.scalars(sa.select(WorkUnit)).all()
        assert sorted(u.source for u in work) == sorted(
            f"moderation-item:{d.item_id}" for d in decisions
        )
        assert {(u.worker_id, u.kind, u.amount_cents, u.status) for u in work} == {
            (cast.moderator_id, UnitKind.ITEM, RATE_CENTS, UnitStatus.PENDING)
        }
