"""Whatever people do, in whatever order, the books stay right: random sequences
of fund / record / approve / reject / auto-approve / dispute / decide / payout /
withdraw never break a balance, the zero sum, or agreement with Stripe."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments import funding, payouts, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import (
    NON_NEGATIVE,
    AccountKind,
    LedgerAccount,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
from tests.conftest import WEBHOOK_SECRET, _empty_all_tables
from tests.factories import AdminFactory
from tests.payments.helpers import hired, post_events
from tests.payments.test_stripe_flows import connect, pay_by_card

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("fund"), st.integers(min_value=500, max_value=5000)),
        st.tuples(st.just("record"), st.integers(min_value=1, max_value=9)),
        st.tuples(st.just("approve"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("reject"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("dispute"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("decide"), st.booleans()),
        st.tuples(st.just("later"), st.integers(min_value=1, max_value=20)),
        st.tuples(st.just("payout"), st.just(0)),
        st.tuples(st.just("withdraw"), st.integers(min_value=1, max_value=3000)),
    ),
    min_size=1,
    max_size=14,
)


def _unit(status: UnitStatus, pick: int) -> WorkUnit | None:
    found = db.session.scalars(
        sa.select(WorkUnit).where(WorkUnit.status == status).order_by(WorkUnit.id)
    ).all()
    return found[pick % len(found)] if found else None


def _apply(operation: str, value, engagement: Engagement, admin, clock: list) -> None:
    company = engagement.gig.company
    owner = company.memberships[0].user
    if operation == "record":
        units.record_units(
            engagement, kind=UnitKind.EMAIL, quantity=Decimal(value),
            source=f"prop:{utcnow().timestamp()}:{value}:{len(clock)}", work_date=date.today(),
            by=engagement.worker,
        )  # fmt: skip
    elif operation == "approve" and (unit := _unit(UnitStatus.PENDING, value)):
        units.approve(unit, by=owner)
    elif operation == "reject" and (unit := _unit(UnitStatus.PENDING, value)):
        units.reject(unit, by=owner, reason="No")
    elif operation == "dispute" and (unit := _unit(UnitStatus.REJECTED, value)):
        units.dispute(unit, by=engagement.worker, note="It was fine")
    elif operation == "decide" and (unit := _unit(UnitStatus.DISPUTED, 0)):
        units.decide_dispute(unit, by=admin, pay_worker=value, note="Decided")
    elif operation == "later":
        clock.append(timedelta(days=value))
        units.auto_approve_due(utcnow() + sum(clock, timedelta()))
        units.void_expired_rejections(utcnow() + sum(clock, timedelta()))
        units.count_all_waiting()  # what `flask payouts auto-approve` does too
    elif operation == "withdraw":
        withdrawal = funding.withdraw(company, amount_cents=value, by=owner)
        db.session.commit()
        funding.complete_withdrawal(withdrawal)


def _invariants() -> None:
    assert check_ledger(with_stripe=True) == []
    negative = db.session.scalars(
        sa.select(LedgerAccount).where(
            LedgerAccount.kind.in_(list(NON_NEGATIVE)), LedgerAccount.balance_cents < 0
        )
    ).all()
    assert negative == []
    # Reserved money is exactly what counted, undecided work needs; waiting work has
    # none (counted once, never twice).
    held = (UnitStatus.PENDING, UnitStatus.REJECTED, UnitStatus.DISPUTED)
    for account in db.session.scalars(
        sa.select(LedgerAccount).where(LedgerAccount.kind == AccountKind.COMPANY_RESERVED)
    ):
        needed = db.session.scalar(
            sa.select(
                sa.func.coalesce(sa.func.sum(WorkUnit.amount_cents + WorkUnit.fee_cents), 0)
            ).where(WorkUnit.company_id == account.owner_id, WorkUnit.status.in_(held))
        )
        assert account.balance_cents == needed


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_random_money_sequences_keep_the_books_right(app, client, stripe_emulator, operations):
    with app.app_context():
        _empty_all_tables()
    stripe_emulator.control.reset()
    stripe_emulator.control.configure(webhook_secret=WEBHOOK_SECRET)
    with app.app_context():
        engagement = hired(rate_cents=100)
        engagement_id, company_id, worker_id = (
            engagement.id,
            engagement.gig.company_id,
            engagement.worker_id,
        )
        admin_id = AdminFactory().id
    connect(app, client, stripe_emulator, worker_id)
    clock: list[timedelta] = []
    for operation, value in operations:
        if operation == "fund":
            pay_by_card(app, company_id, value)
            post_events(client, stripe_emulator, "payment_intent.succeeded")
            continue
        if operation == "payout":
            with app.app_context():
                payouts.run_payouts()
            continue
        with app.app_context():
            from marketplace.accounts.models import User

            try:
                _apply(operation, value, db.session.get(Engagement, engagement_id),
                       db.session.get(User, admin_id), clock)  # fmt: skip
                db.session.commit()
            except DomainError:
                db.session.rollback()  # refused (e.g. unfunded): nothing may have changed
        with app.app_context():
            _invariants()
