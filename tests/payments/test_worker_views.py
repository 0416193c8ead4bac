"""The worker's money pages, as a worker uses them: earnings with totals, per day
and per gig, disputes, the CSV export, timesheets and the Stripe connection."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import format_date

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import units
from marketplace.payments.models import (
    ConnectedAccount,
    Payout,
    PayoutStatus,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
from marketplace.payments.worker_forms import HoursError, parse_hours
from tests.factories import UserFactory
from tests.payments.helpers import balances, funded, hired


def record(engagement, quantity="1", *, days_ago=0, kind=UnitKind.EMAIL) -> WorkUnit:
    return units.record_units(
        engagement,
        kind=kind,
        quantity=Decimal(quantity),
        source=f"test:{uuid.uuid4()}",
        work_date=utcnow().date() - timedelta(days=days_ago),
        by=engagement.worker,
    )


def owner_of(engagement):
    return engagement.gig.company.memberships[0].user


def rejected(engagement, reason="Too short.", **kwargs) -> WorkUnit:
    unit = record(engagement, **kwargs)
    units.reject(unit, by=owner_of(engagement), reason=reason)
    return unit


@pytest.fixture
def worker_world(app, login_as):
    """A worker at 2,00 € per email with one unit in each state, logged in."""
    with app.app_context():
        engagement = hired(rate_cents=200)
        engagement.gig.title = "Answer bike shop emails"
        funded(engagement.gig.company, 10_000)
        owner = owner_of(engagement)
        record(engagement, "1", days_ago=2)  # in review
        units.approve(record(engagement, "3"), by=owner)  # approved today
        refused = rejected(engagement, reason="You promised a refund.", days_ago=1)
        disputed = rejected(engagement, reason="Wrong language.", days_ago=1)
        units.dispute(disputed, by=engagement.worker, note="The customer wrote in English.")
        db.session.commit()
        login_as(engagement.worker)
        return {
            "worker_id": engagement.worker_id,
            "company_id": engagement.gig.company_id,
            "engagement_id": engagement.id,
            "rejected_id": refused.id,
            "disputed_id": disputed.id,
        }


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_earnings_page_shows_totals_per_state(client, worker_world):
    page = text_of(client.get("/earnings").get_data(as_text=True))
    assert "€2.00 waiting for the company's review" in page
    assert "€6.00 approved, to be paid out" in page
    assert "€0.00 paid out" in page
    assert "€2.00 disputed, our team decides" in page


def test_earnings_per_day_chart_and_table_and_per_gig(app, client, worker_world):
    html = client.get("/earnings").get_data(as_text=True)
    assert '<svg class="chart"' in html and "Earnings per day, last 30 days" in html
    with app.test_request_context():
        today_label = format_date(utcnow().date())
        earlier_label = format_date(utcnow().date() - timedelta(days=2))
    table = text_of(html.split('id="per-day"')[1].split("</section>")[0])
    assert f"{today_label} €6.00 €0.00 €6.00" in table
    assert f"{earlier_label} €0.00 €2.00 €2.00" in table
    per_gig = text_of(html.split('id="per-gig"')[1].split("</section>")[0])
    # 1 pending + 1 approved entry; rejected work is not counted as earned
    assert "Answer bike shop emails" in per_gig and "2 €6.00 €2.00 €8.00" in per_gig


def test_units_list_shows_status_reason_and_a_dispute_form(client, worker_world):
    html = client.get("/earnings").get_data(as_text=True)
    units_html = html.split('id="units"')[1]
    assert "You promised a refund." in units_html
    rejected_row = units_html.split(f'id="unit-{worker_world["rejected_id"]}"')[1].split("</tr>")[0]
    assert f'action="/earnings/units/{worker_world["rejected_id"]}/dispute"' in rejected_row
    assert "You can dispute this rejection until" in rejected_row
    disputed_row = units_html.split(f'id="unit-{worker_world["disputed_id"]}"')[1]
    disputed_row = disputed_row.split("</tr>")[0]
    assert "Disputed" in disputed_row and "The customer wrote in English." in disputed_row
    assert "/dispute" not in disputed_row


def test_worker_disputes_a_rejection(app, client, worker_world):
    unit_id = worker_world["rejected_id"]
    response = client.post(
        f"/earnings/units/{unit_id}/dispute",
        data={"note": "The shop's rules allow refunds under 20 €."},
        follow_redirects=True,
    )
    assert "Your dispute is in." in response.get_data(as_text=True)
    with app.app_context():
        unit = db.session.get(WorkUnit, unit_id)
        assert unit.status == UnitStatus.DISPUTED
        assert unit.dispute_note == "The shop's rules allow refunds under 20 €."


def test_a_dispute_needs_a_note(app, client, worker_world):
    unit_id = worker_world["rejected_id"]
    response = client.post(
        f"/earnings/units/{unit_id}/dispute", data={"note": "  "}, follow_redirects=True
    )
    assert "Please explain why the work should be paid." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WorkUnit, unit_id).status == UnitStatus.REJECTED


def test_after_the_window_the_time_to_dispute_has_passed(app, client, worker_world, travel):
    unit_id = worker_world["rejected_id"]
    travel(utcnow() + timedelta(days=15))
    html = client.get("/earnings").get_data(as_text=True)
    assert f"/earnings/units/{unit_id}/dispute" not in html
    assert "The time to dispute this rejection has passed." in html
    response = client.post(
        f"/earnings/units/{unit_id}/dispute", data={"note": "Please!"}, follow_redirects=True
    )
    assert "The time to dispute this rejection has passed" in response.get_data(as_text=True)
    with app.app_context():
        unit = db.session.get(WorkUnit, unit_id)
        assert (unit.status, unit.dispute_note) == (UnitStatus.REJECTED, None)


def test_another_workers_unit_cannot_be_disputed(app, client, login_as, worker_world):
    with app.app_context():
        login_as(UserFactory(email="someone.else@example.test"))
    response = client.post(
        f"/earnings/units/{worker_world['rejected_id']}/dispute", data={"note": "Mine!"}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(WorkUnit, worker_world["rejected_id"]).status == UnitStatus.REJECTED
    # and their earnings page shows none of it
    html = client.get("/earnings").get_data(as_text=True)
    assert "You promised a refund." not in html and "No work recorded yet." in html


def test_csv_export_has_a_row_per_unit_and_payout(app, client, worker_world):
    with app.app_context():
        db.session.add(
            Payout(
                worker_id=worker_world["worker_id"],
                stripe_account_id="acct_test",
                amount_cents=600,
                status=PayoutStatus.FAILED,
                idempotency_key="payout-test",
                error_code="account_invalid",
                error_message="The destination account is invalid.",
            )
        )
        db.session.commit()
    response = client.get("/earnings.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "Record", "Date", "Gig", "Kind", "Quantity", "Amount", "Currency", "Status", "Note",
    ]  # fmt: skip
    work = [row for row in rows[1:] if row[0] == "Work"]
    assert len(work) == 4
    approved = next(row for row in work if row[7] == "Approved")
    assert approved[2:7] == ["Answer bike shop emails", "Answered emails", "3.00", "6.00", "EUR"]
    assert any(row[7] == "Rejected" and row[8] == "You promised a refund." for row in work)
    assert rows[-1][0] == "Payout" and rows[-1][5] == "6.00" and rows[-1][7] == "Failed"
    assert rows[-1][8] == "The destination account is invalid."


def test_csv_cells_are_never_formulas(app, client, worker_world):
    with app.app_context():
        engagement = db.session.get(Engagement, worker_world["engagement_id"])
        engagement.gig.title = '=HYPERLINK("http://evil.test","Click")'
        db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/earnings.csv").get_data(as_text=True))))
    assert {row[2] for row in rows[1:] if row[0] == "Work"} == {
        '\'=HYPERLINK("http://evil.test","Click")'
    }


def test_payouts_history_shows_stripes_error_for_failed_ones(app, client, worker_world):
    with app.app_context():
        for n, (status, error) in enumerate(
            [(PayoutStatus.PAID, None), (PayoutStatus.FAILED, "Your bank refused the transfer.")]
        ):
            db.session.add(
                Payout(
                    worker_id=worker_world["worker_id"],
                    stripe_account_id="acct_test",
                    amount_cents=450,
                    status=status,
                    idempotency_key=f"payout-test-{n}",
                    error_code="account_invalid" if error else None,
                    error_message=error,
                )
            )
        db.session.commit()
    html = client.get("/earnings").get_data(as_text=True)
    payouts = text_of(html.split('id="payouts"')[1])
    assert "€4.50 Paid" in payouts and "€4.50 Failed" in payouts
    assert "Stripe said: Your bank refused the transfer." in payouts
    assert "€4.50 paid out" in text_of(html)  # only the paid one counts


@pytest.mark.parametrize(
    ("account", "shown", "button"),
    [
        (None, "Not connected", "Connect with Stripe"),
        ({}, "Onboarding not finished", "Continue Stripe onboarding"),
        ({"details_submitted": True}, "Stripe is checking your details", "Continue Stripe"),
        (
            {"details_submitted": True, "payouts_enabled": True, "transfers_active": True},
            "Payouts enabled",
            None,
        ),
    ],
)
def test_stripe_connection_status(app, client, login_as, account, shown, button):
    with app.app_context():
        worker = UserFactory()
        if account is not None:
            db.session.add(
                ConnectedAccount(user_id=worker.id, stripe_account_id="acct_status", **account)
            )
            db.session.commit()
        login_as(worker)
    stripe = client.get("/earnings").get_data(as_text=True).split('id="stripe"')[1]
    stripe = stripe.split("</section>")[0]
    assert shown in stripe
    if button:
        assert button in stripe and 'action="/earnings/connect"' in stripe
    else:
        assert 'action="/earnings/connect"' not in stripe
        assert "once your approved earnings reach €1.00" in text_of(stripe)


def test_seekers_see_the_earnings_link(app, client, login_as):
    with app.app_context():
        login_as(UserFactory())
    assert '<a href="/earnings">Earnings</a>' in client.get("/applications").get_data(as_text=True)


# --- timesheets ---------------------------------------------------------------------------


@pytest.fixture
def hourly(app, login_as):
    """A worker hired at 12,00 € per hour, company funded with 100,00 €, logged in."""
    with app.app_context():
        engagement = hired(rate_cents=1200)
        engagement.pay_model = PayModel.PER_HOUR
        engagement.gig.pay_model = PayModel.PER_HOUR
        engagement.gig.title = "Moderate the forum"
        db.session.commit()
        funded(engagement.gig.company, 10_000)
        login_as(engagement.worker)
        return {
            "id": engagement.id,
            "url": f"/work/{engagement.id}/timesheet",
            "worker_id": engagement.worker_id,
            "company_id": engagement.gig.company_id,
        }


def timesheet_form(client, url) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    key = re.search(r'name="entry_key" type="hidden" value="([^"]+)"', html)
    assert key, html
    return {"entry_key": key.group(1), "work_date": utcnow().date().isoformat(), "note": ""}


def hour_units(app, engagement_id) -> list[tuple[Decimal, int, str]]:
    with app.app_context():
        return [
            (u.quantity, u.amount_cents, u.source)
            for u in db.session.scalars(
                sa.select(WorkUnit).where(WorkUnit.engagement_id == engagement_id)
            )
        ]


def test_worker_records_hours_with_a_comma(app, client, hourly):
    data = {**timesheet_form(client, hourly["url"]), "hours": "1,5", "note": "Night shift"}
    response = client.post(hourly["url"], data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1.5 hours on" in html and "recorded (€18.00)" in html
    assert "Night shift" in html and "In review" in html
    [(quantity, amount, source)] = hour_units(app, hourly["id"])
    assert (quantity, amount) == (Decimal("1.5"), 1800)
    assert source == f"timesheet:{data['entry_key']}"
    with app.app_context():
        unit = db.session.scalar(sa.select(WorkUnit))
        assert (unit.kind, unit.note, unit.status) == (UnitKind.HOUR, "Night shift", "pending")
        # 18,00 € plus the 15 % fee reserved from the company's balance
        assert balances(hourly["company_id"], hourly["worker_id"])["reserved"] == 2070


def test_hours_with_a_point_work_too(app, client, hourly):
    data = {**timesheet_form(client, hourly["url"]), "hours": "2.75"}
    client.post(hourly["url"], data=data)
    assert [q for q, _a, _s in hour_units(app, hourly["id"])] == [Decimal("2.75")]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "Please enter more than 0 hours."),
        ("0,00", "Please enter more than 0 hours."),
        ("-2", "The hours cannot be negative."),
        ("24,5", "One entry can hold at most 24 hours."),
        ("1,234", "Please use at most two decimal places"),
        ("zwei", "This is not a number of hours."),
        ("1,5h", "This is not a number of hours."),
        ("", "Please enter the hours"),
    ],
)
def test_bad_hours_are_refused(app, client, hourly, hours, message):
    data = {**timesheet_form(client, hourly["url"]), "hours": hours}
    response = client.post(hourly["url"], data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert hour_units(app, hourly["id"]) == []


def test_a_day_in_the_future_is_refused(app, client, hourly):
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    data = {**timesheet_form(client, hourly["url"]), "hours": "2", "work_date": tomorrow}
    html = client.post(hourly["url"], data=data).get_data(as_text=True)
    assert "Work cannot be recorded for a day in the future." in html
    assert hour_units(app, hourly["id"]) == []


def test_a_day_before_hiring_is_refused(app, client, hourly):
    long_ago = (utcnow().date() - timedelta(days=400)).isoformat()
    data = {**timesheet_form(client, hourly["url"]), "hours": "2", "work_date": long_ago}
    html = client.post(hourly["url"], data=data).get_data(as_text=True)
    assert "This is before you were hired" in html
    assert hour_units(app, hourly["id"]) == []


def test_hours_the_company_cannot_cover_are_kept_with_the_reason(app, client, hourly):
    data = {**timesheet_form(client, hourly["url"]), "hours": "8"}  # 96 € + 14,40 € fee > 100 €
    response = client.post(hourly["url"], data=data, follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    assert "8 hours on" in page and "saved (€96.00)" in page
    assert "The company's balance cannot cover them yet" in page
    assert "Waiting for funds" in page  # the entry in the list, with why
    assert "The company's balance could not cover this work (€110.40 with the fee)" in page
    [(quantity, amount, _source)] = hour_units(app, hourly["id"])
    assert (quantity, amount) == (Decimal("8"), 9600)
    with app.app_context():
        assert balances(hourly["company_id"], hourly["worker_id"])["available"] == 10_000
        assert balances(hourly["company_id"], hourly["worker_id"])["reserved"] == 0
    earnings = unescape(client.get("/earnings").get_data(as_text=True))
    assert "€96.00</strong> kept, waiting for the company's funds" in earnings


def test_the_same_form_sent_twice_records_the_hours_once(app, client, hourly):
    data = {**timesheet_form(client, hourly["url"]), "hours": "2"}
    client.post(hourly["url"], data=data)
    html = client.post(hourly["url"], data=data).get_data(as_text=True)
    assert "This work has already been recorded." in html
    assert len(hour_units(app, hourly["id"])) == 1


def test_a_paused_engagement_takes_no_hours(app, client, hourly):
    data = {**timesheet_form(client, hourly["url"]), "hours": "2"}
    with app.app_context():
        db.session.get(Engagement, hourly["id"]).status = EngagementStatus.PAUSED
        db.session.commit()
    html = client.get(hourly["url"]).get_data(as_text=True)
    assert "no hours can be recorded" in html and 'name="hours"' not in html
    html = client.post(hourly["url"], data=data, follow_redirects=True).get_data(as_text=True)
    assert "This engagement is not active; no work can be recorded." in html
    assert hour_units(app, hourly["id"]) == []


def test_timesheets_exist_only_for_the_workers_own_hourly_engagements(
    app, client, login_as, hourly
):
    with app.app_context():
        per_email = hired(rate_cents=80, worker=db.session.get(Engagement, hourly["id"]).worker)
        per_email_url = f"/work/{per_email.id}/timesheet"
    assert client.get(per_email_url).status_code == 404
    with app.app_context():
        login_as(UserFactory())
    assert client.get(hourly["url"]).status_code == 404
    data = {"entry_key": str(uuid.uuid4()), "work_date": "2024-01-01", "hours": "1"}
    assert client.post(hourly["url"], data=data).status_code == 404
    assert hour_units(app, hourly["id"]) == []


def test_earnings_page_links_to_the_timesheet(client, hourly):
    html = client.get("/earnings").get_data(as_text=True)
    assert f'href="{hourly["url"]}"' in html and "Enter hours for Moderate the forum" in html


def test_parse_hours():
    assert parse_hours(" 1,5 ") == Decimal("1.5")
    assert parse_hours("24") == Decimal("24")
    assert parse_hours("0.25") == Decimal("0.25")
    for bad in ("١", "１", "1e2", "NaN", "1,5,5", ".5", "24,01"):
        with pytest.raises(HoursError):
            parse_hours(bad)


# --- connecting Stripe, through the emulator ---------------------------------------------


@pytest.fixture
def stripe_api(stripe_emulator):
    """The bundled Stripe emulator the test app talks to, emptied."""
    return stripe_emulator


def test_worker_connects_stripe_and_sees_payouts_enabled(app, client, login_as, stripe_api):
    with app.app_context():
        login_as(UserFactory(email="ria@example.test"))
    response = client.post("/earnings/connect")
    assert response.status_code == 302 and response.location.startswith(stripe_api.url)
    back = stripe_api.control.press(response.location, "complete")
    assert back == "http://nebendesk.test/earnings/connect/return"
    html = client.get("/earnings/connect/return", follow_redirects=True).get_data(as_text=True)
    assert "Your Stripe account is connected." in html
    assert "Payouts enabled" in html and "Connect with Stripe" not in html


def test_an_expired_onboarding_link_leads_to_a_new_one(app, client, login_as, stripe_api):
    with app.app_context():
        login_as(UserFactory())
    first = client.post("/earnings/connect").location
    assert stripe_api.control.press(first, "abandon") == (
        "http://nebendesk.test/earnings/connect/refresh"
    )
    again = client.get("/earnings/connect/refresh")
    assert again.status_code == 302 and again.location.startswith(stripe_api.url)
    assert again.location != first
    html = client.get("/earnings").get_data(as_text=True)
    assert "Onboarding not finished" in html and "Continue Stripe onboarding" in html


def test_connecting_when_stripe_is_unreachable(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    app.extensions.pop("stripe_client", None)
    try:
        with app.app_context():
            login_as(UserFactory())
        html = client.post("/earnings/connect", follow_redirects=True).get_data(as_text=True)
    finally:
        app.extensions.pop("stripe_client", None)
    assert "Stripe could not be reached." in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConnectedAccount)) == 0


def test_earnings_page_in_german(app, client, worker_world):
    with app.app_context():
        engagement = db.session.get(Engagement, worker_world["engagement_id"])
        engagement.worker.locale = "de"
        db.session.commit()
    page = text_of(client.get("/earnings").get_data(as_text=True))
    assert "6,00 €" in page  # amounts as Germans write them
    rows = list(csv.reader(io.StringIO(client.get("/earnings.csv").get_data(as_text=True))))
    assert {row[5] for row in rows[1:]} == {"2.00", "6.00"}  # the file stays machine-readable
