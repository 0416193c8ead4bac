"""Money under parallel requests (PostgreSQL: row locks and CHECK constraints)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments import ledger, payouts, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import AccountKind, Payout, UnitKind
from tests.payments.helpers import funded, hired, post_events
from tests.payments.test_stripe_flows import approved_earnings, connect, pay_by_card

pytestmark = pytest.mark.postgres


def in_parallel(app, count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                work(index)
                db.session.commit()
                outcomes[index] = "ok"
            except DomainError as exc:
                db.session.rollback()
                outcomes[index] = exc.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_parallel_work_never_overdraws_the_balance(app):
    with app.app_context():
        engagement = hired(rate_cents=100)  # 1,00 € + 0,15 € fee per unit
        funded(engagement.gig.company, 575)  # covers exactly five units
        engagement_id, company_id = engagement.id, engagement.gig.company_id

    def record(index: int) -> None:
        engagement = db.session.get(Engagement, engagement_id)
        units.record_units(
            engagement,
            kind=UnitKind.EMAIL,
            quantity=Decimal(1),
            source=f"parallel:{index}",
            work_date=date.today(),
            by=engagement.worker,
        )

    outcomes = in_parallel(app, 12, record)
    assert outcomes.count("ok") == 5
    with app.app_context():
        assert ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id) == 0
        assert ledger.balance(AccountKind.COMPANY_RESERVED, company_id) == 575
        assert check_ledger(with_stripe=False) == []


def test_two_payout_runs_at_once_pay_each_worker_once(app, client, stripe_emulator):
    workers = []
    with app.app_context():
        for _ in range(4):
            engagement = hired(rate_cents=100)
            workers.append((engagement.id, engagement.gig.company_id, engagement.worker_id))
    for engagement_id, company, worker_id in workers:
        pay_by_card(app, company, 10000)
        post_events(client, stripe_emulator, "payment_intent.succeeded")
        connect(app, client, stripe_emulator, worker_id)
        approved_earnings(app, engagement_id, "12")

    def run(_index: int) -> None:
        payouts.run_payouts(commit=db.session.commit)

    outcomes = in_parallel(app, 2, run)
    assert outcomes == ["ok", "ok"]
    with app.app_context():
        paid = db.session.scalars(sa.select(Payout.worker_id)).all()
        assert sorted(paid) == sorted(w for _e, _c, w in workers)
        assert check_ledger() == []
    assert len(stripe_emulator.control.events("transfer.created")) == 4
