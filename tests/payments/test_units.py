"""Recording work reserves money; review moves it to the worker (and the fee to
the platform) or back to the company; disputes are decided by an admin."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.payments import units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import UnitKind, UnitStatus
from tests.factories import AdminFactory
from tests.payments.helpers import balances, funded, hired


def record(engagement, quantity="1", source=None, **kwargs):
    return units.record_units(
        engagement,
        kind=UnitKind.EMAIL,
        quantity=Decimal(quantity),
        source=source or f"test:{utcnow().timestamp()}:{quantity}:{id(kwargs)}",
        work_date=kwargs.pop("work_date", date.today()),
        by=engagement.worker,
        **kwargs,
    )


def test_fee_is_on_top_and_rounded_half_up(app, db):
    assert units.fee_for(80) == 12  # 15 % of 0,80 €
    assert units.fee_for(10) == 2  # 1,5 ct → 2 ct
    assert units.fee_for(3) == 0  # 0,45 ct → 0


def test_record_reserves_approve_pays(db):
    engagement = hired(rate_cents=80)
    company_id, worker_id = engagement.gig.company_id, engagement.worker_id
    funded(engagement.gig.company, 1000)
    unit = record(engagement, "3")
    assert (unit.amount_cents, unit.fee_cents) == (240, 36)
    assert balances(company_id, worker_id) == {
        "available": 724, "reserved": 276, "payable": 0, "fees": 0,
    }  # fmt: skip
    units.approve(unit, by=engagement.gig.company.memberships[0].user)
    assert balances(company_id, worker_id) == {
        "available": 724, "reserved": 0, "payable": 240, "fees": 36,
    }  # fmt: skip
    assert check_ledger(with_stripe=False) == []


def test_unfunded_work_is_kept_waiting_and_reserves_nothing(db):
    engagement = hired(rate_cents=500)
    funded(engagement.gig.company, 500)
    unit = record(engagement, "1")  # 5,00 € + 0,75 € fee > 5,00 €
    db.session.commit()
    assert unit.status == UnitStatus.WAITING and unit.total_cents == 575
    assert balances(engagement.gig.company_id, engagement.worker_id)["available"] == 500
    assert balances(engagement.gig.company_id, engagement.worker_id)["reserved"] == 0
    assert check_ledger(with_stripe=False) == []


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("0", "more than 0"), ("-1", "more than 0"), ("1001", "at most"), ("1.234", "two decimal")],
)
def test_bad_quantities(db, quantity, message):
    engagement = hired()
    funded(engagement.gig.company, 100000)
    with pytest.raises(DomainError, match=message):
        record(engagement, quantity)


def test_the_same_work_is_recorded_once(db):
    engagement = hired()
    funded(engagement.gig.company, 10000)
    record(engagement, "1", source="email:42")
    with pytest.raises(DomainError, match="already been recorded"):
        record(engagement, "1", source="email:42")


def test_future_work_dates_are_refused(db):
    engagement = hired()
    funded(engagement.gig.company, 10000)
    with pytest.raises(DomainError, match="future"):
        record(engagement, "1", work_date=date.today() + timedelta(days=1))


def test_work_before_the_hiring_is_refused(db):
    engagement = hired()
    funded(engagement.gig.company, 10000)
    before = engagement.started_at.date() - timedelta(days=1)
    with pytest.raises(DomainError, match="before the hiring"):
        record(engagement, "1", work_date=before)
    assert balances(engagement.gig.company_id, engagement.worker_id)["reserved"] == 0


def test_review_window_auto_approves(db, travel):
    engagement = hired(rate_cents=100)
    funded(engagement.gig.company, 10000)
    now = utcnow()
    travel(now)
    unit = record(engagement, "1")
    travel(now + timedelta(hours=71))
    assert units.auto_approve_due() == 0
    travel(now + timedelta(hours=73))
    assert units.auto_approve_due() == 1
    assert unit.status == UnitStatus.APPROVED and unit.auto_approved
    assert units.auto_approve_due() == 0


def test_rejection_holds_money_until_final_and_a_dispute_can_pay_the_worker(db, travel, smtp_sink):
    engagement = hired(rate_cents=100)
    company = engagement.gig.company
    owner = company.memberships[0].user
    funded(company, 10000)
    now = utcnow()
    travel(now)
    kept = record(engagement, "1")
    disputed = record(engagement, "2")
    with pytest.raises(DomainError, match="tell the worker why"):
        units.reject(kept, by=owner, reason="")
    units.reject(kept, by=owner, reason="Answer was rude")
    units.reject(disputed, by=owner, reason="Not our customer")
    db.session.commit()
    mails = [m.get_content() for m in smtp_sink.to(engagement.worker.email)]
    assert any("Answer was rude" in m and "dispute it until" in m for m in mails)
    # It says what the work was and at which rate, as the Earnings page does.
    assert any("The work: 1 email · €1.00 per email" in m for m in mails), mails
    units.dispute(disputed, by=engagement.worker, note="The customer wrote to your address.")
    travel(now + timedelta(days=15))
    with pytest.raises(InvalidTransition, match="time to dispute"):
        units.dispute(kept, by=engagement.worker, note="Too late")
    assert units.void_expired_rejections() == 1  # the undisputed one: money back
    assert kept.status == UnitStatus.VOIDED
    with pytest.raises(InvalidTransition, match="time to dispute"):
        units.dispute(kept, by=engagement.worker, note="Still too late")
    units.decide_dispute(disputed, by=AdminFactory(), pay_worker=True, note="Proof checked")
    db.session.commit()
    assert balances(company.id, engagement.worker_id) == {
        "available": 10000 - 230, "reserved": 0, "payable": 200, "fees": 30,
    }  # fmt: skip
    assert check_ledger(with_stripe=False) == []


def test_work_on_an_inactive_engagement_is_refused(db):
    from marketplace.onboarding.models import EngagementStatus

    engagement = hired()
    engagement.status = EngagementStatus.PAUSED
    with pytest.raises(InvalidTransition):
        record(engagement, "1")
