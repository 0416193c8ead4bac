"""The company's money pages: balance and history, adding funds by card (through
the Stripe emulator), withdrawing, reviewing work, logging work, spend, statements."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import stripe

from marketplace.accounts.models import Company, CompanyRole, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import ledger, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import (
    AccountKind,
    Payment,
    PaymentStatus,
    UnitKind,
    UnitStatus,
    Withdrawal,
    WorkUnit,
)
from tests.factories import company_member
from tests.payments.helpers import funded, hired

# --- setup ------------------------------------------------------------------------------


@dataclass
class Shop:
    company_id: int
    owner_id: int
    engagement_id: int
    worker_id: int
    worker_name: str
    gig_title: str


def make_shop(app, login_as, *, fund: int = 10_000, rate: int = 80, pay_model=None) -> Shop:
    """A company with an active engagement (and ``fund`` cents credited), its owner logged in."""
    with app.app_context():
        engagement = hired(rate_cents=rate)
        if pay_model is not None:
            engagement.pay_model = pay_model
            db.session.commit()
        company = engagement.gig.company
        owner = company.memberships[0].user
        if fund:
            funded(company, fund)
        login_as(owner)
        return Shop(
            company_id=company.id,
            owner_id=owner.id,
            engagement_id=engagement.id,
            worker_id=engagement.worker_id,
            worker_name=engagement.worker.display_name,
            gig_title=engagement.gig.title,
        )


def record(engagement_id: int, quantity: str = "1", note: str = "", **kwargs) -> int:
    engagement = db.session.get(Engagement, engagement_id)
    unit = units.record_units(
        engagement,
        kind=kwargs.pop("kind", UnitKind.EMAIL),
        quantity=Decimal(quantity),
        source=f"test:{utcnow().timestamp()}:{engagement_id}:{quantity}:{note}",
        work_date=kwargs.pop("work_date", utcnow().date()),
        by=engagement.worker,
        note=note,
    )
    db.session.commit()
    return unit.id


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def available(company_id: int) -> int:
    return ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id)


def reserved(company_id: int) -> int:
    return ledger.balance(AccountKind.COMPANY_RESERVED, company_id)


def unit_status(unit_id: int) -> UnitStatus:
    return db.session.get(WorkUnit, unit_id).status


# --- balance and history ----------------------------------------------------------------


def test_balance_shows_available_reserved_and_every_movement(app, client, login_as):
    shop = make_shop(app, login_as, fund=10_000)
    with app.app_context():
        approved = record(shop.engagement_id, "3", note="approved one")
        record(shop.engagement_id, "1", note="waiting")
        rejected = record(shop.engagement_id, "2", note="rejected one")
        owner = db.session.get(WorkUnit, approved).company.memberships[0].user
        units.approve(db.session.get(WorkUnit, approved), by=owner)
        units.reject(db.session.get(WorkUnit, rejected), by=owner, reason="Not our customer")
        db.session.commit()
    page = text(client.get("/company/balance"))
    # 100,00 − (2,40 + 0,36) − (0,80 + 0,12) − (1,60 + 0,24) = 94,48 available
    assert "€94.48" in page and "available" in page
    # reserved: 0,92 in review, 1,84 held for the rejection the worker may dispute
    assert "€2.76" in page
    assert "€0.92 for work in review, €1.84 for rejected work" in page
    assert "Card payment received" in page and "€100.00" in page
    assert "Work recorded, money reserved" in page
    assert "Work approved, paid to the worker" in page
    assert "3 emails" in page and shop.worker_name in page and shop.gig_title in page
    assert "Rejected" in page  # the rejected unit's state next to its reservation
    assert "Download statement (CSV)" in page and "/company/statements.csv" in page


def test_history_is_paged_newest_first(app, client, login_as):
    shop = make_shop(app, login_as, fund=100_000)
    with app.app_context():
        for _index in range(50):  # 50 reservations, one line each, + the funding
            record(shop.engagement_id, "1")
    first = text(client.get("/company/balance"))
    assert "Card payment received" not in first
    assert 'rel="next"' in first and "Page 1" in first
    second = text(client.get("/company/balance?page=2"))
    assert "Card payment received" in second and 'rel="prev"' in second
    assert 'rel="next"' not in second


def test_balance_in_german_formats_money_the_german_way(app, client, login_as):
    shop = make_shop(app, login_as, fund=123_456)
    with app.app_context():
        db.session.get(User, shop.owner_id).locale = "de"
        db.session.commit()
    page = text(client.get("/company/balance"))
    assert "1.234,56\xa0€" in page


def test_company_navigation_links_to_balance_and_review(app, client, login_as):
    make_shop(app, login_as)
    page = text(client.get("/company/balance"))
    assert '<a href="/company/balance">Balance</a>' in page
    assert '<a href="/company/review">Review work</a>' in page


# --- adding funds -----------------------------------------------------------------------


@pytest.fixture
def stripe_api(app, stripe_emulator):
    """The test app talks to the session's Stripe emulator; events are signed with the
    app's webhook secret and handed over by the test (not delivered in the background)."""
    stripe_emulator.control.configure(
        webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"], deliver_in_background=False
    )
    app.extensions.pop("stripe_client", None)
    yield stripe_emulator
    app.extensions.pop("stripe_client", None)


