"""A card payment that was started but never paid does not stay "Pay now" for ever:
the company cancels it, cron expires it (both cancel the PaymentIntent at Stripe),
and a canceled or expired payment never credits the balance."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.payments import funding, gateway
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import Payment, PaymentStatus, StripeEvent
from tests.payments.test_company_views import (
    available,
    confirm_card,
    data_attribute,
    deliver_webhooks,
    make_shop,
    text,
)
from tests.payments.test_stripe_flows import _signed


@pytest.fixture
def stripe_by_hand(app, stripe_emulator):
    """Stripe's events are handed to the app by the test (as in test_company_views)."""
    stripe_emulator.control.configure(
        webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"], deliver_in_background=False
    )
    app.extensions.pop("stripe_client", None)
    yield stripe_emulator
    app.extensions.pop("stripe_client", None)


def start_payment(client, amount: str = "40,00") -> tuple[int, str]:
    """The company starts a card payment and opens the card form: (payment id, secret)."""
    pay_url = client.post("/company/balance/fund", data={"amount": amount}).headers["Location"]
    secret = data_attribute(text(client.get(pay_url)), "client-secret")
    return int(pay_url.rsplit("/", 1)[1]), secret


def stripe_intent(app, payment_id: int):
    with app.app_context():
        intent_id = db.session.get(Payment, payment_id).stripe_payment_intent_id
        return gateway.retrieve_payment_intent(intent_id)


def payment(app, payment_id: int) -> Payment:
    with app.app_context():
        found = db.session.get(Payment, payment_id)
        db.session.expunge(found)
        return found


def late_success(client, app, payment_id: int) -> dict:
    """A signed ``payment_intent.succeeded`` for the payment's intent, as if Stripe
    said it was paid after all."""
    intent = stripe_intent(app, payment_id).to_dict()
    intent.update(status="succeeded", amount_received=intent["amount"])
    payload = json.dumps(
        {"id": f"evt_late_{payment_id}", "object": "event", "type": "payment_intent.succeeded",
         "data": {"object": intent}}
    ).encode()  # fmt: skip
    response = client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": _signed(payload)}, csrf=False
    )
    assert response.status_code == 200
    return response.get_json()


def test_the_company_cancels_a_payment_nobody_finished(app, client, login_as, stripe_by_hand):
    shop = make_shop(app, login_as, fund=0)
    payment_id, _secret = start_payment(client)
    balance = text(client.get("/company/balance"))
    assert "Not paid yet" in balance and "Pay now" in balance and "Cancel payment" in balance

    response = client.post(f"/company/balance/payments/{payment_id}/cancel", follow_redirects=True)
    page = text(response)
    assert "The card payment of €40.00 is canceled." in page
    assert "Pay now" not in page and "Canceled" in page
    intent = stripe_intent(app, payment_id)
    assert (intent.status, intent.cancellation_reason) == ("canceled", "requested_by_customer")
    deliver_webhooks(client, stripe_by_hand, "payment_intent.canceled")  # changes nothing
    assert payment(app, payment_id).status == PaymentStatus.CANCELED
    assert client.get(f"/company/balance/payments/{payment_id}").status_code == 302

    assert late_success(client, app, payment_id)["outcome"] == "ignored: payment was canceled"
    with app.app_context():
        assert available(shop.company_id) == 0
        assert check_ledger() == []  # with Stripe: nobody's books hold the money


def test_canceling_a_payment_stripe_already_took_is_answered_honestly(
    app, client, login_as, stripe_by_hand
):
    shop = make_shop(app, login_as, fund=0)
    payment_id, secret = start_payment(client)
    confirm_card(app, stripe_by_hand, secret)  # paid in another tab; no webhook yet
    response = client.post(f"/company/balance/payments/{payment_id}/cancel")
    assert response.headers["Location"] == f"/company/balance/payments/{payment_id}/done"
    page = text(client.get(response.headers["Location"]))
    assert "Stripe says the card payment of €40.00 was already paid" in page
    assert payment(app, payment_id).status == PaymentStatus.CREATED
    deliver_webhooks(client, stripe_by_hand, "payment_intent.succeeded")
    assert payment(app, payment_id).status == PaymentStatus.SUCCEEDED
    with app.app_context():
        assert available(shop.company_id) == 4000
        assert check_ledger() == []


def test_cron_expires_stale_unpaid_payments_at_stripe(
    app, client, login_as, stripe_by_hand, travel
):
    shop = make_shop(app, login_as, fund=0)
    start = utcnow()
    travel(start)
    stale, _secret = start_payment(client, "20,00")
    declined, declined_secret = start_payment(client, "30,00")
    with pytest.raises(Exception, match="declined"):
        confirm_card(app, stripe_by_hand, declined_secret, number="4000000000000002")
    deliver_webhooks(client, stripe_by_hand, "payment_intent.payment_failed")
    travel(start + timedelta(hours=2))
    fresh, _secret = start_payment(client, "50,00")
    runner = app.test_cli_runner()

    travel(start + timedelta(hours=23, minutes=59))
    assert (
        "0 unpaid card payment(s) expired" in runner.invoke(args=["payouts", "auto-approve"]).output
    )
    travel(start + timedelta(hours=24, minutes=1))
    assert (
        "2 unpaid card payment(s) expired" in runner.invoke(args=["payouts", "auto-approve"]).output
    )
    assert [payment(app, i).status for i in (stale, declined, fresh)] == [
        PaymentStatus.CANCELED, PaymentStatus.CANCELED, PaymentStatus.CREATED,
    ]  # fmt: skip
    assert stripe_intent(app, stale).cancellation_reason == "abandoned"
    balance = text(client.get("/company/balance"))
    assert balance.count("Expired") == 2 and balance.count("Pay now") == 1

    assert late_success(client, app, stale)["outcome"] == "ignored: payment was canceled"
    with app.app_context():
        assert available(shop.company_id) == 0
        assert check_ledger() == []
        outcomes = db.session.scalars(sa.select(StripeEvent.outcome)).all()
        assert "credited" not in outcomes


def test_expiry_leaves_a_payment_that_stripe_took_to_its_webhook(
    app, client, login_as, stripe_by_hand, travel
):
    shop = make_shop(app, login_as, fund=0)
    start = utcnow()
    travel(start)
    _payment_id, secret = start_payment(client)
    confirm_card(app, stripe_by_hand, secret)  # paid; the webhook is late
    travel(start + timedelta(days=2))
    with app.app_context():
        assert funding.expire_stale_payments() == 0
        db.session.commit()
    deliver_webhooks(client, stripe_by_hand, "payment_intent.succeeded")
    with app.app_context():
        assert available(shop.company_id) == 4000
        assert check_ledger() == []


def test_expiry_waits_for_stripe_when_it_cannot_be_reached(
    app, client, login_as, stripe_by_hand, travel, monkeypatch
):
    make_shop(app, login_as, fund=0)
    start = utcnow()
    travel(start)
    payment_id, _secret = start_payment(client)
    travel(start + timedelta(days=2))

    def unreachable(*args, **kwargs):
        raise gateway.stripe.APIConnectionError("no network")

    monkeypatch.setattr(gateway, "cancel_payment_intent", unreachable)
    with app.app_context():
        assert funding.expire_stale_payments() == 0
        db.session.commit()
    assert payment(app, payment_id).status == PaymentStatus.CREATED
    monkeypatch.undo()
    with app.app_context():
        assert funding.expire_stale_payments() == 1
        db.session.commit()
    assert payment(app, payment_id).status == PaymentStatus.CANCELED
