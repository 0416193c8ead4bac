"""Money through the real stripe client and the bundled emulator: funding by
card credited only by the signed webhook (once, whatever the replays), Connect
onboarding, payouts that survive crashes, withdrawals, and a ledger that
agrees with Stripe."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.payments import funding, gateway, payouts, units
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import (
    AccountKind,
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    StripeEvent,
    UnitKind,
)
from tests.conftest import WEBHOOK_SECRET
from tests.payments.helpers import balances, hired, post_events


def pay_by_card(app, company, amount_cents: int, card: str = "pm_card_visa") -> str:
    """What the balance page and Stripe.js do: a payment, its intent, a confirmed card.
    ``company``: the company or its id."""
    company_id = company if isinstance(company, int) else company.id
    with app.app_context():
        from marketplace.accounts.models import Company

        company = db.session.get(Company, company_id)
        owner = company.memberships[0].user
        payment = funding.start_funding(company, amount_cents=amount_cents, by=owner)
        db.session.commit()
        funding.create_intent(payment, by=owner)
        db.session.commit()
        intent_id = payment.stripe_payment_intent_id
        with contextlib.suppress(gateway.CardError):  # a declined card: the intent says so
            gateway.client().v1.payment_intents.confirm(intent_id, params={"payment_method": card})
        return intent_id


def company_balance(app, company_id: int) -> int:
    with app.app_context():
        from marketplace.payments import ledger

        return ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id)


@pytest.fixture
def engagement(app):
    with app.app_context():
        engagement = hired(rate_cents=100)
        return engagement.id, engagement.gig.company, engagement.worker_id


def test_card_payment_is_credited_once_by_the_signed_webhook(
    app, client, stripe_emulator, engagement
):
    _id, company, _worker = engagement
    pay_by_card(app, company, 5000)
    assert company_balance(app, company.id) == 0  # the browser's word does not count
    answers = post_events(client, stripe_emulator, "payment_intent.succeeded")
    assert answers == [{"received": True, "outcome": "credited"}]
    for _ in range(2):  # Stripe delivers again: nothing changes
        assert post_events(client, stripe_emulator, "payment_intent.succeeded")[0]["replay"]
    assert company_balance(app, company.id) == 5000
    with app.app_context():
        assert check_ledger() == []


def test_a_declined_card_credits_nothing(app, client, stripe_emulator, engagement):
    _id, company, _worker = engagement
    pay_by_card(app, company, 5000, card="pm_card_chargeDeclined")
    post_events(client, stripe_emulator)
    assert company_balance(app, company.id) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(Payment.status)) == PaymentStatus.FAILED


def test_events_out_of_order_and_repeated_change_nothing_after_the_first(
    app, client, stripe_emulator, engagement
):
    _id, company, _worker = engagement
    pay_by_card(app, company, 3000, card="pm_card_chargeDeclined")  # failed first …
    with app.app_context():
        payment = db.session.scalar(sa.select(Payment))
        gateway.client().v1.payment_intents.confirm(
            payment.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
        )  # … then paid
    events = list(reversed(stripe_emulator.control.events()))  # newest first
    for _ in range(3):
        for item in events:
            payload, signature = stripe_emulator.control.signed(item["event"]["id"])
            response = client.post(
                "/stripe/webhook",
                data=payload,
                headers={"Stripe-Signature": signature},
                csrf=False,
            )
            assert response.status_code == 200
    assert company_balance(app, company.id) == 3000
    with app.app_context():
        assert db.session.scalar(sa.select(Payment.status)) == PaymentStatus.SUCCEEDED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == len(events)


def _signed(payload: bytes, *, secret: str = WEBHOOK_SECRET, age: int = 0) -> str:
    timestamp = int(time.time()) - age
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "t=1,v1=deadbeef",
        "forged",
        "other-secret",
        "stale",
    ],
)
def test_forged_or_stale_signatures_are_refused(app, client, signature):
    payload = json.dumps(
        {"id": "evt_forged", "type": "payment_intent.succeeded",
         "data": {"object": {"id": "pi_x", "amount_received": 100}}}
    ).encode()  # fmt: skip
    header = {
        None: None,
        "t=1,v1=deadbeef": "t=1,v1=deadbeef",
        "forged": _signed(payload + b" "),
        "other-secret": _signed(payload, secret="whsec_someone_else"),
        "stale": _signed(payload, age=3600),
    }[signature]
    headers = {"Stripe-Signature": header} if header else {}
    response = client.post("/stripe/webhook", data=payload, headers=headers, csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0


def test_unknown_event_types_are_acknowledged_and_ignored(app, client):
    payload = json.dumps(
        {"id": "evt_unknown", "object": "event", "type": "customer.created",
         "data": {"object": {"id": "cus_1", "object": "customer"}}}
    ).encode()  # fmt: skip
    response = client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": _signed(payload)}, csrf=False
    )
    assert response.get_json() == {"received": True, "outcome": "ignored: unknown type"}


def test_events_without_an_object_are_refused(app, client):
    payload = json.dumps({"id": "evt_broken", "object": "event", "type": "x"}).encode()
    response = client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": _signed(payload)}, csrf=False
    )
    assert response.status_code == 400


# --- workers: Connect and payouts ---------------------------------------------------


def connect(app, client, emulator, worker_id: int) -> None:
    """The worker goes through Stripe's onboarding; account.updated reaches the app."""
    with app.app_context():
        from marketplace.accounts.models import User

        url = payouts.onboarding_link(db.session.get(User, worker_id))
        db.session.commit()
    emulator.control.press(url, "complete")
    post_events(client, emulator, "account.updated")