def confirm_card(app, emulator, client_secret: str, number: str = "4242424242424242"):
    """What Stripe.js does in the browser with the publishable key."""
    browser = stripe.StripeClient(
        app.config["STRIPE_PUBLISHABLE_KEY"],
        base_addresses={"api": emulator.url},
        max_network_retries=0,
    )
    method = browser.v1.payment_methods.create(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2040,
                                  "cvc": "123"}}
    )  # fmt: skip
    intent_id = client_secret.split("_secret_")[0]
    return browser.v1.payment_intents.confirm(
        intent_id, {"payment_method": method.id, "client_secret": client_secret}
    )


def deliver_webhooks(client, emulator, event_type: str) -> None:
    for entry in emulator.control.events(type=event_type):
        payload, signature = emulator.control.signed(entry["event"]["id"])
        response = client.post(
            "/stripe/webhook",
            data=payload,
            headers={"Stripe-Signature": signature},
            content_type="application/json",
            csrf=False,
        )
        assert response.status_code == 200


def data_attribute(page: str, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', page)
    assert match, f"no data-{name} on the page"
    return match.group(1)


def fund_by_card(app, client, emulator, amount: str = "50,00") -> int:
    """Add funds through the pages, pay with a test card, deliver Stripe's events."""
    response = client.post("/company/balance/fund", data={"amount": amount})
    assert response.status_code == 302
    pay_page = text(client.get(response.headers["Location"]))
    confirm_card(app, emulator, data_attribute(pay_page, "client-secret"))
    deliver_webhooks(client, emulator, "payment_intent.succeeded")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_adding_funds_by_card_credits_only_when_stripe_confirms(app, client, login_as, stripe_api):
    shop = make_shop(app, login_as, fund=0)
    response = client.post("/company/balance/fund", data={"amount": "50,00"})
    assert response.status_code == 302
    pay_url = response.headers["Location"]
    assert re.fullmatch(r"/company/balance/payments/\d+", pay_url)

    page = text(client.get(pay_url))
    assert f'<script src="{app.config["STRIPE_JS_URL"]}"></script>' in page
    assert "/static/js/pay.js" in page
    assert data_attribute(page, "stripe-key") == app.config["STRIPE_PUBLISHABLE_KEY"]
    assert data_attribute(page, "return-url") == f"{pay_url}/done"
    assert "Pay €50.00" in page
    client_secret = data_attribute(page, "client-secret")
    with app.app_context():
        (payment,) = db.session.scalars(sa.select(Payment)).all()
        assert payment.stripe_payment_intent_id == client_secret.split("_secret_")[0]
        assert payment.amount_cents == 5000 and payment.status == PaymentStatus.CREATED

    # The browser's word is not enough: the page says so and the balance is unchanged.
    assert confirm_card(app, stripe_api, client_secret).status == "succeeded"
    done = text(client.get(f"{pay_url}/done"))
    assert "your balance is credited as soon as Stripe confirms it" in done
    with app.app_context():
        assert available(shop.company_id) == 0

    deliver_webhooks(client, stripe_api, "payment_intent.succeeded")
    done = text(client.get(f"{pay_url}/done"))
    assert "Payment of €50.00 received and credited to your balance." in done
    assert "€50.00" in text(client.get("/company/balance"))
    with app.app_context():
        assert available(shop.company_id) == 5000
        assert check_ledger(with_stripe=False) == []


def test_a_declined_card_leaves_the_balance_alone(app, client, login_as, stripe_api):
    shop = make_shop(app, login_as, fund=0)
    pay_url = client.post("/company/balance/fund", data={"amount": "20"}).headers["Location"]
    client_secret = data_attribute(text(client.get(pay_url)), "client-secret")
    with pytest.raises(stripe.CardError):
        confirm_card(app, stripe_api, client_secret, number="4000000000000002")
    deliver_webhooks(client, stripe_api, "payment_intent.payment_failed")
    done = text(client.get(f"{pay_url}/done"))
    assert "The payment of €20.00 did not go through." in done
    assert "The card was declined." in done
    # The card form can be tried again on the same payment.
    assert "The last attempt did not go through." in text(client.get(pay_url))
    with app.app_context():
        assert available(shop.company_id) == 0


def test_why_a_card_failed_is_said_in_the_companys_language(app, client, login_as, stripe_api):
    shop = make_shop(app, login_as, fund=0)
    pay_url = client.post("/company/balance/fund", data={"amount": "20"}).headers["Location"]
    client_secret = data_attribute(text(client.get(pay_url)), "client-secret")
    with pytest.raises(stripe.CardError):
        confirm_card(app, stripe_api, client_secret, number="4000000000009995")
    deliver_webhooks(client, stripe_api, "payment_intent.payment_failed")
    english = text(client.get(f"{pay_url}/done"))
    assert "The card has insufficient funds." in english
    with app.app_context():
        db.session.get(User, shop.owner_id).locale = "de"
        db.session.commit()
    german = text(client.get(f"{pay_url}/done"))
    assert "Die Karte ist nicht ausreichend gedeckt." in german
    assert "insufficient" not in german  # not Stripe's English


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Please choose an amount between €5.00 and €10,000.00."),
        ("4,99", "Please choose an amount between €5.00 and €10,000.00."),
        ("10000,01", "Please choose an amount between €5.00 and €10,000.00."),
        ("-5", "The amount cannot be negative."),
        ("5,555", "Please use at most two decimal places"),
        ("fünf", "This is not an amount in euros."),
        ("", "Please enter an amount"),
    ],
)
def test_bad_funding_amounts_are_refused_and_nothing_is_created(
    app, client, login_as, amount, message
):
    make_shop(app, login_as, fund=0)
    response = client.post("/company/balance/fund", data={"amount": amount})
    assert response.status_code == 200
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_unreachable_stripe_is_a_clear_message_and_the_pay_page_retries(
    app, client, login_as, monkeypatch, stripe_api
):
    make_shop(app, login_as, fund=0)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    app.extensions.pop("stripe_client", None)
    response = client.post("/company/balance/fund", data={"amount": "30"}, follow_redirects=True)
    assert "Stripe could not be reached" in text(response) and "Nothing was charged" in text(
        response
    )
    with app.app_context():
        (payment,) = db.session.scalars(sa.select(Payment)).all()
        assert payment.stripe_payment_intent_id is None
        payment_id = payment.id
    assert "Pay now" in text(client.get("/company/balance"))

    page = text(client.get(f"/company/balance/payments/{payment_id}"))
    assert "Stripe could not be reached" in page and "Try again" in page
    assert "data-client-secret" not in page

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_api.url)
    app.extensions.pop("stripe_client", None)
    page = text(client.get(f"/company/balance/payments/{payment_id}"))
    assert data_attribute(page, "client-secret").startswith("pi_")
    app.extensions.pop("stripe_client", None)
    with app.app_context():
        assert db.session.get(Payment, payment_id).stripe_payment_intent_id.startswith("pi_")


