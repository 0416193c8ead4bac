"""``flask seed demo`` and money: the demo's books agree with Stripe (the bundled
emulator), its workers can be paid and its companies can take their money back."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Company, User
from marketplace.extensions import db as _db
from marketplace.payments import funding, ledger, payouts
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import (
    AccountKind,
    ConnectedAccount,
    LedgerAccount,
    Payment,
    PaymentStatus,
    StripeEvent,
    WithdrawalStatus,
)
from marketplace.seed.demo import seed_demo
from tests.payments.helpers import post_events


def _seed(db) -> str:
    summary = seed_demo()
    db.session.commit()
    return summary


def test_the_demo_books_agree_with_stripe_pay_out_and_withdraw(db, stripe_emulator):
    _seed(db)
    assert check_ledger() == []  # with Stripe: every seeded payment is at Stripe
    funded_companies = db.session.scalars(
        sa.select(Company).join(Payment, Payment.company_id == Company.id).distinct()
    ).all()
    assert funded_companies
    assert all(p.status == PaymentStatus.SUCCEEDED for p in db.session.scalars(sa.select(Payment)))

    run = payouts.run_payouts()
    assert run.paid_count >= 1 and run.paid_cents > 0 and run.failed_count == 0
    assert stripe_emulator.control.events("transfer.created")
    assert check_ledger() == []

    for company in funded_companies:
        owner = company.memberships[0].user
        amount = ledger.balance(AccountKind.COMPANY_AVAILABLE, company.id)
        assert amount > 0
        withdrawal = funding.withdraw(company, amount_cents=amount, by=owner)
        db.session.commit()
        funding.complete_withdrawal(withdrawal)
        db.session.commit()
        assert withdrawal.status == WithdrawalStatus.DONE, [
            r.error_message for r in withdrawal.refunds
        ]
        assert ledger.balance(AccountKind.COMPANY_AVAILABLE, company.id) == 0
    assert check_ledger() == []


def test_the_demo_workers_can_receive_payouts(db):
    _seed(db)
    hired = set(
        db.session.scalars(
            sa.select(User.email)
            .join(ConnectedAccount, ConnectedAccount.user_id == User.id)
            .where(ConnectedAccount.payouts_enabled, ConnectedAccount.transfers_active)
        )
    )
    assert {"seeker@demo.test", "sam@demo.test"} <= hired
    payable = db.session.scalar(
        sa.select(sa.func.sum(LedgerAccount.balance_cents)).where(
            LedgerAccount.kind == AccountKind.WORKER_PAYABLE
        )
    )
    assert payable and payable >= 100  # approved demo work waits for the next payout run


def test_stripes_later_webhook_for_seeded_money_changes_nothing(app, client, stripe_emulator):
    """The seed credits each payment from Stripe's own event, stored as if received:
    when the emulator delivers the event to the running app later, it is a replay."""
    with app.app_context():
        _seed(_db)
        before = {a.id: a.balance_cents for a in _db.session.scalars(sa.select(LedgerAccount))}
        stored = _db.session.scalars(
            sa.select(StripeEvent.stripe_event_id).where(
                StripeEvent.type == "payment_intent.succeeded"
            )
        ).all()
        _db.session.remove()
    answers = post_events(client, stripe_emulator, "payment_intent.succeeded")
    assert answers and all(answer.get("replay") for answer in answers)
    assert {item["event"]["id"] for item in stripe_emulator.control.events(
        "payment_intent.succeeded"
    )} == set(stored)  # fmt: skip
    with app.app_context():
        after = {a.id: a.balance_cents for a in _db.session.scalars(sa.select(LedgerAccount))}
        assert after == before
        assert check_ledger() == []


def test_seeding_twice_keeps_the_books_right(db):
    _seed(db)
    payments = db.session.scalar(sa.select(sa.func.count()).select_from(Payment))
    _seed(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == payments
    assert check_ledger() == []
