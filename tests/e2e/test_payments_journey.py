"""The money, through three people's browsers, against the live server and the
real Stripe emulator (its Stripe.js stand-in, its onboarding page, and its signed
webhooks, which it POSTs to the live server's /stripe/webhook):

a company owner (whose pages are German) adds funds by card; the done page says
the payment is received, and the balance stays unchanged until the emulator's
payment_intent.succeeded webhook has reached the server (the test holds the
webhook back, as a slow Stripe would). The hired worker connects a Stripe
account through the onboarding page; the company approves the worker's work;
an admin runs the payouts; the worker sees the money paid out, the company what
is left: funded − (pay + 15 % fee). A declined card says so and credits nothing.

Two regressions have their own tests: "Connect with Stripe" must work under the
page's Content-Security-Policy (browsers apply form-action to the redirect to
Stripe), and paying after a declined card must not show the old failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.support import Translations
from playwright.sync_api import Page, Route, expect

import marketplace
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments import units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import (
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    StripeEvent,
    UnitKind,
)
from tests.e2e.conftest import PASSWORD
from tests.factories import AdminFactory, CompanyFactory, UserFactory, company_member
from tests.payments.helpers import hired

pytestmark = pytest.mark.e2e

COMPANY = "Rösterei Bohnenglück GmbH"
WORKER = "Mira Hoffmann"
RATE_CENTS = 85  # per answered email
EMAILS = 7  # 7 × €0.85 = €5.95 for the worker, 15 % fee = €0.8925 → €0.89
FUNDS = "50,00"  # typed the German way

# What the pages must show, in each viewer's language (the owner reads German).
FUNDED_DE = "50,00 €"
ZERO_DE = "0,00 €"
PAY_DE, FEE_DE = "5,95 €", "0,89 €"
RESERVED_DE = "6,84 €"  # 5,95 + 0,89, while the work waits for review
LEFT_DE = "43,16 €"  # 50,00 − 6,84
PAY_EN, ZERO_EN = "€5.95", "€0.00"

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
CATALOGS = Path(marketplace.__file__).resolve().parent / "translations"


@cache
def _german() -> Translations:
    return Translations.load(str(CATALOGS), ["de"], domain="messages")


def de(message: str, context: str | None = None, **values: object) -> str:
    """``message`` as the German catalog has it (itself if not translated)."""
    text = _german().pgettext(context, message) if context else _german().gettext(message)
    return text % values if values else text


@dataclass(frozen=True)
class Cast:
    owner_email: str
    worker_email: str
    admin_email: str
    worker_id: int
    engagement_id: int


@pytest.fixture
def webhooks_to_live_server(stripe_emulator, live_server):
    """The emulator signs every event and POSTs it to the live server, as Stripe would."""
    url = f"{live_server.url}/stripe/webhook"
    stripe_emulator.control.configure(webhook_url=url)
    yield url
    # No event may reach the server after the test (its tables are emptied next):
    # forget the undelivered ones and wait for attempts still under way.
    stripe_emulator.control.reset()
    stripe_emulator.control.deliver()


@pytest.fixture
def cast(app) -> Cast:
    with app.app_context():
        company = CompanyFactory(name=COMPANY)
        owner = company_member(company, locale="de", display_name="Katrin Brandt")
        worker = UserFactory(display_name=WORKER)
        engagement = hired(rate_cents=RATE_CENTS, company=company, worker=worker)
        admin = AdminFactory()
        return Cast(owner.email, worker.email, admin.email, worker.id, engagement.id)


def public_site_is_live_server(page: Page, live_server) -> None:
    """Links the app builds on PUBLIC_BASE_URL (Stripe's return_url) lead to the live
    server, as they lead to the real site in production."""
    public = live_server.app.config["PUBLIC_BASE_URL"].rstrip("/")

    def redirect(route: Route) -> None:
        route.fulfill(
            status=302, headers={"Location": live_server.public_to_live(route.request.url)}
        )

    page.context.route(re.compile(re.escape(public) + r"/.*"), redirect)


def log_in_german(page: Page, email: str) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label(de("Email address")).fill(email)
    page.get_by_label(de("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=de("Log in"), exact=True).click()
    expect(page.get_by_role("button", name=de("Log out"))).to_be_visible()


AMOUNT = r"(?:€\s?)?[\d.,]+(?:\s?€)?"


def menu(page: Page, name: str):
    """A link of the site's menu (in the page header)."""
    return page.get_by_role("banner").get_by_role("link", name=name, exact=True)


def stat(page: Page, label: str):
    """The figure card of the balance or earnings page whose amount ``label`` describes."""
    pattern = re.compile(rf"^\s*{AMOUNT}\s+{re.escape(label)}(?:\s|$)")
    return page.locator(".stats .card").filter(has_text=pattern)


def enter_card(page: Page, number: str) -> None:
    card = page.locator("#card-element")
    card.get_by_label("Kartennummer").fill(number)
    card.get_by_label("Ablaufdatum (MM / JJ)").fill("12 / 34")
    card.get_by_label("Prüfziffer (CVC)").fill("123")
    page.get_by_role("button", name=de("Pay %(amount)s", amount=FUNDED_DE)).click()


def open_card_form(owner: Page) -> None:
    menu(owner, de("Balance")).click()
    expect(
        owner.get_by_role("heading", name=de("Balance of %(company)s", company=COMPANY))
    ).to_be_visible()
    expect(stat(owner, de("available"))).to_have_text(f"{ZERO_DE} {de('available')}")
    owner.get_by_label(de("Amount in euros")).fill(FUNDS)
    owner.get_by_role("button", name=de("Continue to card payment")).click()
    expect(owner.get_by_role("heading", name=de("Pay by card"))).to_be_visible()
    forwhat = de("%(amount)s for the balance of %(company)s.", amount=FUNDED_DE, company=COMPANY)
    expect(owner.get_by_text(forwhat)).to_be_visible()


def hold_webhooks(emulator) -> None:
    """Stripe's webhook may come after the browser: events wait for ``deliver``."""
    emulator.control.configure(deliver_in_background=False)


def deliver(emulator, event_type: str) -> None:
    """Let the held events go to the live server now; they are acknowledged."""
    attempts = emulator.control.deliver()
    types = {e["event"]["id"]: e["event"]["type"] for e in emulator.control.events()}
    assert [(types[a["event"]], a["status"]) for a in attempts] == [(event_type, 200)]


def payment_row(owner: Page):
    return owner.locator("table").first.locator("tbody tr")


def add_funds(owner: Page, emulator) -> None:
    """Paid in the browser; credited only when the signed webhook has arrived."""
    open_card_form(owner)
    hold_webhooks(emulator)
    enter_card(owner, GOOD_CARD)
    expect(owner).to_have_url(re.compile(r"/company/balance/payments/\d+/done(\?confirmed=1)?$"))
    done_page = owner.url
    pending = de(
        "Payment of %(amount)s received; your balance is credited as soon as Stripe confirms it.",
        amount=FUNDED_DE,
    )
    expect(owner.get_by_text(pending)).to_be_visible()

    owner.get_by_role("link", name=de("Back to the balance")).click()
    expect(stat(owner, de("available"))).to_have_text(f"{ZERO_DE} {de('available')}")
    expect(payment_row(owner)).to_contain_text(de("Not paid yet", "card payment status"))

    deliver(emulator, "payment_intent.succeeded")
    emulator.control.configure(deliver_in_background=True)
    owner.goto(done_page)
    credited = de("Payment of %(amount)s received and credited to your balance.", amount=FUNDED_DE)
    expect(owner.get_by_text(credited)).to_be_visible()
    owner.get_by_role("link", name=de("Back to the balance")).click()
    expect(stat(owner, de("available"))).to_have_text(f"{FUNDED_DE} {de('available')}")
    expect(payment_row(owner)).to_have_count(1)
    expect(payment_row(owner)).to_contain_text(FUNDED_DE)
    expect(payment_row(owner)).to_contain_text(de("Credited", "card payment status"))
    credit = owner.get_by_role("row").filter(has_text=de("Card payment received"))
    expect(credit).to_have_count(1)
    expect(credit).to_contain_text(FUNDED_DE)


def connect_stripe(worker: Page) -> None:
    menu(worker, "Earnings").click()
    expect(worker.get_by_role("heading", name="Earnings", exact=True)).to_be_visible()
    expect(worker.get_by_text("Not connected")).to_be_visible()
    worker.get_by_role("button", name="Connect with Stripe").click()

    # Stripe's hosted onboarding (the emulator's local page).
    expect(worker.get_by_role("heading", name="Set up payouts")).to_be_visible()
    expect(worker.locator("dd").filter(has_text=re.compile(r"^acct_"))).to_have_count(1)
    worker.get_by_role("button", name="Complete onboarding").click()

    expect(worker).to_have_url(re.compile(r"/earnings$"))
    expect(
        worker.get_by_text("Your Stripe account is connected. Payouts will reach it.")
    ).to_be_visible()
    expect(worker.get_by_text("Payouts enabled", exact=True)).to_be_visible()
    expect(worker.get_by_role("button", name="Connect with Stripe")).to_have_count(0)


def record_work(app, cast: Cast) -> None:
    """The worker answered 7 emails (recorded as the email pool records them)."""
    with app.app_context():
        engagement = db.session.get(Engagement, cast.engagement_id)
        units.record_units(
            engagement,
            kind=UnitKind.EMAIL,
            quantity=Decimal(EMAILS),
            source=f"email:e2e-payments-{cast.engagement_id}",
            work_date=utcnow().date(),
            by=engagement.worker,
        )
        db.session.commit()


def approve_work(owner: Page) -> None:
    menu(owner, de("Balance")).click()
    expect(stat(owner, de("available"))).to_have_text(f"{LEFT_DE} {de('available')}")
    expect(stat(owner, de("reserved"))).to_contain_text(f"{RESERVED_DE} {de('reserved')}")

    menu(owner, de("Review work")).click()
    expect(
        owner.get_by_role("link", name=de("Waiting for review (%(num)d)", num=1))
    ).to_be_visible()
    row = owner.get_by_role("row").filter(has_text=WORKER)
    expect(row).to_have_count(1)
    quantity = _german().ngettext("%(number)s email", "%(number)s emails", 2) % {"number": EMAILS}
    for text in (quantity, PAY_DE, FEE_DE):
        expect(row).to_contain_text(text)
    row.get_by_role("button", name=de("Approve"), exact=True).click()

    unit = de("%(quantity)s by %(worker)s", quantity=quantity, worker=WORKER)
    expect(owner.get_by_text(de("Approved: %(unit)s.", unit=unit))).to_be_visible()
    expect(
        owner.get_by_role("link", name=de("Waiting for review (%(num)d)", num=0))
    ).to_be_visible()
    expect(owner.get_by_text(de("No work is waiting for your review."))).to_be_visible()


def run_payouts(admin: Page) -> None:
    menu(admin, "Admin").click()
    admin.get_by_role("link", name="Payments", exact=True).click()
    admin.get_by_role("link", name="Payout runs", exact=True).click()
    expect(admin.get_by_role("heading", name="Payout runs")).to_be_visible()
    admin.get_by_role("button", name="Run payouts now").click()

    expect(
        admin.get_by_text(f"Payout run finished: 1 payout sent ({PAY_EN}), 0 failed.")
    ).to_be_visible()
    runs = admin.locator("tbody").get_by_role("row")
    expect(runs).to_have_count(1)
    expect(runs.first).to_contain_text(PAY_EN)


def test_company_funds_worker_connects_work_is_approved_and_paid_out(
    app, new_page, log_in, live_server, stripe_emulator, webhooks_to_live_server, cast: Cast
):
    owner = new_page(locale="de-DE")
    log_in_german(owner, cast.owner_email)
    add_funds(owner, stripe_emulator)

    worker = new_page()
    public_site_is_live_server(worker, live_server)
    log_in(worker, cast.worker_email)
    connect_stripe(worker)

    record_work(app, cast)
    approve_work(owner)
    menu(owner, de("Balance")).click()
    expect(stat(owner, de("available"))).to_have_text(f"{LEFT_DE} {de('available')}")
    expect(stat(owner, de("reserved"))).to_contain_text(f"{ZERO_DE} {de('reserved')}")

    worker.reload()
    expect(stat(worker, "approved, to be paid out")).to_have_text(
        f"{PAY_EN} approved, to be paid out"
    )
    expect(worker.get_by_role("row").filter(has_text=f"{EMAILS} emails")).to_contain_text(
        "Approved"
    )

    admin = new_page()
    log_in(admin, cast.admin_email)
    run_payouts(admin)

    # The worker sees the money paid out; nothing is left to pay.
    worker.reload()
    expect(worker.get_by_text("Your Stripe account is connected.")).to_have_count(0)  # shown once
    expect(stat(worker, "paid out")).to_have_text(f"{PAY_EN} paid out")
    expect(stat(worker, "approved, to be paid out")).to_have_text(
        f"{ZERO_EN} approved, to be paid out"
    )
    payouts = worker.locator("#payouts tbody").get_by_role("row")
    expect(payouts).to_have_count(1)
    expect(payouts.first).to_contain_text(PAY_EN)
    expect(payouts.first).to_contain_text("Paid")

    # The company has what it funded, less the worker's pay and the fee.
    owner.reload()
    expect(stat(owner, de("available"))).to_have_text(f"{LEFT_DE} {de('available')}")

    # Nothing extra happened: one payment credited once, one payout, one transfer,
    # every event delivered to the live server and acknowledged, the books balance.
    stripe_emulator.control.deliver()  # wait for deliveries still under way
    events = stripe_emulator.control.events()
    assert sorted((e["event"]["type"], e["delivery"]["state"]) for e in events) == [
        ("account.updated", "succeeded"),
        ("payment_intent.succeeded", "succeeded"),
        ("transfer.created", "succeeded"),
    ]
    assert all(
        attempt["url"] == webhooks_to_live_server and attempt["status"] == 200
        for e in events
        for attempt in e["delivery"]["attempts"]
    )
    with app.app_context():
        outcomes = dict(db.session.execute(sa.select(StripeEvent.type, StripeEvent.outcome)).all())
        assert outcomes["payment_intent.succeeded"] == "credited"
        assert outcomes["account.updated"] == "payouts enabled"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == len(events)
        payments = db.session.scalars(sa.select(Payment)).all()
        assert [(p.amount_cents, p.status) for p in payments] == [(5000, PaymentStatus.SUCCEEDED)]
        payouts_made = db.session.scalars(sa.select(Payout)).all()
        assert [(p.worker_id, p.amount_cents, p.status) for p in payouts_made] == [
            (cast.worker_id, 595, PayoutStatus.PAID)
        ]
        assert check_ledger() == []


def pay_with_declined_card(owner: Page, emulator) -> None:
    open_card_form(owner)
    hold_webhooks(emulator)
    enter_card(owner, DECLINED_CARD)
    # Stripe.js says why, in the page's language; the form stays for another try.
    expect(owner.locator("[data-card-errors]")).to_have_text("Ihre Karte wurde abgelehnt.")
    expect(owner).to_have_url(re.compile(r"/company/balance/payments/\d+$"))
    pay = owner.get_by_role("button", name=de("Pay %(amount)s", amount=FUNDED_DE))
    expect(pay).to_be_enabled()
    deliver(emulator, "payment_intent.payment_failed")


def test_a_declined_card_says_so_and_credits_nothing(
    new_page, stripe_emulator, webhooks_to_live_server, cast: Cast
):
    owner = new_page(locale="de-DE")
    log_in_german(owner, cast.owner_email)
    pay_with_declined_card(owner, stripe_emulator)

    menu(owner, de("Balance")).click()
    expect(stat(owner, de("available"))).to_have_text(f"{ZERO_DE} {de('available')}")
    expect(payment_row(owner)).to_have_count(1)
    expect(payment_row(owner)).to_contain_text(de("Failed", "card payment status"))
    expect(payment_row(owner).get_by_role("link", name=de("Pay now"))).to_be_visible()
    expect(owner.get_by_text(de("No movements yet. Add funds to get started."))).to_be_visible()


def test_paying_after_a_decline_is_not_reported_as_failed(
    new_page, stripe_emulator, webhooks_to_live_server, cast: Cast
):
    owner = new_page(locale="de-DE")
    log_in_german(owner, cast.owner_email)
    pay_with_declined_card(owner, stripe_emulator)

    owner.reload()  # as after leaving and coming back: the page knows of the decline
    expect(owner.get_by_text(de("The last attempt did not go through."))).to_be_visible()
    enter_card(owner, GOOD_CARD)  # the webhook is slower than the browser, as it often is
    expect(owner).to_have_url(re.compile(r"/company/balance/payments/\d+/done(\?confirmed=1)?$"))
    expect(owner.get_by_role("heading", name=de("Card payment"))).to_be_visible()
    pending = de(
        "Payment of %(amount)s received; your balance is credited as soon as Stripe confirms it.",
        amount=FUNDED_DE,
    )
    expect(owner.locator("main .flash")).to_have_text(pending)

    deliver(stripe_emulator, "payment_intent.succeeded")
    owner.reload()
    credited = de("Payment of %(amount)s received and credited to your balance.", amount=FUNDED_DE)
    expect(owner.get_by_text(credited)).to_be_visible()


# Records the page's Content-Security-Policy violations, so that a blocked navigation
# fails the test at once and says which directive blocked it.
WATCH_CSP = """
window.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations = (window.cspViolations || []).concat(event.violatedDirective);
});
"""


def test_connect_with_stripe_works_under_the_pages_csp(
    new_page, log_in, live_server, stripe_emulator, cast: Cast
):
    worker = new_page()
    public_site_is_live_server(worker, live_server)
    worker.add_init_script(WATCH_CSP)
    log_in(worker, cast.worker_email)
    menu(worker, "Earnings").click()
    worker.get_by_role("button", name="Connect with Stripe").click()

    worker.wait_for_function(
        "() => location.pathname.startsWith('/setup/') || (window.cspViolations || []).length"
    )
    assert worker.evaluate("window.cspViolations || []") == []
    expect(worker.get_by_role("heading", name="Set up payouts")).to_be_visible()
