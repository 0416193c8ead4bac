"""The admin's money pages, as an admin uses them: revenue and money held,
disputes, payout runs (through the Stripe emulator), failed transfers, the
ledger check and companies whose rejection rate stands out."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.payments import units
from marketplace.payments.admin_queries import CompanyRejections, stands_out
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    Payout,
    PayoutRun,
    PayoutStatus,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
from tests.factories import AdminFactory, UserFactory
from tests.mail.test_outbox import REDIS_URL, redis_is_there
from tests.payments.helpers import balances, funded, hired


@pytest.fixture
def admin(app, login_as):
    with app.app_context():
        user = AdminFactory(email="vera@nebendesk.example")
        login_as(user)
        return user.id


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def record(engagement, quantity="1", **kwargs) -> WorkUnit:
    return units.record_units(
        engagement,
        kind=UnitKind.EMAIL,
        quantity=Decimal(quantity),
        source=f"test:{uuid.uuid4()}",
        work_date=utcnow().date(),
        by=engagement.worker,
        **kwargs,
    )


def owner_of(engagement):
    return engagement.gig.company.memberships[0].user


def disputed(engagement, *, reason="Too short.", note="It answered everything.") -> WorkUnit:
    unit = record(engagement)
    units.reject(unit, by=owner_of(engagement), reason=reason)
    units.dispute(unit, by=engagement.worker, note=note)
    db.session.commit()
    return unit


# --- overview -----------------------------------------------------------------------------


def test_overview_shows_revenue_money_held_and_counts(app, client, admin):
    with app.app_context():
        engagement = hired(rate_cents=1000)
        funded(engagement.gig.company, 10_000)
        units.approve(record(engagement, "2"), by=owner_of(engagement))  # 20 € + 3 € fee
        record(engagement, "1")  # 10 € + 1,50 € reserved
        disputed(engagement)  # 10 € + 1,50 € held in the dispute
        db.session.commit()
    html = client.get("/admin/payments/").get_data(as_text=True)
    page = text_of(html)
    assert "€3.00 platform revenue (fees)" in page
    # 100 € funded: 3 € are the platform's, 97 € belong to companies and workers
    assert "€97.00 money held for companies and workers" in page
    held = text_of(html.split('id="held"')[1].split("</section>")[0])
    assert "Companies: available €54.00" in held
    assert "Companies: reserved for work in review or dispute €23.00" in held
    assert "Workers: approved, to be paid out €20.00" in held
    assert "1 open dispute" in page and "0 failed payouts not paid since" in page
    revenue = html.split('id="revenue"')[1]
    assert '<svg class="chart"' in revenue
    with app.test_request_context():
        from flask_babel import format_date

        this_month = format_date(utcnow().date(), "MMM yyyy")
    assert f"{this_month} €3.00" in text_of(revenue)
    assert "No ledger check has run" in page


def test_admin_nav_links_to_payments(client, admin):
    html = client.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/payments/">Payments</a>' in html


def test_fees_per_month_cover_twelve_months(app, client, admin, login_as, travel):
    with app.app_context():
        engagement = hired(rate_cents=1000)
        funded(engagement.gig.company, 10_000)
        units.approve(record(engagement), by=owner_of(engagement))  # 1,50 € fee now
        db.session.commit()
    travel(utcnow() + timedelta(days=62))
    with app.app_context():
        engagement = db.session.scalar(sa.select(WorkUnit)).engagement
        units.approve(record(engagement, "2"), by=owner_of(engagement))  # 3 € fee later
        db.session.commit()
        login_as(db.session.get(User, admin))  # the session of two months ago has expired
    revenue = client.get("/admin/payments/").get_data(as_text=True).split('id="revenue"')[1]
    amounts = re.findall(r'<td data-label="Fees">(€[\d.,]+)</td>', revenue)
    assert len(amounts) == 12
    assert amounts[0] == "€3.00" and "€1.50" in amounts and amounts.count("€0.00") == 10


# --- disputes -----------------------------------------------------------------------------


@pytest.fixture
def two_disputes(app):
    with app.app_context():
        engagement = hired(rate_cents=500)
        engagement.worker.email = "mia@example.test"
        funded(engagement.gig.company, 10_000)
        first = disputed(engagement, reason="Rude tone.", note="I was polite, see the thread.")
        second = disputed(engagement, reason="Wrong answer.", note="The answer was right.")
        second.disputed_at = first.disputed_at + timedelta(minutes=5)
        db.session.commit()
        return {
            "first": first.id,
            "second": second.id,
            "company_id": engagement.gig.company_id,
            "worker_id": engagement.worker_id,
        }


def test_disputes_queue_oldest_first_with_reason_and_note(client, admin, two_disputes):
    html = client.get("/admin/payments/disputes").get_data(as_text=True)
    assert html.index("Rude tone.") < html.index("Wrong answer.")
    assert "I was polite, see the thread." in html and "mia@example.test" in html
    assert "€5.00" in html
    assert f'action="/admin/payments/disputes/{two_disputes["first"]}/decide"' in html


def test_admin_pays_the_worker(app, client, admin, two_disputes, smtp_sink):
    response = client.post(
        f"/admin/payments/disputes/{two_disputes['first']}/decide",
        data={"decision": "worker", "note": "The thread shows a polite answer."},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Decided: the worker is paid €5.00 and has been told." in html
    assert "Rude tone." not in html and "Wrong answer." in html  # gone from the queue
    with app.app_context():
        unit = db.session.get(WorkUnit, two_disputes["first"])
        assert unit.status == UnitStatus.APPROVED
        assert unit.dispute_decision == "The thread shows a polite answer."
        money = balances(two_disputes["company_id"], two_disputes["worker_id"])
        assert (money["payable"], money["fees"]) == (500, 75)
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.object_id == unit.id, AuditEvent.action.like("unit.dispute%")
            )
        )
        assert event.action == "unit.dispute_for_worker"
        assert event.reason == "The thread shows a polite answer."
    assert (
        "The thread shows a polite answer." in smtp_sink.last_to("mia@example.test").get_content()
    )


def test_admin_agrees_with_the_company(app, client, admin, two_disputes):
    client.post(
        f"/admin/payments/disputes/{two_disputes['second']}/decide",
        data={"decision": "company", "note": "The answer contradicted the shop's rules."},
    )
    with app.app_context():
        unit = db.session.get(WorkUnit, two_disputes["second"])
        assert unit.status == UnitStatus.VOIDED
        money = balances(two_disputes["company_id"], two_disputes["worker_id"])
        assert money["payable"] == 0 and money["available"] == 10_000 - 575  # the first is held
        decisions = sa.select(AuditEvent.action).where(
            AuditEvent.object_id == unit.id, AuditEvent.action.like("unit.dispute%")
        )
        assert list(db.session.scalars(decisions)) == ["unit.dispute_for_company"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "worker", "note": " "}, "Please write a note explaining the decision."),
        ({"note": "Fine."}, "Please choose: pay the worker or agree with the company."),
        ({"decision": "both", "note": "Fine."}, "Please choose: pay the worker or agree"),
    ],
)
def test_a_decision_needs_an_outcome_and_a_note(app, client, admin, two_disputes, data, message):
    url = f"/admin/payments/disputes/{two_disputes['first']}/decide"
    html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert message in html
    with app.app_context():
        assert db.session.get(WorkUnit, two_disputes["first"]).status == UnitStatus.DISPUTED
        decisions = sa.select(AuditEvent).where(AuditEvent.action.like("unit.dispute%"))
        assert db.session.scalars(decisions).all() == []


def test_a_decided_dispute_cannot_be_decided_again(app, client, admin, two_disputes):
    url = f"/admin/payments/disputes/{two_disputes['first']}/decide"
    client.post(url, data={"decision": "worker", "note": "Paid."})
    html = client.post(url, data={"decision": "company", "note": "Oops."}, follow_redirects=True)
    assert "This unit is not disputed." in html.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WorkUnit, two_disputes["first"]).status == UnitStatus.APPROVED


# --- payout runs and failed transfers -----------------------------------------------------


def test_a_run_with_nobody_due_is_listed(app, client, admin):
    html = client.post("/admin/payments/runs", follow_redirects=True).get_data(as_text=True)
    assert "Payout run finished: 0 payouts sent (€0.00), 0 failed." in html
    runs = text_of(html.split("<tbody>")[1])
    assert "vera@nebendesk.example 0 €0.00 0" in runs
    with app.app_context():
        assert db.session.scalar(sa.select(PayoutRun.started_by_id)) == admin


def test_failed_payouts_list_stripes_error(app, client, admin):
    with app.app_context():
        worker = UserFactory(email="jon@example.test")
        for n, status in enumerate([PayoutStatus.FAILED, PayoutStatus.PAID]):
            db.session.add(
                Payout(
                    worker_id=worker.id,
                    stripe_account_id="acct_x",
                    amount_cents=1234,
                    status=status,
                    idempotency_key=f"payout-t{n}",
                    error_code="account_invalid" if n == 0 else None,
                    error_message="The account is closed." if n == 0 else None,
                )
            )
        other = UserFactory(email="ida@example.test")
        db.session.add(
            Payout(
                worker_id=other.id,
                stripe_account_id="acct_y",
                amount_cents=999,
                status=PayoutStatus.FAILED,
                idempotency_key="payout-t3",
                error_code="transfers_not_allowed",
                error_message="Transfers are not allowed.",
            )
        )
        db.session.commit()
    page = text_of(client.get("/admin/payments/failed").get_data(as_text=True))
    assert "ida@example.test €9.99 transfers_not_allowed Transfers are not allowed. no" in page
    assert "jon@example.test €12.34 account_invalid The account is closed. yes" in page
    overview = text_of(client.get("/admin/payments/").get_data(as_text=True))
    assert "1 failed payout not paid since" in overview


@pytest.fixture
def stripe_api(stripe_emulator):
    """The bundled Stripe emulator the test app talks to, emptied."""
    return stripe_emulator


def connected_worker(app, client, login_as, emulator) -> int:
    """A worker who connected Stripe through the earnings page, with 12,00 € approved."""
    with app.app_context():
        engagement = hired(rate_cents=1200)
        engagement.worker.email = "noor@example.test"
        funded(engagement.gig.company, 10_000)
        units.approve(record(engagement), by=owner_of(engagement))
        db.session.commit()
        login_as(engagement.worker)
        worker_id = engagement.worker_id
    link = client.post("/earnings/connect").location
    emulator.control.press(link, "complete")
    client.get("/earnings/connect/return")
    emulator.control.add_funds(100_000)  # Stripe's platform balance the transfers come from
    return worker_id


def test_run_payouts_now_pays_the_worker(app, client, login_as, stripe_api):
    worker_id = connected_worker(app, client, login_as, stripe_api)
    with app.app_context():
        login_as(AdminFactory(email="vera@nebendesk.example"))
    html = client.post("/admin/payments/runs", follow_redirects=True).get_data(as_text=True)
    assert "Payout run finished: 1 payout sent (€12.00), 0 failed." in html
    assert "vera@nebendesk.example 1 €12.00 0" in text_of(html.split("<tbody>")[1])
    with app.app_context():
        payout = db.session.scalar(sa.select(Payout))
        assert (payout.worker_id, payout.status, payout.amount_cents) == (
            worker_id,
            PayoutStatus.PAID,
            1200,
        )
        login_as(payout.worker)
    page = text_of(client.get("/earnings").get_data(as_text=True))
    assert "€12.00 paid out" in page and "€0.00 approved, to be paid out" in page


@pytest.mark.skipif(not redis_is_there(), reason=f"no Redis at {REDIS_URL}")
def test_with_redis_the_run_goes_to_a_worker_and_pays_once(
    app, client, login_as, stripe_api, monkeypatch
):
    from redis import Redis
    from rq import SimpleWorker

    from marketplace.jobs import queue

    worker_id = connected_worker(app, client, login_as, stripe_api)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    with app.app_context():
        queue().empty()
        login_as(AdminFactory(email="vera@nebendesk.example"))
    html = client.post("/admin/payments/runs", follow_redirects=True).get_data(as_text=True)
    assert "The payout run has started; its result appears in this list." in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Payout.id))) == 0  # not in the request
        job_queue = queue()
        assert job_queue.count == 1
        SimpleWorker([job_queue], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    with app.app_context():
        payout = db.session.scalar(sa.select(Payout))
        assert (payout.worker_id, payout.status) == (worker_id, PayoutStatus.PAID)
    page = text_of(client.get("/admin/payments/runs").get_data(as_text=True))
    assert "vera@nebendesk.example 1 €12.00 0" in page


def test_a_refused_transfer_shows_up_as_failed(app, client, login_as, stripe_api):
    connected_worker(app, client, login_as, stripe_api)
    stripe_api.control.fail_transfers("account_invalid", count=1)
    with app.app_context():
        login_as(AdminFactory())
    html = client.post("/admin/payments/runs", follow_redirects=True).get_data(as_text=True)
    assert "Payout run finished: 0 payouts sent (€0.00), 1 failed." in html
    failed = text_of(client.get("/admin/payments/failed").get_data(as_text=True))
    assert "noor@example.test €12.00 account_invalid" in failed
    with app.app_context():
        payout = db.session.scalar(sa.select(Payout))
        assert payout.error_message and payout.error_message in failed
        login_as(payout.worker)
    page = text_of(client.get("/earnings").get_data(as_text=True))
    assert "€12.00 approved, to be paid out" in page  # back, for the next run
    assert f"Stripe said: {payout.error_message}" in page


# --- the ledger check ---------------------------------------------------------------------


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_ledger_check_with_stripe_consistent(app, client, admin, stripe_api):
    before = row_counts(app)
    html = client.post("/admin/payments/check").get_data(as_text=True)
    assert "The ledger is consistent." in html and "our books match Stripe" in html
    assert row_counts(app) == before
    overview = text_of(client.get("/admin/payments/").get_data(as_text=True))
    assert "Consistent Last checked" in overview and "by vera@nebendesk.example" in overview


def test_ledger_check_names_the_discrepancies(app, client, admin, stripe_api):
    with app.app_context():
        engagement = hired()
        # Credited as the webhook would, but this payment intent was never made at Stripe.
        payment = funded(engagement.gig.company, 5000)
        intent = payment.stripe_payment_intent_id
        account = db.session.scalar(
            sa.select(LedgerAccount).where(LedgerAccount.kind == AccountKind.COMPANY_AVAILABLE)
        )
        account.balance_cents += 1  # a cached balance that no longer equals its entries
        db.session.commit()
    html = client.post("/admin/payments/check").get_data(as_text=True)
    assert "2 discrepancies found:" in html
    assert f"payment intent {intent} is in our books but not at Stripe" in html
    assert "shows 5001 but its entries sum to 5000" in html
    overview = text_of(client.get("/admin/payments/").get_data(as_text=True))
    assert "2 discrepancies" in overview and "is in our books but not at Stripe" in overview


def test_ledger_check_without_stripe_says_so(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    app.extensions.pop("stripe_client", None)
    try:
        html = client.post("/admin/payments/check").get_data(as_text=True)
    finally:
        app.extensions.pop("stripe_client", None)
    assert "Stripe could not be reached, so only our own books were checked." in html
    assert "The ledger is consistent." in html and "match Stripe" not in html
    overview = text_of(client.get("/admin/payments/").get_data(as_text=True))
    assert "Without Stripe: it could not be asked." in overview


# --- rejection rates ----------------------------------------------------------------------


def decided_units(engagement, *, approved: int, rejected: int, days_ago: int = 1) -> None:
    """Decided units written directly (the rates read only the decisions)."""
    decided_at = utcnow() - timedelta(days=days_ago)
    for n in range(approved + rejected):
        db.session.add(
            WorkUnit(
                engagement_id=engagement.id,
                company_id=engagement.gig.company_id,
                worker_id=engagement.worker_id,
                gig_id=engagement.gig_id,
                kind=UnitKind.EMAIL,
                quantity=1,
                rate_cents=100,
                amount_cents=100,
                fee_cents=15,
                work_date=decided_at.date(),
                source=f"rates:{uuid.uuid4()}",
                recorded_by_id=engagement.worker_id,
                status=UnitStatus.APPROVED if n < approved else UnitStatus.VOIDED,
                review_due_at=decided_at,
                decided_at=decided_at,
                rejection_reason=None if n < approved else "No.",
            )
        )
    db.session.commit()


def company_with_work(name: str, **counts) -> None:
    engagement = hired(company=None)
    engagement.gig.company.name = name
    decided_units(engagement, **counts)


def test_companies_whose_rejection_rate_stands_out(app, client, admin):
    with app.app_context():
        company_with_work("Fair Shop", approved=195, rejected=5)  # 2,5 %
        company_with_work("Normal Shop", approved=18, rejected=2)  # 10 %
        company_with_work("Strict Shop", approved=7, rejected=4)  # 36 %: above 30 %
        company_with_work("Picky Shop", approved=15, rejected=5)  # 25 %: twice the average
        company_with_work("Tiny Shop", approved=1, rejected=4)  # 80 %, but only 5 decided
        company_with_work("Old Shop", approved=0, rejected=20, days_ago=120)  # outside 90 days
    html = client.get("/admin/payments/rejections").get_data(as_text=True)
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]]
    names = [row.split()[0] + " " + row.split()[1] for row in rows]
    assert names == ["Tiny Shop", "Strict Shop", "Picky Shop", "Normal Shop", "Fair Shop"]
    flagged = {row.split()[0] for row in rows if "Stands out" in row}
    assert flagged == {"Strict", "Picky"}
    # 20 of 256 decided units rejected: 7,8 %, so twice the average is 15,6 %
    assert "Platform average: 7.8% of 256 decided units rejected." in text_of(html)
    assert "Strict Shop 11 4 36.4%" in rows[1]


def test_stands_out_rules():
    average = Fraction(1, 10)

    def line(decided, rejected):
        return CompanyRejections(company_id=1, name="x", decided=decided, rejected=rejected)

    assert stands_out(line(10, 2), average)  # twice the average
    assert not stands_out(line(10, 1), average)
    assert not stands_out(line(9, 9), average)  # too few decided to judge
    assert stands_out(line(100, 31), Fraction(1, 2))  # above 30 % even on a strict platform
    assert not stands_out(line(100, 30), Fraction(1, 2))
    assert not stands_out(line(10, 0), Fraction(0))  # nobody rejects: nobody stands out


def test_a_seeker_cannot_start_a_payout_run(app, client, login_as):
    with app.app_context():
        login_as(UserFactory())
    assert client.get("/admin/payments/").status_code == 404
    assert client.post("/admin/payments/runs").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PayoutRun)) == 0


def test_money_pages_render_in_german(app, client, admin, two_disputes):
    with app.app_context():
        db.session.get(User, admin).locale = "de"
        db.session.commit()
    for url in (
        "/admin/payments/",
        "/admin/payments/disputes",
        "/admin/payments/runs",
        "/admin/payments/failed",
        "/admin/payments/rejections",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "5,00 €" in text_of(client.get("/admin/payments/disputes").get_data(as_text=True))
    assert "100 %" in text_of(client.get("/admin/payments/rejections").get_data(as_text=True))
