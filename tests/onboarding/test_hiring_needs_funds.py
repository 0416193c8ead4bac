"""Nobody is hired into unpaid work: hiring needs the company's balance to cover the
first work at the engagement's rate, says how much to add, links to the add-funds
form (prefilled, coming back to the applicant) and works right after paying."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.onboarding import hiring
from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
from marketplace.payments import cover, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import UnitKind
from tests.factories import PublishedGigFactory, UserFactory, company_member
from tests.payments.helpers import funded, hired
from tests.payments.test_company_views import (
    confirm_card,
    data_attribute,
    deliver_webhooks,
    text,
)


@pytest.fixture
def stripe_by_hand(app, stripe_emulator):
    """Stripe's events are handed to the app by the test (as in test_company_views)."""
    stripe_emulator.control.configure(
        webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"], deliver_in_background=False
    )
    app.extensions.pop("stripe_client", None)
    yield stripe_emulator
    app.extensions.pop("stripe_client", None)


def passed_applicant(*, rate_cents: int = 90, pay_model: PayModel = PayModel.PER_EMAIL):
    owner = company_member()
    gig = PublishedGigFactory(
        company=owner.company, created_by=owner, rate_cents=rate_cents, pay_model=pay_model
    )
    application = Application(
        gig_id=gig.id, seeker_id=UserFactory().id, status=ApplicationStatus.PASSED, hours_per_week=5
    )
    db.session.add(application)
    db.session.commit()
    return application, owner


def test_hire_is_refused_without_funds_and_works_right_after_paying(
    app, client, login_as, stripe_by_hand
):
    with app.app_context():
        application, owner = passed_applicant(rate_cents=90)  # 10 emails: 9,00 € + 1,35 € fee
        application_id = application.id
        login_as(owner)
    page_url = f"/company/applications/{application_id}"

    page = text(client.get(page_url))
    message = (
        "To hire, your balance must cover the first 10 emails at €0.90 (€10.35 with the "
        "fee), and it lacks €10.35. Please add €10.35 to your balance, then hire."
    )
    assert message in page
    link = re.search(r'href="([^"]+)">Add €10.35 to the balance', page).group(1)
    parts = urlsplit(link)
    assert parts.path == "/company/balance" and parts.fragment == "add-funds"
    assert parse_qs(parts.query) == {"amount": ["1035"], "next": [page_url]}

    refused = client.post(f"{page_url}/hire", follow_redirects=True)
    assert message in text(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Engagement)) == 0
        assert db.session.get(Application, application_id).status == ApplicationStatus.PASSED

    balance = text(client.get(link))
    assert 'name="amount" type="text" value="10.35"' in balance
    assert f'name="next" type="hidden" value="{page_url}"' in balance
    response = client.post("/company/balance/fund", data={"amount": "10.35", "next": page_url})
    pay_url = response.headers["Location"]
    assert parse_qs(urlsplit(pay_url).query) == {"next": [page_url]}
    pay_page = text(client.get(pay_url))
    done_url = data_attribute(pay_page, "return-url")
    assert parse_qs(urlsplit(done_url).query) == {"next": [page_url]}
    confirm_card(app, stripe_by_hand, data_attribute(pay_page, "client-secret"))
    deliver_webhooks(client, stripe_by_hand, "payment_intent.succeeded")

    back = client.get(f"{done_url}&confirmed=1")  # where Stripe.js leads after the card
    assert back.status_code == 302 and back.headers["Location"] == page_url
    page = text(client.get(page_url))
    assert "Payment of €10.35 received and credited to your balance." in page
    assert "To hire, your balance must cover" not in page

    hired_page = text(client.post(f"{page_url}/hire", follow_redirects=True))
    assert "is hired." in hired_page
    with app.app_context():
        assert db.session.get(Application, application_id).status == ApplicationStatus.HIRED
        assert check_ledger() == []  # with Stripe


def test_hourly_gigs_need_the_first_hours_covered(db):
    application, owner = passed_applicant(rate_cents=1500, pay_model=PayModel.PER_HOUR)
    funded(owner.company, 3449)  # 2 hours: 30,00 € + 4,50 € fee = 34,50 €
    with pytest.raises(cover.FundingRequired, match=r"the first 2 hours at €15\.00") as refused:
        hiring.hire(application, by=owner)
    db.session.rollback()
    assert (refused.value.missing_cents, refused.value.top_up_cents) == (1, 500)  # ≥ 5,00 €
    funded(owner.company, 500)  # what the company was told to add
    assert hiring.hire(application, by=owner).rate_cents == 1500


def test_the_first_work_is_a_setting(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "HIRE_FUNDED_UNITS", 3)
    application, _owner = passed_applicant(rate_cents=100)
    assert cover.hire_shortfall(application.gig) == 345  # 3 × 1,00 € + 15 %
    monkeypatch.setitem(app.config, "HIRE_FUNDED_UNITS", 0)
    assert cover.hire_shortfall(application.gig) == 0


def test_work_waiting_for_funds_comes_before_a_new_hire(db):
    engagement = hired(rate_cents=1000)  # a worker already hired at 10,00 € per email
    company = engagement.gig.company
    unit = units.record_units(
        engagement,
        kind=UnitKind.EMAIL,
        quantity=1,
        source="test:waiting",
        work_date=engagement.started_at.date(),
        by=engagement.worker,
    )
    assert unit.status == "waiting"  # 11,50 € and nothing in the balance
    funded(company, 1035 + 1150 - 1)  # covers the new hire, or the waiting work, not both
    application, _owner = passed_applicant(rate_cents=90)
    application.gig.company_id = company.id
    db.session.commit()
    with pytest.raises(DomainError, match=r"it lacks €0\.01"):
        hiring.hire(application, by=company.memberships[0].user)