def test_a_payment_of_another_company_is_not_found(app, client, login_as):
    with app.app_context():
        other = hired().gig.company
        payment = funded(other, 5000)
        payment_id = payment.id
    make_shop(app, login_as)
    assert client.get(f"/company/balance/payments/{payment_id}").status_code == 404
    assert client.get(f"/company/balance/payments/{payment_id}/done").status_code == 404


def test_the_done_page_reads_the_state_and_never_credits(app, client, login_as):
    shop = make_shop(app, login_as, fund=0)
    with app.app_context():
        payment = Payment(
            company_id=shop.company_id,
            created_by_id=shop.owner_id,
            amount_cents=4000,
            stripe_payment_intent_id="pi_not_paid",
            client_secret="pi_not_paid_secret_x",
        )
        db.session.add(payment)
        db.session.commit()
        payment_id = payment.id
    for _attempt in range(2):
        page = text(client.get(f"/company/balance/payments/{payment_id}/done"))
        assert "your balance is credited as soon as Stripe confirms it" in page
    with app.app_context():
        assert available(shop.company_id) == 0
        assert db.session.get(Payment, payment_id).status == PaymentStatus.CREATED


def test_a_suspended_company_sees_its_balance_but_cannot_add_funds(app, client, login_as):
    shop = make_shop(app, login_as)
    with app.app_context():
        db.session.get(Company, shop.company_id).suspended_at = utcnow()
        db.session.commit()
    page = text(client.get("/company/balance"))
    assert "€100.00" in page and "Add funds by card" not in page
    assert client.post("/company/balance/fund", data={"amount": "50"}).status_code == 404


