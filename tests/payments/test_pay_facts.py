"""A gig's public page: is the company's work funded right now, and how fast has
it paid (median days from the work to the payout, last 90 days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments import payouts, units
from marketplace.payments.models import UnitKind
from marketplace.payments.pay_facts import median
from tests.payments.helpers import funded, hired, post_events
from tests.payments.pay_world import part
from tests.payments.test_stripe_flows import connect, pay_by_card


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([(4, 1)], Decimal(4)),
        ([(2, 1), (9, 1), (4, 1)], Decimal(4)),
        ([(2, 1), (4, 1)], Decimal(3)),
        ([(1, 3), (10, 1)], Decimal(1)),  # counts weigh: 1, 1, 1, 10
        ([(1, 2), (10, 2)], Decimal("5.5")),
    ],
)
def test_median_of_counted_values(values, expected):
    assert median(values) == expected


def record(engagement: Engagement, *, days_ago: int, tag: str):
    return units.record_units(
        engagement,
        kind=UnitKind.EMAIL,
        quantity=Decimal(1),
        source=f"test:pay-facts:{tag}",
        work_date=utcnow().date() - timedelta(days=days_ago),
        by=engagement.worker,
    )


def facts(client, gig_id: int) -> str:
    return part(client.get(f"/gigs/{gig_id}"), 'id="pay-facts"')


def test_funded_means_the_balance_covers_the_next_work(app, client):
    with app.app_context():
        engagement = hired(rate_cents=100)
        gig_id, company = engagement.gig_id, engagement.gig.company
        # The next work: HIRE_FUNDED_UNITS (10) emails at 1.00 € + 15 % fee = 11.50 €.
        assert app.config["HIRE_FUNDED_UNITS"] == 10
    assert "No: the company's balance does not cover the next work" in facts(client, gig_id)
    with app.app_context():
        funded(db.session.merge(company), 600)
    assert "No:" in facts(client, gig_id)
    with app.app_context():
        funded(db.session.merge(company), 550)  # 11.50 € now
    assert "Yes: the company's balance covers the next work." in facts(client, gig_id)
    with app.app_context():  # work recorded takes its money: 1.15 € of 11.50 € is gone
        record(db.session.get(Engagement, engagement.id), days_ago=0, tag="taken")
        db.session.commit()
    assert "No:" in facts(client, gig_id)


def test_median_days_from_the_work_to_the_payout(app, client, stripe_emulator, travel):
    now = datetime(2030, 5, 20, 10, 0, tzinfo=UTC)
    travel(now - timedelta(days=1))
    with app.app_context():
        engagement = hired(rate_cents=100)
        ids = engagement.id, engagement.gig_id, engagement.gig.company_id, engagement.worker_id
    engagement_id, gig_id, company_id, worker_id = ids
    pay_by_card(app, company_id, 10_000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    connect(app, client, stripe_emulator, worker_id)
    with app.app_context():
        engagement = db.session.get(Engagement, engagement_id)
        owner = engagement.gig.company.memberships[0].user
        for days_ago in (1, 3, 8):  # paid tomorrow: 2, 4 and 9 days after the work
            units.approve(record(engagement, days_ago=days_ago, tag=str(days_ago)), by=owner)
        record(engagement, days_ago=0, tag="in review")  # not approved: never paid yet
        db.session.commit()
    assert "Paid within No payouts yet" in facts(client, gig_id)

    travel(now)
    with app.app_context():
        assert payouts.run_payouts().paid_count == 1
    assert "Paid within 4 days from the work to the payout (median, last 90 days)" in facts(
        client, gig_id
    )

    # Work done more than 90 days ago no longer counts.
    travel(now + timedelta(days=95))
    assert "Paid within No payouts yet" in facts(client, gig_id)
