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
from marketplace.payments import funding, ledger, payouts, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import (
    AccountKind,
    LedgerTransaction,
    Payout,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
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
    assert outcomes == ["ok"] * 12  # all work is kept …
    with app.app_context():
        statuses = db.session.scalars(sa.select(WorkUnit.status)).all()
        # … five units reserved, the rest waiting for funds: never overdrawn
        assert sorted(statuses) == [UnitStatus.PENDING] * 5 + [UnitStatus.WAITING] * 7
        assert ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id) == 0
        assert ledger.balance(AccountKind.COMPANY_RESERVED, company_id) == 575
        assert check_ledger(with_stripe=False) == []


def test_two_payments_credited_at_once_count_waiting_work_once(app):
    """Two card payments' webhooks at the same moment: each credits its payment and
    counts the waiting work; every unit is counted (reserved) exactly once."""
    with app.app_context():
        engagement = hired(rate_cents=100)
        for index in range(6):  # nothing in the balance: all six wait
            units.record_units(
                engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source=f"wait:{index}",
                work_date=date.today(), by=engagement.worker,
            )  # fmt: skip
        company = engagement.gig.company
        owner = company.memberships[0].user
        intents = []
        for index in range(2):
            payment = funding.start_funding(company, amount_cents=500, by=owner)
            payment.stripe_payment_intent_id = f"pi_parallel_{index}"
            intents.append(payment.stripe_payment_intent_id)
        db.session.commit()
        company_id = company.id

    def credit(index: int) -> None:
        intent = {"id": intents[index], "amount_received": 500}
        assert funding.payment_succeeded(intent, event_id=f"evt_parallel_{index}") == "credited"

    assert in_parallel(app, 2, credit) == ["ok", "ok"]
    with app.app_context():
        statuses = db.session.scalars(sa.select(WorkUnit.status)).all()
        assert statuses == [UnitStatus.PENDING] * 6  # 6 × 1,15 € = 6,90 € ≤ 10,00 €
        assert ledger.balance(AccountKind.COMPANY_RESERVED, company_id) == 690
        assert ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id) == 1000 - 690
        reservations = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "unit.reserve")
        )
        assert reservations == 6  # each unit counted once
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
