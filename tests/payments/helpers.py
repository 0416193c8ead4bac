"""Money situations for payment tests, made through the services."""

from __future__ import annotations

import secrets
from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
from marketplace.payments import funding, ledger
from marketplace.payments.models import AccountKind, Payment, PaymentStatus
from tests.factories import PublishedGigFactory, UserFactory, company_member


def hired(*, rate_cents: int = 100, company=None, worker=None) -> Engagement:
    """An active engagement at ``rate_cents`` per unit, started 60 days ago (so tests may
    record work for past days)."""
    owner = company_member(company) if company is None else company.memberships[0].user
    gig = PublishedGigFactory(company=owner.company, created_by=owner, rate_cents=rate_cents)
    worker = worker or UserFactory()
    application = Application(
        gig_id=gig.id,
        seeker_id=worker.id,
        status=ApplicationStatus.HIRED,
        hours_per_week=10,
    )
    db.session.add(application)
    db.session.flush()
    engagement = Engagement(
        gig_id=gig.id,
        worker_id=worker.id,
        application_id=application.id,
        rate_cents=rate_cents,
        pay_model=gig.pay_model,
        started_at=utcnow() - timedelta(days=60),
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


def funded(company, amount_cents: int, *, commit: bool = True) -> Payment:
    """A card payment Stripe reported as succeeded (as its webhook would; the intent is
    made up, so only for tests that do not compare the books with Stripe)."""
    owner = company.memberships[0].user
    payment = funding.start_funding(company, amount_cents=amount_cents, by=owner)
    payment.stripe_payment_intent_id = f"pi_test_{secrets.token_hex(6)}"
    db.session.flush()
    outcome = funding.payment_succeeded(
        {"id": payment.stripe_payment_intent_id, "amount_received": amount_cents},
        event_id=f"evt_test_{secrets.token_hex(6)}",
    )
    assert outcome == "credited"
    assert payment.status == PaymentStatus.SUCCEEDED
    if commit:
        db.session.commit()
    return payment


def balances(company_id: int, worker_id: int) -> dict[str, int]:
    return {
        "available": ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id),
        "reserved": ledger.balance(AccountKind.COMPANY_RESERVED, company_id),
        "payable": ledger.balance(AccountKind.WORKER_PAYABLE, worker_id),
        "fees": ledger.balance(AccountKind.PLATFORM_FEES),
    }


def post_events(client, emulator, type: str | None = None) -> list[dict]:
    """Deliver the emulator's events (of ``type``) to the app's webhook, signed,
    as Stripe would; returns the app's answers."""
    answers = []
    for item in emulator.control.events(type):
        payload, signature = emulator.control.signed(item["event"]["id"])
        response = client.post(
            "/stripe/webhook",
            data=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            csrf=False,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        answers.append(response.get_json())
    return answers