# --- withdrawing ------------------------------------------------------------------------


def test_the_owner_withdraws_unused_balance_to_the_card(app, client, login_as, stripe_api):
    shop = make_shop(app, login_as, fund=0)
    fund_by_card(app, client, stripe_api, "80,00")
    page = text(client.get("/company/balance"))
    assert "You can withdraw up to €80.00." in page
    response = client.post(
        "/company/balance/withdraw", data={"amount": "30,50"}, follow_redirects=True
    )
    page = text(response)
    assert "€30.50 is on its way back to your card." in page
    assert "Refunded to your card" in page
    with app.app_context():
        assert available(shop.company_id) == 4950
        (withdrawal,) = db.session.scalars(sa.select(Withdrawal)).all()
        assert withdrawal.refunds[0].stripe_refund_id.startswith("re_")
        assert check_ledger(with_stripe=False) == []
    refunds = stripe.StripeClient(
        app.config["STRIPE_SECRET_KEY"], base_addresses={"api": stripe_api.url}
    ).v1.refunds.list()
    assert [r.amount for r in refunds.data] == [3050]


def test_a_refund_stripe_refuses_puts_the_money_back(app, client, login_as, stripe_api):
    # funded() makes a payment Stripe has never seen, so Stripe refuses its refund.
    shop = make_shop(app, login_as, fund=5000)
    response = client.post(
        "/company/balance/withdraw", data={"amount": "10"}, follow_redirects=True
    )
    assert "Stripe could not refund €10.00; it is back in your available balance." in text(response)
    with app.app_context():
        assert available(shop.company_id) == 5000
        assert check_ledger(with_stripe=False) == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Please enter an amount greater than zero."),
        ("-3", "The amount cannot be negative."),
        ("drei", "This is not an amount in euros."),
        ("1,001", "Please use at most two decimal places"),
        ("", "Please enter an amount"),
        ("100,01", "This is more than can be refunded to your card payments."),
        ("99,00", "Your available balance is smaller than €99.00."),
    ],
)
def test_bad_withdrawals_are_refused_and_nothing_changes(app, client, login_as, amount, message):
    shop = make_shop(app, login_as, fund=10_000)
    with app.app_context():
        record(shop.engagement_id, "3")  # 2,76 € reserved: 97,24 € available of 100 € paid
    response = client.post("/company/balance/withdraw", data={"amount": amount})
    assert response.status_code == 200
    assert message in text(response)
    with app.app_context():
        assert available(shop.company_id) == 9724
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Withdrawal)) == 0
        assert db.session.scalars(sa.select(Payment)).one().refunded_cents == 0


def test_only_the_owner_may_withdraw(app, client, login_as):
    shop = make_shop(app, login_as)
    with app.app_context():
        manager = company_member(db.session.get(Company, shop.company_id), CompanyRole.MANAGER)
        login_as(manager)
    assert "Withdraw unused balance" not in text(client.get("/company/balance"))
    assert client.post("/company/balance/withdraw", data={"amount": "10"}).status_code == 404
    with app.app_context():
        assert available(shop.company_id) == 10_000


# --- review -------------------------------------------------------------------------------


def test_review_queue_lists_pending_work_oldest_first(app, client, login_as, travel):
    shop = make_shop(app, login_as)
    start = utcnow().replace(microsecond=0)
    travel(start - timedelta(hours=5))
    with app.app_context():
        record(shop.engagement_id, "3", note="Older: three replies")
    travel(start)
    with app.app_context():
        record(shop.engagement_id, "1", note="Newer: one reply")
    page = text(client.get("/company/review"))
    assert page.index("Older: three replies") < page.index("Newer: one reply")
    assert "Waiting for review (2)" in page
    assert shop.worker_name in page and shop.gig_title in page
    assert "3 emails" in page and "€2.40" in page and "€0.36" in page
    assert "Decide by" in page and "approved and paid automatically" in page
    assert "Log work of" in page and f"/company/engagements/{shop.engagement_id}/units/new" in page