def approved_earnings(app, engagement_id: int, quantity: str) -> None:
    with app.app_context():
        from marketplace.onboarding.models import Engagement

        engagement = db.session.get(Engagement, engagement_id)
        unit = units.record_units(
            engagement,
            kind=UnitKind.EMAIL,
            quantity=Decimal(quantity),
            source=f"test:{engagement_id}:{quantity}:{time.time_ns()}",
            work_date=date.today(),
            by=engagement.worker,
        )
        units.approve(unit, by=None, auto=True)
        db.session.commit()


def transfers(emulator) -> list:
    return [e for e in emulator.control.events("transfer.created")]


def test_payout_pays_the_approved_balance_once(app, client, stripe_emulator, engagement, smtp_sink):
    engagement_id, company, worker_id = engagement
    pay_by_card(app, company, 10000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    connect(app, client, stripe_emulator, worker_id)
    approved_earnings(app, engagement_id, "25")
    with app.app_context():
        run = payouts.run_payouts()
        assert (run.paid_count, run.paid_cents) == (1, 2500)
        assert payouts.run_payouts().paid_count == 0  # nothing left to pay
        assert balances(company.id, worker_id)["payable"] == 0
        assert check_ledger() == []
    assert len(transfers(stripe_emulator)) == 1


class Crash(Exception):
    """The process dies here."""


@pytest.mark.parametrize("where", ["after the row", "after Stripe answered", "while storing"])
def test_a_crashed_payout_run_pays_exactly_once_when_run_again(
    app, client, stripe_emulator, engagement, monkeypatch, where
):
    engagement_id, company, worker_id = engagement
    pay_by_card(app, company, 10000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    connect(app, client, stripe_emulator, worker_id)
    approved_earnings(app, engagement_id, "40")
    real_transfer = gateway.create_transfer

    def crashing_transfer(**kwargs):
        if where == "after the row":
            raise Crash
        real_transfer(**kwargs)
        raise Crash  # Stripe made the transfer; we never heard the answer

    def crashing_email(*args, **kwargs):
        raise Crash  # the answer is in hand but the transaction never commits

    if where == "while storing":
        monkeypatch.setattr(payouts, "_worker_email", crashing_email)
    else:
        monkeypatch.setattr(gateway, "create_transfer", crashing_transfer)
    with app.app_context(), pytest.raises(Crash):
        payouts.run_payouts()
    monkeypatch.undo()
    with app.app_context():
        db.session.rollback()
        pending = db.session.scalars(sa.select(Payout)).all()
        assert [p.status for p in pending] == [PayoutStatus.PENDING]  # written before Stripe
        run = payouts.run_payouts()
        assert run.paid_count == 1
        payout = db.session.scalar(sa.select(Payout))
        assert (payout.status, payout.amount_cents) == (PayoutStatus.PAID, 4000)
        assert check_ledger() == []
    assert len(transfers(stripe_emulator)) == 1


def test_a_refused_transfer_is_recorded_and_retried_next_run(
    app, client, stripe_emulator, engagement, smtp_sink
):
    engagement_id, company, worker_id = engagement
    pay_by_card(app, company, 10000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    connect(app, client, stripe_emulator, worker_id)
    approved_earnings(app, engagement_id, "10")
    stripe_emulator.control.fail_transfers("account_closed")
    with app.app_context():
        run = payouts.run_payouts()
        assert (run.paid_count, run.failed_count) == (0, 1)
        failed = db.session.scalar(sa.select(Payout))
        assert failed.status == PayoutStatus.FAILED and failed.error_code == "account_closed"
        assert balances(company.id, worker_id)["payable"] == 1000  # back, not lost
        from marketplace.accounts.models import User

        worker_email = db.session.get(User, worker_id).email
    assert smtp_sink.last_to(worker_email)["Subject"].startswith("Payout failed")
    with app.app_context():
        assert payouts.run_payouts().paid_count == 1
        assert balances(company.id, worker_id)["payable"] == 0
        assert check_ledger() == []


def test_no_payout_to_a_worker_who_has_not_finished_onboarding(
    app, client, stripe_emulator, engagement
):
    engagement_id, company, worker_id = engagement
    pay_by_card(app, company, 10000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    with app.app_context():
        from marketplace.accounts.models import User

        payouts.onboarding_link(db.session.get(User, worker_id))  # started, not finished
        db.session.commit()
    approved_earnings(app, engagement_id, "10")
    with app.app_context():
        assert payouts.run_payouts().paid_count == 0
        assert balances(company.id, worker_id)["payable"] == 1000
    assert transfers(stripe_emulator) == []


def test_withdrawal_refunds_the_card_and_the_books_agree_with_stripe(
    app, client, stripe_emulator, engagement
):
    _id, company, _worker = engagement
    pay_by_card(app, company, 6000)
    pay_by_card(app, company, 4000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    with app.app_context():
        from marketplace.accounts.models import Company

        company_row = db.session.get(Company, company.id)
        owner = company_row.memberships[0].user
        with pytest.raises(Exception, match="more than can be refunded"):
            funding.withdraw(company_row, amount_cents=20000, by=owner)
        db.session.rollback()
        withdrawal = funding.withdraw(company_row, amount_cents=7000, by=owner)
        db.session.commit()
        funding.complete_withdrawal(withdrawal)
        db.session.commit()
        assert [r.amount_cents for r in withdrawal.refunds] == [4000, 3000]  # newest first
        assert check_ledger() == []
    assert company_balance(app, company.id) == 3000


def test_the_ledger_check_names_what_is_wrong(app, client, stripe_emulator, engagement):
    _id, company, _worker = engagement
    pay_by_card(app, company, 5000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    with app.app_context():
        from marketplace.payments.models import LedgerAccount

        db.session.execute(
            sa.update(LedgerAccount)
            .where(LedgerAccount.kind == AccountKind.COMPANY_AVAILABLE)
            .values(balance_cents=9999)
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "shows 9999 but its entries sum to 5000" in result.output


def test_a_withdrawal_interrupted_by_the_network_is_finished_later_once(
    app, client, stripe_emulator, engagement, monkeypatch
):
    _id, company, _worker = engagement
    pay_by_card(app, company, 5000)
    post_events(client, stripe_emulator, "payment_intent.succeeded")
    real_refund = gateway.create_refund

    def lost_answer(**kwargs):
        real_refund(**kwargs)  # Stripe refunds, but the answer never arrives
        raise gateway.stripe.APIConnectionError("connection reset")

    monkeypatch.setattr(gateway, "create_refund", lost_answer)
    with app.app_context():
        from marketplace.accounts.models import Company

        company_row = db.session.get(Company, company.id)
        withdrawal = funding.withdraw(
            company_row, amount_cents=2000, by=company_row.memberships[0].user
        )
        db.session.commit()
        funding.complete_withdrawal(withdrawal)
        db.session.commit()
        assert withdrawal.status == "pending"  # unknown outcome: not failed, not done
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["payouts", "run"])
    assert "Finished 1 pending withdrawal(s)." in result.output
    with app.app_context():
        assert check_ledger() == []  # exactly one refund at Stripe, booked once
    assert company_balance(app, company.id) == 3000
