"""From applying to being hired, through two people's browsers: a job seeker
applies to a gig, accepts the company's rules, fails the quiz, is told when the
retake opens, passes it once that time has come (the clock travels; nobody
sleeps), and the company finds the applicant ready for review and hires them —
after adding the money for the first work by card (the hire is refused until then;
the add-funds form comes prefilled and leads back to the applicant once Stripe's
webhook has credited the payment).
The seeker is emailed at every step and finds the gig under "My work"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale, format_datetime
from playwright.sync_api import Page, expect

from marketplace.db import utcnow
from tests.factories import (
    CompanyFactory,
    PublishedGigFactory,
    UserFactory,
    company_member,
    make_onboarding,
)

pytestmark = pytest.mark.e2e

COMPANY = "Speichenwerk GmbH"
TITLE = "Answer customer emails for our bicycle repair shop"
SEEKER = "Jonas Keller"
RETRY_DELAY = timedelta(minutes=30)
RULES = (
    "## How we answer\n\n"
    "- Greet every customer by name.\n"
    "- **Never promise a refund**: the workshop decides.\n"
)

# (question, kind, {option: correct}); the seeker answers from what they read.
QUESTIONS = (
    (
        "A repair takes longer than promised. What do you write first?",
        "single",
        {"An apology and the new date": True, "A refund offer": False, "Nothing": False},
    ),
    (
        "Which belong in every answer?",
        "multiple",
        {"The customer's name": True, "The order number": True, "Your phone number": False},
    ),
    (
        "A customer asks for their money back. You…",
        "single",
        {"pass it to the workshop": True, "promise the refund": False},
    ),
)


@dataclass(frozen=True)
class Cast:
    member_email: str
    seeker_email: str
    start: datetime


@pytest.fixture
def cast(app, travel) -> Cast:
    # The clock stands still (for the live server's thread too) until the test moves it.
    start = utcnow().replace(second=0, microsecond=0)
    travel(start)
    with app.app_context():
        company = CompanyFactory(name=COMPANY)
        member = company_member(company)
        gig = PublishedGigFactory(company=company, title=TITLE, languages=["en"])
        make_onboarding(
            gig,
            rules=RULES,
            questions=[(text, kind, tuple(options.items())) for text, kind, options in QUESTIONS],
            pass_mark_percent=60,
            max_attempts=3,
            retry_delay_minutes=int(RETRY_DELAY.total_seconds() // 60),
            time_limit_minutes=20,
        )
        seeker = UserFactory(display_name=SEEKER)
        return Cast(member.email, seeker.email, start)


# 10 emails at €0.80 (the gig's first work) + 15 % fee, and nothing in the balance.
UNFUNDED = (
    "To hire, your balance must cover the first 10 emails at €0.80 (€9.20 with the fee), "
    "and it lacks €9.20. Please add €9.20 to your balance, then hire."
)


@pytest.fixture
def webhooks_to_live_server(stripe_emulator, live_server):
    """The emulator signs every event and POSTs it to the live server, as Stripe would."""
    stripe_emulator.control.configure(webhook_url=f"{live_server.url}/stripe/webhook")
    yield
    stripe_emulator.control.reset()  # nothing may reach the server after the test
    stripe_emulator.control.deliver()


def pay_first_work(company: Page) -> None:
    """From the applicant's page: the prefilled add-funds form, the card, and back."""
    company.get_by_role("link", name="Add €9.20 to the balance").click()
    expect(company).to_have_url(re.compile(r"/company/balance\?amount=920&next=.+#add-funds$"))
    expect(company.get_by_label("Amount in euros")).to_have_value("9.20")
    company.get_by_role("button", name="Continue to card payment").click()
    card = company.locator("#card-element")
    card.get_by_label("Card number").fill("4242 4242 4242 4242")
    card.get_by_label("Expiry date (MM / YY)").fill("12 / 34")
    card.get_by_label("Security code (CVC)").fill("123")
    company.get_by_role("button", name="Pay €9.20").click()
    # The done page waits for Stripe's webhook, then leads back to the applicant.
    company.wait_for_url(re.compile(r"/company/applications/\d+$"), timeout=20_000)


