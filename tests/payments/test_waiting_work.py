"""Work a worker records is never thrown away: what the company cannot pay waits for
funds (visible to both sides) and is counted — in the order recorded, exactly once —
when Stripe's webhook credits the company's card payment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.onboarding.models import Engagement
from marketplace.payments import funding, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.workpool import pool
from tests.payments.helpers import balances, funded, hired, post_events
from tests.payments.test_stripe_flows import pay_by_card
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool


def hours(engagement: Engagement, quantity: str, name: str) -> WorkUnit:
    unit = units.record_units(
        engagement,
        kind=UnitKind.HOUR,
        quantity=Decimal(quantity),
        source=f"timesheet:{name}",
        work_date=utcnow().date(),
        by=engagement.worker,
    )
    db.session.commit()
    return unit


def statuses(engagement_id: int) -> dict[str, UnitStatus]:
    return dict(
        db.session.execute(
            sa.select(WorkUnit.source, WorkUnit.status).where(
                WorkUnit.engagement_id == engagement_id
            )
        ).all()
    )


def test_waiting_work_is_counted_in_order_once_the_card_payment_arrives(
    app, client, stripe_emulator
):
    with app.app_context():
        engagement = hired(rate_cents=1500)  # per hour: 1 h = 15,00 € + 2,25 € fee
        engagement.pay_model = PayModel.PER_HOUR
        db.session.commit()
        ids = engagement.id, engagement.gig.company_id, engagement.worker_id
        first = hours(engagement, "2", "first")  # 34,50 €
        second = hours(engagement, "1", "second")  # 17,25 €
        assert (first.status, second.status) == (UnitStatus.WAITING, UnitStatus.WAITING)
    engagement_id, company_id, worker_id = ids

    pay_by_card(app, company_id, 4000)  # covers the first, not both
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    with app.app_context():
        assert statuses(engagement_id) == {
            "timesheet:first": UnitStatus.PENDING,
            "timesheet:second": UnitStatus.WAITING,
        }
        assert balances(company_id, worker_id)["reserved"] == 3450
        assert balances(company_id, worker_id)["available"] == 550
        # 5,50 € would pay a cheap unit, but new work waits behind the older one.
        cheap = units.record_units(
            db.session.get(Engagement, engagement_id), kind=UnitKind.HOUR,
            quantity=Decimal("0.25"), source="timesheet:third", work_date=utcnow().date(),
            by=db.session.get(Engagement, engagement_id).worker,
        )  # fmt: skip
        db.session.commit()
        assert cheap.status == UnitStatus.WAITING
        counted = db.session.scalar(sa.select(WorkUnit).where(WorkUnit.source == "timesheet:first"))
        assert counted.review_due_at > utcnow() + timedelta(hours=71)  # review runs from now

    pay_by_card(app, company_id, 2000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    post_events(client, stripe_emulator, "payment_intent.succeeded")  # replays: nothing more
    with app.app_context():
        assert set(statuses(engagement_id).values()) == {UnitStatus.PENDING}
        assert balances(company_id, worker_id)["reserved"] == 3450 + 1725 + 431
        assert balances(company_id, worker_id)["available"] == 6000 - 3450 - 1725 - 431
        assert units.count_waiting(company_id) == 0  # nothing left, nothing twice
        assert check_ledger() == []  # with Stripe


def test_counting_needs_the_oldest_first(db):
    engagement = hired(rate_cents=1000)
    big = units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(5), source="test:big",
        work_date=utcnow().date(), by=engagement.worker,
    )  # fmt: skip
    small = units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source="test:small",
        work_date=utcnow().date(), by=engagement.worker,
    )  # fmt: skip
    funded(engagement.gig.company, 2000)  # 20 € would pay the small one, not the big one
    assert (big.status, small.status) == (UnitStatus.WAITING, UnitStatus.WAITING)
    assert balances(engagement.gig.company_id, engagement.worker_id)["reserved"] == 0
    funded(engagement.gig.company, 5000)
    db.session.refresh(big), db.session.refresh(small)
    assert (big.status, small.status) == (UnitStatus.PENDING, UnitStatus.PENDING)
    assert balances(engagement.gig.company_id, engagement.worker_id)["reserved"] == 5750 + 1150
    assert check_ledger(with_stripe=False) == []


def test_the_cron_counts_waiting_work_when_money_is_released(app, db, travel):
    engagement = hired(rate_cents=1000)
    owner = engagement.gig.company.memberships[0].user
    funded(engagement.gig.company, 1150)
    rejected = units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source="test:rejected",
        work_date=utcnow().date(), by=engagement.worker,
    )  # fmt: skip
    units.reject(rejected, by=owner, reason="Not ours")
    waiting = units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source="test:waiting",
        work_date=utcnow().date(), by=engagement.worker,
    )  # fmt: skip
    db.session.commit()
    assert waiting.status == UnitStatus.WAITING
    travel(utcnow() + timedelta(days=15))  # nobody disputed: the money is released
    result = app.test_cli_runner().invoke(args=["payouts", "auto-approve"])
    assert "1 rejection(s) became final" in result.output
    assert "1 unit(s) waiting for funds counted" in result.output
    db.session.expire_all()
    assert db.session.get(WorkUnit, waiting.id).status == UnitStatus.PENDING
    assert check_ledger(with_stripe=False) == []


def test_an_answered_email_the_company_cannot_pay_is_kept(db):
    mailbox, (engagement,), _token = make_pool(rate_cents=500, funds_cents=575)
    deliver(mailbox)
    conversation = pool.claim_next(engagement.worker).conversation
    # The company takes its money back while the worker writes.
    company = engagement.gig.company
    owner = company.memberships[0].user
    funding.withdraw(company, amount_cents=575, by=owner)
    reply = pool.answer(conversation, worker=engagement.worker, body="Ist unterwegs.")
    db.session.commit()
    unit = pool.unit_of_reply(reply)
    assert unit.status == UnitStatus.WAITING and unit.total_cents == 575
    assert conversation.status.value == "answered"  # the answer went out all the same


def test_no_withdrawal_of_money_that_waiting_work_needs(db):
    engagement = hired(rate_cents=1000)
    company = engagement.gig.company
    owner = company.memberships[0].user
    funded(company, 500)
    units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source="test:waiting",
        work_date=utcnow().date(), by=engagement.worker,
    )  # fmt: skip
    with pytest.raises(DomainError, match="needed for work waiting for funds"):
        funding.withdraw(company, amount_cents=100, by=owner)