def test_approve_and_reject_one(app, client, login_as, smtp_sink):
    shop = make_shop(app, login_as)
    with app.app_context():
        good = record(shop.engagement_id, "3")
        bad = record(shop.engagement_id, "2")
    response = client.post(f"/company/review/units/{good}/approve", follow_redirects=True)
    assert f"Approved: 3 emails by {shop.worker_name}." in text(response)

    response = client.post(f"/company/review/units/{bad}/reject", data={"reason": "  "})
    assert response.status_code == 302
    assert "Please tell the worker why." in text(client.get("/company/review"))
    with app.app_context():
        assert unit_status(bad) == UnitStatus.PENDING

    response = client.post(
        f"/company/review/units/{bad}/reject",
        data={"reason": "These were spam answers"},
        follow_redirects=True,
    )
    assert "Rejected: 2 emails" in text(response)
    with app.app_context():
        assert unit_status(good) == UnitStatus.APPROVED
        assert unit_status(bad) == UnitStatus.REJECTED
        assert ledger.balance(AccountKind.WORKER_PAYABLE, shop.worker_id) == 240
        assert reserved(shop.company_id) == 184  # held while the worker may dispute
    mails = [m.get_content() for m in smtp_sink.to(_worker_email(app, shop))]
    assert any("These were spam answers" in m for m in mails)

    history = text(client.get("/company/review?tab=history"))
    assert "These were spam answers" in history and "Approved" in history
    rejected_only = text(client.get("/company/review?tab=history&status=rejected"))
    assert "These were spam answers" in rejected_only and "3 emails" not in rejected_only

    # Deciding twice is refused without changing anything.
    response = client.post(f"/company/review/units/{good}/approve", follow_redirects=True)
    assert "This is not possible right now" in text(response)
    with app.app_context():
        assert ledger.balance(AccountKind.WORKER_PAYABLE, shop.worker_id) == 240


def _worker_email(app, shop: Shop) -> str:
    with app.app_context():
        return db.session.get(User, shop.worker_id).email


def test_bulk_approve(app, client, login_as):
    shop = make_shop(app, login_as)
    with app.app_context():
        ids = [record(shop.engagement_id, str(n)) for n in (1, 2, 3)]
    response = client.post(
        "/company/review/approve", data={"unit_ids": [str(ids[0]), str(ids[2])]},
        follow_redirects=True,
    )  # fmt: skip
    assert "2 units approved." in text(response)
    with app.app_context():
        assert [unit_status(i) for i in ids] == [
            UnitStatus.APPROVED, UnitStatus.PENDING, UnitStatus.APPROVED,
        ]  # fmt: skip
        assert ledger.balance(AccountKind.WORKER_PAYABLE, shop.worker_id) == 320

    response = client.post(
        "/company/review/approve", data={"unit_ids": [str(ids[0]), str(ids[1])]},
        follow_redirects=True,
    )  # fmt: skip
    page = text(response)
    assert "1 unit approved." in page and "1 unit had already been decided" in page

    response = client.post("/company/review/approve", data={}, follow_redirects=True)
    assert "Please tick the work you want to approve." in text(response)


def test_bulk_approve_with_a_unit_of_another_company_changes_nothing(app, client, login_as):
    with app.app_context():
        other = hired()
        funded(other.gig.company, 10_000)
        foreign = record(other.id, "1")
    shop = make_shop(app, login_as)
    with app.app_context():
        own = record(shop.engagement_id, "1")
    for ids in ([own, foreign], [own, 999_999]):
        response = client.post("/company/review/approve", data={"unit_ids": [str(i) for i in ids]})
        assert response.status_code == 404
    response = client.post("/company/review/approve", data={"unit_ids": [str(own), "x"]})
    assert response.status_code == 302
    with app.app_context():
        assert unit_status(own) == UnitStatus.PENDING
        assert unit_status(foreign) == UnitStatus.PENDING
    assert client.post(f"/company/review/units/{foreign}/approve").status_code == 404
    assert (
        client.post(f"/company/review/units/{foreign}/reject", data={"reason": "x"}).status_code
        == 404
    )


