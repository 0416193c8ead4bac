"""The Stripe emulator, driven by the real ``stripe`` client over HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import stripe

from marketplace.sandbox.stripe_emulator import EmulatorServer
from marketplace.sandbox.stripe_emulator.client import EmulatorControl, http
from marketplace.sandbox.stripe_emulator.params import allowed_parameters, decode_form
from tests.sandbox.conftest import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    assert_stripe_shape,
    wait_until,
)

CARD_ONLY = {"allowed_payment_method_types": ["card"]}
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}


def pay(client: stripe.StripeClient, amount=5000, method="pm_card_visa", options=None):
    """A card payment confirmed server-side, as the tests (not the app) make them."""
    return client.v1.payment_intents.create(
        {"amount": amount, "currency": "eur", "payment_method": method, "confirm": True,
         **CARD_ONLY},
        options,
    )  # fmt: skip


def onboarded_account(client: stripe.StripeClient, control: EmulatorControl) -> stripe.Account:
    account = client.v1.accounts.create(
        {"type": "express", "email": "w@example.test",
         "capabilities": {"transfers": {"requested": True}}}
    )  # fmt: skip
    link = client.v1.account_links.create(
        {"account": account.id, "refresh_url": "http://app.test/refresh",
         "return_url": "http://app.test/return", "type": "account_onboarding"}
    )  # fmt: skip
    assert control.press(link.url, "complete") == "http://app.test/return"
    return client.v1.accounts.retrieve(account.id)


def event_types(control: EmulatorControl) -> list[str]:
    return [entry["event"]["type"] for entry in control.events()]


# --- customers and payment intents -----------------------------------------


def test_customers_are_created_retrieved_and_updated(stripe_client):
    customer = stripe_client.v1.customers.create(
        {"email": "firma@example.test", "name": "Firma", "metadata": {"company_id": "7"}}
    )
    assert customer.id.startswith("cus_") and customer.livemode is False
    assert_stripe_shape(customer, stripe.Customer)
    updated = stripe_client.v1.customers.update(
        customer.id, {"metadata": {"company_id": "", "plan": "b"}}
    )
    assert updated.metadata.to_dict() == {"plan": "b"}
    assert stripe_client.v1.customers.retrieve(customer.id).email == "firma@example.test"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.customers.retrieve("cus_missing")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_a_test_card_payment_succeeds_with_a_retrievable_charge(stripe_client, stripe_emulator):
    customer = stripe_client.v1.customers.create({})
    intent = stripe_client.v1.payment_intents.create(
        {"amount": 2500, "currency": "EUR", "customer": customer.id, "metadata": {"f": "1"},
         **CARD_ONLY}
    )  # fmt: skip
    assert intent.status == "requires_payment_method" and intent.currency == "eur"
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    intent = stripe_client.v1.payment_intents.confirm(
        intent.id, {"payment_method": "pm_card_visa", "expand": ["latest_charge"]}
    )
    assert (intent.status, intent.amount_received) == ("succeeded", 2500)
    assert_stripe_shape(intent, stripe.PaymentIntent)
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge.id)
    assert (charge.status, charge.paid, charge.payment_intent) == ("succeeded", True, intent.id)
    assert charge.payment_method_details.card.last4 == "4242"
    assert_stripe_shape(charge, stripe.Charge)
    listed = stripe_client.v1.payment_intents.list({"customer": customer.id, "limit": 1})
    assert [i.id for i in listed.data] == [intent.id]
    [entry] = stripe_emulator.control.events()
    assert entry["event"]["type"] == "payment_intent.succeeded"
    assert entry["event"]["request"]["id"] == intent.last_response.request_id


def test_a_declined_card_is_a_card_error_and_the_intent_can_be_retried(
    stripe_client, stripe_emulator
):
    with pytest.raises(stripe.CardError) as declined:
        pay(stripe_client, method="pm_card_chargeDeclined")
    error = declined.value
    assert (error.http_status, error.code, error.error.decline_code) == (
        402, "card_declined", "generic_decline",
    )  # fmt: skip
    intent_id = error.error.payment_intent["id"]
    intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "card_declined"
    assert_stripe_shape(intent, stripe.PaymentIntent)
    retried = stripe_client.v1.payment_intents.confirm(
        intent_id, {"payment_method": "pm_card_visa"}
    )
    assert retried.status == "succeeded" and retried.last_payment_error is None
    assert event_types(stripe_emulator.control) == [
        "payment_intent.payment_failed", "payment_intent.succeeded",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("button", "status", "error_code"),
    [("authenticate", "succeeded", None),
     ("fail", "requires_payment_method", "payment_intent_authentication_failure")],
)  # fmt: skip
def test_a_card_requiring_authentication_goes_through_the_local_3ds_page(
    stripe_client, browser_client, stripe_emulator, button, status, error_code
):
    intent = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    # What Stripe.js does with the publishable key: card → PaymentMethod → confirm.
    method = browser_client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000002500003155", "exp_month": 12,
                                  "exp_year": 2040, "cvc": "123"}}
    )  # fmt: skip
    assert method.card.last4 == "3155" and "number" not in method.card
    confirmed = browser_client.v1.payment_intents.confirm(
        intent.id, {"payment_method": method.id, "client_secret": intent.client_secret}
    )
    assert confirmed.status == "requires_action"
    assert confirmed.next_action.type == "redirect_to_url"
    page_url = confirmed.next_action.redirect_to_url.url
    assert page_url.startswith(stripe_emulator.url + "/3ds/")
    assert stripe_emulator.control.press(page_url, button) == ""
    final = browser_client.v1.payment_intents.retrieve(
        intent.id, {"client_secret": intent.client_secret}
    )
    assert final.status == status
    assert (final.last_payment_error and final.last_payment_error.code) == error_code
    assert http("GET", page_url)[0] == 404  # the challenge is used up


def test_publishable_keys_only_work_where_stripe_js_uses_them(stripe_client, browser_client):
    intent = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    with pytest.raises(stripe.AuthenticationError):
        browser_client.v1.customers.create({})
    with pytest.raises(stripe.InvalidRequestError) as no_secret:
        browser_client.v1.payment_intents.retrieve(intent.id)
    assert no_secret.value.code == "parameter_missing"
    with pytest.raises(stripe.InvalidRequestError):
        browser_client.v1.payment_intents.retrieve(intent.id, {"client_secret": "pi_x_secret_y"})
    with pytest.raises(stripe.InvalidRequestError, match="unsafe"):
        stripe_client.v1.payment_methods.create(
            {"type": "card", "card": {"number": "4242424242424242", "exp_month": 1,
                                      "exp_year": 2040}}
        )  # fmt: skip


def test_invalid_card_details_are_card_errors(browser_client):
    with pytest.raises(stripe.CardError) as bad:
        browser_client.v1.payment_methods.create(
            {"type": "card", "card": {"number": "4242424242424241", "exp_month": 1,
                                      "exp_year": 2040}}
        )  # fmt: skip
    assert bad.value.code == "incorrect_number"


def test_server_side_confirmation_needs_a_return_url_unless_redirects_are_off(stripe_client):
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        stripe_client.v1.payment_intents.create(
            {"amount": 900, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
        )
    intent = stripe_client.v1.payment_intents.create(
        {"amount": 900, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True,
         "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}
    )  # fmt: skip
    assert intent.status == "succeeded"


def test_intents_are_updated_and_canceled_as_stripe_allows(stripe_client, stripe_emulator):
    intent = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    updated = stripe_client.v1.payment_intents.update(intent.id, {"metadata": {"order": "42"}})
    assert updated.metadata.to_dict() == {"order": "42"}
    canceled = stripe_client.v1.payment_intents.cancel(intent.id)
    assert canceled.status == "canceled" and canceled.canceled_at
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert refused.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError, match="status of succeeded"):
        stripe_client.v1.payment_intents.cancel(pay(stripe_client).id)
    assert event_types(stripe_emulator.control)[0] == "payment_intent.canceled"


@pytest.mark.parametrize("reason", ["abandoned", "requested_by_customer", None])
def test_cancel_keeps_the_reason_and_tells_the_webhook(stripe_client, stripe_emulator, reason):
    """What the app relies on when a company cancels, or cron expires, a card payment."""
    intent = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    params = {"cancellation_reason": reason} if reason else {}
    canceled = stripe_client.v1.payment_intents.cancel(intent.id, params)
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", reason)
    assert_stripe_shape(canceled, stripe.PaymentIntent)
    (entry,) = stripe_emulator.control.events("payment_intent.canceled")
    sent = entry["event"]["data"]["object"]
    assert (sent["id"], sent["status"], sent["cancellation_reason"]) == (
        intent.id, "canceled", reason,
    )  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError, match="status of canceled") as twice:
        stripe_client.v1.payment_intents.cancel(intent.id)
    assert twice.value.code == "payment_intent_unexpected_state"


def test_cancel_is_allowed_while_unpaid_and_refuses_unknown_reasons(stripe_client, browser_client):
    declined = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_intents.confirm(
            declined.id, {"payment_method": "pm_card_chargeDeclined", "return_url": "http://x"}
        )
    with pytest.raises(stripe.InvalidRequestError) as bad:
        stripe_client.v1.payment_intents.cancel(declined.id, {"cancellation_reason": "bored"})
    assert bad.value.param == "cancellation_reason"
    assert stripe_client.v1.payment_intents.cancel(declined.id).status == "canceled"
    waiting = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    method = browser_client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000002500003155", "exp_month": 12,
                                  "exp_year": 2040, "cvc": "123"}}
    )  # fmt: skip
    page_url = browser_client.v1.payment_intents.confirm(
        waiting.id, {"payment_method": method.id, "client_secret": waiting.client_secret}
    ).next_action.redirect_to_url.url
    assert stripe_client.v1.payment_intents.cancel(waiting.id).status == "canceled"
    assert http("GET", page_url)[0] == 404  # the 3-D Secure challenge is gone with it


# --- refunds, transfers, balance --------------------------------------------


def test_refunds_partial_full_and_too_much(stripe_client, stripe_emulator):
    intent = pay(stripe_client, amount=5000)
    partial = stripe_client.v1.refunds.create(
        {"payment_intent": intent.id, "amount": 1500, "reason": "requested_by_customer"}
    )
    assert (partial.status, partial.amount, partial.charge) == (
        "succeeded", 1500, intent.latest_charge,
    )  # fmt: skip
    assert_stripe_shape(partial, stripe.Refund)
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.refunds.create({"payment_intent": intent.id, "amount": 3501})
    assert too_much.value.param == "amount"
    assert "(€35.01) is greater than unrefunded amount on charge (€35.00)" in str(too_much.value)
    rest = stripe_client.v1.refunds.create({"payment_intent": intent.id})
    assert rest.amount == 3500
    assert stripe_client.v1.charges.retrieve(intent.latest_charge).refunded is True
    with pytest.raises(stripe.InvalidRequestError) as again:
        stripe_client.v1.refunds.create({"payment_intent": intent.id})
    assert again.value.code == "charge_already_refunded"
    listed = stripe_client.v1.refunds.list({"payment_intent": intent.id})
    assert [r.id for r in listed.data] == [rest.id, partial.id]
    assert event_types(stripe_emulator.control).count("charge.refunded") == 2


def test_an_intent_without_a_successful_charge_cannot_be_refunded(stripe_client):
    intent = stripe_client.v1.payment_intents.create({"amount": 900, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError, match="does not have a successful charge"):
        stripe_client.v1.refunds.create({"payment_intent": intent.id})


def test_onboarding_through_an_account_link_enables_the_account(stripe_client, stripe_emulator):
    account = stripe_client.v1.accounts.create(
        {"type": "express", "email": "w@example.test", "metadata": {"worker": "3"},
         "capabilities": {"transfers": {"requested": True}}}
    )  # fmt: skip
    assert (account.country, account.charges_enabled, account.payouts_enabled) == (
        "DE",
        False,
        False,
    )
    assert account.requirements.currently_due and account.capabilities.transfers == "inactive"
    assert_stripe_shape(account, stripe.Account)
    link = stripe_client.v1.account_links.create(
        {"account": account.id, "refresh_url": "http://app.test/refresh",
         "return_url": "http://app.test/return", "type": "account_onboarding"}
    )  # fmt: skip
    assert_stripe_shape(link, stripe.AccountLink)
    status, _, page = http("GET", link.url)
    assert status == 200 and b"Complete onboarding" in page and b"Abandon" in page
    # Account links are single-use: opening one again leads to refresh_url.
    assert http("GET", link.url)[1]["Location"] == "http://app.test/refresh"
    status, headers, _ = http("POST", link.url, form={"action": "complete"})
    assert (status, headers["Location"]) == (303, "http://app.test/return")
    fresh = stripe_client.v1.accounts.retrieve(account.id)
    assert fresh.details_submitted and fresh.payouts_enabled and fresh.charges_enabled
    assert fresh.capabilities.transfers == "active" and fresh.requirements.currently_due == []
    updated = stripe_emulator.control.events("account.updated")[-1]["event"]
    assert updated["data"]["object"]["id"] == fresh.id
    assert updated["data"]["previous_attributes"]["payouts_enabled"] is False


def test_abandoning_onboarding_returns_to_refresh_url(stripe_client, stripe_emulator):
    account = stripe_client.v1.accounts.create({"type": "express"})
    link = stripe_client.v1.account_links.create(
        {"account": account.id, "refresh_url": "http://app.test/refresh",
         "return_url": "http://app.test/return", "type": "account_onboarding"}
    )  # fmt: skip
    assert stripe_emulator.control.press(link.url, "abandon") == "http://app.test/refresh"
    assert stripe_client.v1.accounts.retrieve(account.id).details_submitted is False
    assert stripe_emulator.control.events() == []


def test_transfers_go_to_onboarded_accounts_only(stripe_client, stripe_emulator):
    pay(stripe_client, amount=10_000)
    ready = onboarded_account(stripe_client, stripe_emulator.control)
    transfer = stripe_client.v1.transfers.create(
        {"amount": 4000, "currency": "eur", "destination": ready.id, "transfer_group": "run-1",
         "description": "Payout", "metadata": {"payout": "9"}}
    )  # fmt: skip
    assert transfer.id.startswith("tr_") and transfer.destination == ready.id
    assert_stripe_shape(transfer, stripe.Transfer)
    assert stripe_client.v1.transfers.retrieve(transfer.id).amount == 4000
    by_group = stripe_client.v1.transfers.list({"transfer_group": "run-1"})
    assert [t.id for t in by_group.data] == [transfer.id]
    assert "transfer.created" in event_types(stripe_emulator.control)

    not_ready = stripe_client.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.transfers.create(
            {"amount": 100, "currency": "eur", "destination": not_ready.id}
        )
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError) as broke:
        stripe_client.v1.transfers.create(
            {"amount": 6001, "currency": "eur", "destination": ready.id}
        )
    assert broke.value.code == "balance_insufficient"


def test_injected_transfer_failures(stripe_client, stripe_emulator):
    control = stripe_emulator.control
    control.add_funds(10_000)
    first, second = (onboarded_account(stripe_client, control) for _ in range(2))
    control.fail_transfers("account_invalid", count=1)
    control.fail_transfers("transfers_not_allowed", count=None, destination=second.id)
    args = {"amount": 100, "currency": "eur"}
    with pytest.raises(stripe.InvalidRequestError) as injected:
        stripe_client.v1.transfers.create({**args, "destination": first.id})
    assert injected.value.code == "account_invalid"
    assert stripe_client.v1.transfers.create({**args, "destination": first.id}).amount == 100
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError, match="cannot be created"):
            stripe_client.v1.transfers.create({**args, "destination": second.id})
    control.clear_failures()
    assert stripe_client.v1.transfers.create({**args, "destination": second.id}).amount == 100


def test_balance_is_charges_minus_refunds_minus_transfers(stripe_client, stripe_emulator):
    intent = pay(stripe_client, amount=8000)
    pay(stripe_client, amount=2000)
    with pytest.raises(stripe.CardError):
        pay(stripe_client, amount=9999, method="pm_card_chargeDeclinedInsufficientFunds")
    stripe_client.v1.refunds.create({"payment_intent": intent.id, "amount": 500})
    account = onboarded_account(stripe_client, stripe_emulator.control)
    stripe_client.v1.transfers.create(
        {"amount": 3000, "currency": "eur", "destination": account.id}
    )
    balance = stripe_client.v1.balance.retrieve()
    assert_stripe_shape(balance, stripe.Balance)
    assert [(b.amount, b.currency) for b in balance.available] == [
        (8000 + 2000 - 500 - 3000, "eur")
    ]
    assert sum(b.amount for b in balance.pending) == 0


# --- protocol: idempotency, parameters, keys, expand ------------------------


def test_idempotency_keys_replay_or_refuse(stripe_client, stripe_emulator):
    args = {"amount": 1200, "currency": "eur"}
    first = stripe_client.v1.payment_intents.create(args, {"idempotency_key": "fund-1"})
    again = stripe_client.v1.payment_intents.create(args, {"idempotency_key": "fund-1"})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        stripe_client.v1.payment_intents.create(
            {**args, "amount": 1300}, {"idempotency_key": "fund-1"}
        )
    other_key = stripe.StripeClient("sk_test_other", base_addresses={"api": stripe_emulator.url})
    assert other_key.v1.payment_intents.create(args, {"idempotency_key": "fund-1"}).id != first.id
    # A decline started executing, so it is stored and replayed as it was.
    for _ in range(2):
        with pytest.raises(stripe.CardError):
            pay(stripe_client, method="pm_card_chargeDeclined", options={"idempotency_key": "d"})
    assert event_types(stripe_emulator.control) == ["payment_intent.payment_failed"]
    # The same key while the first request still runs: 409, which the client retries.
    stripe_emulator.emulator.store.idempotency[f"{SECRET_KEY}\nbusy"] = {"in_flight": True}
    with pytest.raises(stripe.APIError) as busy:
        stripe_client.v1.customers.create({}, {"idempotency_key": "busy"})
    assert busy.value.http_status == 409
    # A request refused by validation is not stored: the key stays usable.
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.create({"bogus": "1"}, {"idempotency_key": "c"})  # type: ignore[typeddict-unknown-key]
    assert stripe_client.v1.customers.create({}, {"idempotency_key": "c"}).id.startswith("cus_")


@pytest.mark.parametrize(
    ("path", "body", "code", "param"),
    [("/v1/customers", {"nonsense": "1"}, "parameter_unknown", "nonsense"),
     ("/v1/payment_intents", {"amount": "100"}, "parameter_missing", "currency"),
     ("/v1/account_links", {"account": "acct_1"}, "parameter_missing", "type"),
     ("/v1/payment_intents", {"amount": "1x", "currency": "eur"}, "parameter_invalid_integer",
      "amount")],
)  # fmt: skip
def test_parameters_are_checked_like_stripe(stripe_emulator, path, body, code, param):
    status, _, content = http("POST", stripe_emulator.url + path, form=body, headers=AUTH)
    error = json.loads(content)["error"]
    assert (status, error["type"], error["code"], error["param"]) == (
        400, "invalid_request_error", code, param,
    )  # fmt: skip


def test_unknown_parameters_raise_invalid_request_error(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.transfers.list({"recipient": "x"})  # type: ignore[typeddict-unknown-key]
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "recipient")


@pytest.mark.parametrize("key", ["sk_live_123", "rk_test_123", "nonsense"])
def test_bad_keys_are_refused(stripe_emulator, key):
    client = stripe.StripeClient(key, base_addresses={"api": stripe_emulator.url})
    with pytest.raises(stripe.AuthenticationError):
        client.v1.balance.retrieve()


def test_a_missing_key_is_a_401_with_stripes_error_json(stripe_emulator):
    status, _, content = http("GET", stripe_emulator.url + "/v1/balance")
    error = json.loads(content)["error"]
    assert status == 401 and error["type"] == "invalid_request_error"
    assert "did not provide an API key" in error["message"]


def test_expand_pagination_and_unknown_urls(stripe_client, stripe_emulator):
    intents = [pay(stripe_client, amount=1000 + n) for n in range(3)]
    listed = stripe_client.v1.payment_intents.list({"limit": 2, "expand": ["data.latest_charge"]})
    assert [i.id for i in listed.data] == [intents[2].id, intents[1].id] and listed.has_more
    assert listed.data[0].latest_charge.object == "charge"
    rest = stripe_client.v1.payment_intents.list({"starting_after": intents[1].id})
    assert [i.id for i in rest.data] == [intents[0].id] and not rest.has_more
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        stripe_client.v1.payment_intents.retrieve(intents[0].id, {"expand": ["currency"]})
    status, _, content = http("POST", stripe_emulator.url + "/v1/coupons", form={}, headers=AUTH)
    assert status == 404 and b"Unrecognized request URL" in content


def test_parameter_names_come_from_the_stripe_package():
    allowed = allowed_parameters("PaymentIntentCreateParams")
    assert {"amount", "currency", "metadata", "confirm"} <= allowed
    assert not {"idempotency_key", "api_key", "stripe_account"} & allowed


def test_form_decoding_follows_stripes_bracket_encoding():
    assert decode_form(
        [("metadata[a]", "1"), ("expand[]", "x"), ("expand[]", "y"), ("card[exp_month]", "2"),
         ("items[1][p]", "b"), ("items[0][p]", "a"), ("metadata[0]", "zero")]
    ) == {
        "metadata": {"a": "1", "0": "zero"}, "expand": ["x", "y"], "card": {"exp_month": "2"},
        "items": [{"p": "a"}, {"p": "b"}],
    }  # fmt: skip


# --- webhooks ----------------------------------------------------------------


def test_every_event_is_delivered_signed(stripe_client, stripe_emulator, webhook_receiver):
    intent = pay(stripe_client)
    stripe_client.v1.refunds.create({"payment_intent": intent.id, "amount": 100})
    webhook_receiver.wait_for(2)
    events = webhook_receiver.events()  # construct_event verifies every signature
    assert sorted(e.type for e in events) == ["charge.refunded", "payment_intent.succeeded"]
    succeeded = next(e for e in events if e.type == "payment_intent.succeeded")
    assert succeeded.data.object.id == intent.id and succeeded.livemode is False
    assert_stripe_shape(succeeded, stripe.Event)
    with pytest.raises(stripe.SignatureVerificationError):
        webhook_receiver.events(secret="whsec_wrong")


def test_a_failed_delivery_is_retried(stripe_client, stripe_emulator, webhook_receiver):
    webhook_receiver.statuses = [500, 503]
    intent = pay(stripe_client)
    deliveries = webhook_receiver.wait_for(3)
    assert deliveries[0][0] == deliveries[2][0]  # the same event, signed afresh each time
    entry = wait_until(
        lambda: next((e for e in stripe_emulator.control.events()
                      if e["delivery"]["state"] == "succeeded"), None)
    )  # fmt: skip
    assert [a["status"] for a in entry["delivery"]["attempts"]] == [500, 503, 200]
    assert stripe_client.v1.events.retrieve(entry["event"]["id"]).pending_webhooks == 0
    assert entry["event"]["data"]["object"]["id"] == intent.id


def test_an_unreachable_endpoint_fails_after_the_last_attempt(stripe_client, stripe_emulator):
    stripe_emulator.control.configure(
        webhook_url="http://127.0.0.1:9/unreachable", webhook_secret=WEBHOOK_SECRET,
        retry_schedule=[0.01, 0.01],
    )  # fmt: skip
    pay(stripe_client)
    delivery = wait_until(
        lambda: (d := stripe_emulator.control.events()[0]["delivery"])["state"] == "failed" and d
    )
    assert len(delivery["attempts"]) == 3 and delivery["attempts"][0]["status"] is None


def test_deliver_now_resend_and_sign_on_demand(stripe_client, stripe_emulator, webhook_receiver):
    control = stripe_emulator.control
    control.configure(deliver_in_background=False)
    pay(stripe_client)
    assert webhook_receiver.deliveries == []
    [attempt] = control.deliver()
    assert attempt["status"] == 200 and len(webhook_receiver.deliveries) == 1
    assert control.deliver() == []  # nothing pending any more
    event_id = attempt["event"]
    assert control.resend(event_id)["status"] == 200
    payload, signature = control.signed(event_id)
    assert stripe.Webhook.construct_event(payload, signature, WEBHOOK_SECRET).id == event_id
    listed = stripe_client.v1.events.list({"type": "payment_intent.*", "delivery_success": True})
    assert [e.id for e in listed.data] == [event_id]


# --- Stripe.js, CORS, persistence -------------------------------------------------


def test_stripe_js_stand_in_is_served(stripe_emulator, tmp_path):
    status, headers, script = http("GET", stripe_emulator.url + "/v3")
    assert status == 200 and headers["Content-Type"].startswith("application/javascript")
    source = script.decode()
    assert "window.Stripe = Stripe" in source and "confirmCardPayment" in source
    assert json.dumps(stripe_emulator.url) in source
    node = shutil.which("node")
    if node:  # a syntax check; the browser test exercises it for real
        (tmp_path / "stripe.js").write_text(source)
        subprocess.run([node, "--check", str(tmp_path / "stripe.js")], check=True)


def test_cors_lets_stripe_js_call_the_api(stripe_emulator):
    status, headers, _ = http(
        "OPTIONS", stripe_emulator.url + "/v1/payment_methods",
        headers={"Origin": "http://127.0.0.1:5000",
                 "Access-Control-Request-Headers": "authorization,content-type"},
    )  # fmt: skip
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "stripe-emulator.json"
    first = EmulatorServer(quiet=True, state_path=str(state)).start()
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": first.url})
    intent = pay(client, amount=4200)
    first.stop()
    second = EmulatorServer(quiet=True, state_path=str(state)).start()
    try:
        client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": second.url})
        assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
        assert client.v1.balance.retrieve().available[0].amount == 4200
    finally:
        second.stop()