def subject(message) -> str:
    # Python folds a long subject onto a continuation line and, reading it back,
    # keeps that line's leading space; mail programs drop it.
    return message["Subject"].strip()


def shown_time(app, when: datetime) -> str:
    """``when`` as the app shows it to an English-speaking user (short date and time)."""
    with app.app_context(), force_locale("en"):
        return format_datetime(when, "short")


def apply(page: Page) -> None:
    page.get_by_role("link", name="Find gigs").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()
    page.get_by_role("link", name="Apply for this gig").click()

    expect(page.get_by_role("heading", name=f"Apply to “{TITLE}”")).to_be_visible()
    page.get_by_label("A short note to the company").fill("Ten years of repairing bikes.")
    page.get_by_label("Hours per week you can work").fill("12")
    page.get_by_role("checkbox", name="English", exact=True).check()
    page.get_by_role("button", name="Send application").click()

    expect(page.get_by_text("Your application is in. Here is what comes next.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()
    expect(page.get_by_text("Read the company's rules and confirm")).to_be_visible()


def accept_rules(page: Page) -> None:
    page.get_by_role("link", name="Read the rules").click()
    expect(page.get_by_role("heading", name=f"Rules and guidelines of {COMPANY}")).to_be_visible()
    expect(page.get_by_role("heading", name="How we answer")).to_be_visible()  # Markdown
    expect(page.locator("strong", has_text="Never promise a refund")).to_be_visible()
    page.get_by_role("button", name="I accept the rules").click()
    expect(page.get_by_text("Please confirm that you have read the rules.")).to_be_visible()

    page.get_by_role("checkbox", name="I have read these rules and will follow them.").check()
    page.get_by_role("button", name="I accept the rules").click()
    expect(page.get_by_text("Thank you. The rules are acknowledged.")).to_be_visible()
    expect(
        page.get_by_text("Pass the company's quiz: 3 questions, pass mark 60 %.")
    ).to_be_visible()
    expect(page.get_by_text("You have 3 attempts left.")).to_be_visible()


def take_quiz(page: Page, number: int, *, right: bool) -> None:
    """Start attempt ``number`` and answer every question rightly or wrongly."""
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", name=f"Quiz, attempt {number}")).to_be_visible()
    for text, kind, options in QUESTIONS:
        question = page.get_by_role("group", name=text)
        role = "radio" if kind == "single" else "checkbox"
        for option, correct in options.items():
            if correct == right:
                question.get_by_role(role, name=option, exact=True).check()
                if kind == "single":
                    break
    page.get_by_role("button", name="Send answers").click()


def test_seeker_fails_the_quiz_passes_the_retake_and_is_hired(
    app, new_page, log_in, live_server, smtp_sink, travel, cast: Cast, webhooks_to_live_server
):
    seeker = new_page()
    log_in(seeker, cast.seeker_email)
    apply(seeker)
    assert subject(smtp_sink.last_to(cast.seeker_email)) == f"Application received: {TITLE}"
    assert subject(smtp_sink.last_to(cast.member_email)) == f"New application: {TITLE}"
    accept_rules(seeker)

    # First attempt: every answer wrong. No right answers are shown, only when to retry.
    take_quiz(seeker, 1, right=False)
    retake = shown_time(app, cast.start + RETRY_DELAY)
    result = seeker.locator(".result")
    expect(
        result.get_by_text(re.compile(r"^\s*0 %\s+·\s+Not passed \(pass mark: 60 %\)"))
    ).to_be_visible()
    what_next = seeker.get_by_role("region", name="What comes next")
    expect(what_next).to_contain_text(f"Your next attempt opens on {retake}.")
    expect(what_next).to_contain_text("That is in 30 minutes.")
    expect(result.get_by_text("Wrong", exact=True)).to_have_count(len(QUESTIONS))
    expect(result).not_to_contain_text("An apology and the new date")  # no answers shown
    email = smtp_sink.last_to(cast.seeker_email)
    assert subject(email) == f"Quiz not passed: {TITLE}"
    assert f"You can try again from {retake}." in email.get_content()

    seeker.get_by_role("link", name=f"← {TITLE}").click()
    expect(seeker.get_by_text(f"Your next attempt opens on {retake}.")).to_be_visible()
    expect(seeker.get_by_text("You have 2 attempts left.")).to_be_visible()
    expect(seeker.get_by_role("button", name="Start the quiz")).to_have_count(0)

    # One minute past the waiting time the retake opens, and every answer is right.
    travel(cast.start + RETRY_DELAY + timedelta(minutes=1))
    seeker.reload()
    expect(seeker.get_by_text(f"Your next attempt opens on {retake}.")).to_have_count(0)
    expect(seeker.get_by_text("You have 2 attempts left.")).to_be_visible()
    take_quiz(seeker, 2, right=True)
    expect(seeker.get_by_text(re.compile(r"^\s*100 %\s+·\s+Passed. Well done!"))).to_be_visible()
    assert subject(smtp_sink.last_to(cast.seeker_email)) == f"Quiz passed: {TITLE}"
    assert subject(smtp_sink.last_to(cast.member_email)) == f"Ready for your review: {SEEKER}"
    seeker.get_by_role("link", name=f"← {TITLE}").click()
    expect(seeker.get_by_text("You are done. The company will review")).to_be_visible()

    # The company finds the applicant ready for review and hires them.
    company = new_page()
    log_in(company, cast.member_email)
    company.get_by_role("link", name="Our gigs").click()
    company.get_by_role("link", name=TITLE).click()
    company.get_by_role("link", name="Applicants").click()
    expect(company.get_by_role("heading", name="Applicants")).to_be_visible()
    row = company.get_by_role("row").filter(has_text=SEEKER)
    expect(row).to_contain_text("Passed, ready for review")
    expect(row).to_contain_text("100 %")
    company.get_by_role("link", name="Passed, ready for review (1)").click()
    expect(company.get_by_role("row").filter(has_text=SEEKER)).to_have_count(1)
    company.get_by_role("link", name=SEEKER).click()

    expect(company.get_by_role("heading", name=SEEKER)).to_be_visible()
    expect(company.get_by_text("Ten years of repairing bikes.")).to_be_visible()
    expect(company.get_by_role("heading", name="Quiz attempt 1: 0 % · not passed")).to_be_visible()
    expect(company.get_by_role("heading", name="Quiz attempt 2: 100 % · passed")).to_be_visible()
    # Nobody is hired into unpaid work: the company adds money first and comes back.
    company.get_by_role("button", name=f"Hire {SEEKER}").click()
    expect(company.get_by_text(UNFUNDED).first).to_be_visible()
    pay_first_work(company)
    expect(company.get_by_role("heading", name=SEEKER)).to_be_visible()
    expect(company.get_by_text("Payment of €9.20 received and credited")).to_be_visible()
    company.get_by_role("button", name=f"Hire {SEEKER}").click()
    expect(company.get_by_text(f"{SEEKER} is hired.")).to_be_visible()
    expect(company.locator(".status").first).to_have_text("Hired")
    expect(company.get_by_role("button", name=f"Hire {SEEKER}")).to_have_count(0)

    # The seeker is told, and the gig is now their work.
    email = smtp_sink.last_to(cast.seeker_email)
    assert subject(email) == f"You are hired: {TITLE}"
    assert f"{COMPANY} hired you for “{TITLE}” at €0.80 per answered email" in email.get_content()
    seeker.goto(live_server.link_in(email))
    expect(
        seeker.get_by_text("You are hired! Your work is listed under “My work”.")
    ).to_be_visible()
    seeker.get_by_role("link", name="My applications", exact=True).click()
    expect(seeker).to_have_url(re.compile(r"/applications$"))
    expect(seeker.get_by_role("heading", name="My work")).to_be_visible()
    work = seeker.get_by_role("table").first.get_by_role("row").filter(has_text=TITLE)
    expect(work).to_contain_text(COMPANY)
    expect(work).to_contain_text("€0.80 per answered email")
    expect(work).to_contain_text("Active")
    expect(seeker.get_by_role("row").filter(has_text=TITLE).last).to_contain_text("Hired")