# --- logging work by hand -------------------------------------------------------------


def unit_form(client, url: str, **values) -> dict:
    """The form as the page gives it (with its one-time token), filled in."""
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'<input[^>]*name="token"[^>]*value="([^"]+)"', page)
    assert token, "no token field on the form"
    data = {"quantity": "1", "work_date": date.today().isoformat(), "note": ""}
    data["token"] = token.group(1)
    data.update(values)
    return data


def units_of(engagement_id: int) -> list[WorkUnit]:
    return list(
        db.session.scalars(sa.select(WorkUnit).where(WorkUnit.engagement_id == engagement_id))
    )


def test_logging_hours_by_hand(app, client, login_as):
    shop = make_shop(app, login_as, rate=1200, pay_model=PayModel.PER_HOUR)
    url = f"/company/engagements/{shop.engagement_id}/units/new"
    page = text(client.get(url))
    assert "Hours, for example 1,5." in page and "€12.00 per hour" in page
    data = unit_form(client, url, quantity="1,5", note="Forum shift Saturday")
    response = client.post(url, data=data, follow_redirects=True)
    page = text(response)
    assert "Recorded: 1.5 hours by" in page and "€20.70 is reserved" in page
    assert "Forum shift Saturday" in page  # now in the review queue
    # The same form sent again records nothing more.
    response = client.post(url, data=data, follow_redirects=True)
    assert "This work has already been recorded." in text(response)
    with app.app_context():
        (unit,) = units_of(shop.engagement_id)
        assert (unit.kind, unit.quantity, unit.amount_cents, unit.fee_cents) == (
            UnitKind.HOUR, Decimal("1.50"), 1800, 270,
        )  # fmt: skip
        assert unit.source.startswith("manual:")
        assert available(shop.company_id) == 10_000 - 2070


def test_work_the_balance_cannot_cover_is_kept_waiting_for_funds(app, client, login_as):
    shop = make_shop(app, login_as, fund=0, rate=500)
    url = f"/company/engagements/{shop.engagement_id}/units/new"
    response = client.post(url, data=unit_form(client, url, quantity="2"), follow_redirects=True)
    page = text(response)
    assert (
        "Your balance cannot cover it (€11.50), so it waits for funds and is counted as soon "
        "as you add money." in page
    )
    assert "Waiting for funds" in page and "Add €11.50" in page
    with app.app_context():
        (unit,) = units_of(shop.engagement_id)
        assert (unit.status, unit.total_cents) == (UnitStatus.WAITING, 1150)
        assert reserved(shop.company_id) == 0
        assert check_ledger(with_stripe=False) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"quantity": ""}, "Please enter the quantity."),
        ({"quantity": "zwei"}, "Please enter a number, for example 3 or 1,5."),
        ({"quantity": "0"}, "The quantity must be more than 0 and at most 1000."),
        ({"quantity": "1001"}, "The quantity must be more than 0 and at most 1000."),
        ({"quantity": "1,5"}, "Please enter a whole number."),  # emails come whole
        ({"work_date": (date.today() + timedelta(days=2)).isoformat()}, "in the future"),
        ({"work_date": "gestern"}, "Not a valid date value."),
        ({"token": "not-a-uuid"}, "Please reload the page."),
    ],
)
def test_bad_entries_are_refused(app, client, login_as, values, message):
    shop = make_shop(app, login_as)
    url = f"/company/engagements/{shop.engagement_id}/units/new"
    response = client.post(url, data=unit_form(client, url, **values))
    assert response.status_code == 200
    assert message in text(response)
    with app.app_context():
        assert units_of(shop.engagement_id) == []


def test_logging_work_needs_an_active_engagement_of_ones_own(app, client, login_as):
    with app.app_context():
        foreign = hired().id
    shop = make_shop(app, login_as)
    assert client.get(f"/company/engagements/{foreign}/units/new").status_code == 404
    with app.app_context():
        db.session.get(Engagement, shop.engagement_id).status = EngagementStatus.PAUSED
        db.session.commit()
    url = f"/company/engagements/{shop.engagement_id}/units/new"
    response = client.post(url, data=unit_form(client, url))
    assert "This engagement is not active" in text(response)
    with app.app_context():
        assert units_of(shop.engagement_id) == []


# --- spend and statements ---------------------------------------------------------------


def test_spend_per_period_by_gig_and_worker(app, client, login_as, travel):
    travel("2024-12-02 09:00")
    shop = make_shop(app, login_as, fund=100_000)
    with app.app_context():
        first = db.session.get(Engagement, shop.engagement_id)
        second = hired(rate_cents=100, company=first.gig.company)
        second_id, second_title = second.id, second.gig.title
        second_worker = second.worker.display_name
        owner = first.gig.company.memberships[0].user
        units.approve(db.session.get(WorkUnit, record(shop.engagement_id, "10")), by=owner)
        db.session.commit()  # December: 8,00 + 1,20
    travel("2025-03-03 10:00")  # a Monday
    with app.app_context():
        owner = db.session.get(Engagement, shop.engagement_id).gig.company.memberships[0].user
        units.approve(db.session.get(WorkUnit, record(shop.engagement_id, "3")), by=owner)
        db.session.commit()  # 2,40 + 0,36
    travel("2025-03-05 10:00")
    with app.app_context():
        owner = db.session.get(Engagement, shop.engagement_id).gig.company.memberships[0].user
        units.approve(db.session.get(WorkUnit, record(second_id, "2")), by=owner)
        record(second_id, "5")  # pending: not spent
        db.session.commit()  # 2,00 + 0,30
    travel("2025-03-10 12:00")
    with app.app_context():
        login_as(db.session.get(User, shop.owner_id))  # months later: log in again

    page = text(client.get("/company/spend?period=day&by=gig"))
    assert "€5.06" in page  # 2,76 + 2,30 in the last 30 days; December is outside
    assert shop.gig_title in page and second_title in page
    assert "€2.76" in page and "€2.30" in page and "€9.20" not in page
    assert '<svg class="chart"' in page and "3 Mar: €2.76" in page

    page = text(client.get("/company/spend?period=week&by=worker"))
    assert "Week 10: €5.06" in page
    assert shop.worker_name in page and second_worker in page

    page = text(client.get("/company/spend?period=month&by=gig"))
    assert "€14.26" in page and "Dec 2024: €9.20" in page and "Mar 2025: €5.06" in page

    fallback = text(client.get("/company/spend?period=year&by=nothing"))
    assert "Per day (30 days)" in fallback and "€5.06" in fallback


def test_spend_without_approved_work(app, client, login_as):
    make_shop(app, login_as)
    page = text(client.get("/company/spend"))
    assert "No approved work in this time." in page and '<svg class="chart"' not in page


def test_statement_csv_is_a_download(app, client, login_as):
    shop = make_shop(app, login_as, fund=10_000)
    with app.app_context():
        unit_id = record(shop.engagement_id, "3")
        owner = db.session.get(WorkUnit, unit_id).company.memberships[0].user
        units.approve(db.session.get(WorkUnit, unit_id), by=owner)
        db.session.commit()
    response = client.get("/company/statements.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    body = [(r[2], r[4], r[5], r[6], r[8], r[9]) for r in rows[1:]]
    assert body == [
        ("funding", body[0][1], "100.00", "0.00", "100.00", "0.00"),
        ("unit.reserve", f"unit {unit_id}", "-2.76", "2.76", "97.24", "2.76"),
        ("unit.approve", f"unit {unit_id}", "0.00", "-2.76", "97.24", "0.00"),
    ]
    assert body[0][1].startswith("payment ")
    assert rows[1][3] == "Card payment received"


def test_statement_of_another_company_is_never_mixed_in(app, client, login_as):
    with app.app_context():
        funded(hired().gig.company, 77_700)
    make_shop(app, login_as, fund=1000)
    body = client.get("/company/statements.csv").get_data(as_text=True)
    assert "10.00" in body and "777.00" not in body
    assert "€777.00" not in text(client.get("/company/balance"))


def test_statement_running_balances_end_at_the_balances(app, client, login_as):
    shop = make_shop(app, login_as, fund=10_000)
    with app.app_context():
        for quantity in ("1", "2", "3", "4", "5"):
            record(shop.engagement_id, quantity)
        expected = [available(shop.company_id), reserved(shop.company_id)]
    rows = list(csv.reader(io.StringIO(client.get("/company/statements.csv").get_data(True))))
    assert [row[8:10] for row in rows[-1:]] == [
        [f"{cents // 100}.{cents % 100:02d}" for cents in expected]
    ]
    assert len(rows) == 1 + 1 + 5
