"""Paid hourly live sessions: started and stopped by the moderator, timed by the
server's clock (the tests travel it), idle time cut, ended when the company's
money runs out or the browser is gone (cron), paid once as hours."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import decisions, queue
from marketplace.moderation.item_models import DecisionAction
from marketplace.moderation.session_models import LiveSession, SessionEnd
from marketplace.onboarding import engagements
from marketplace.payments import ledger
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import AccountKind, UnitKind, WorkUnit
from tests.moderation import moderator_helpers as mh
from tests.moderation.session_helpers import hourly_community, hourly_moderator

SESSIONS = "/work/moderation/sessions"


def _setup(app, login_as, funds_cents: int = 10_000):
    with app.app_context():
        found = hourly_community(funds_cents=funds_cents)
        engagement = hourly_moderator(found)
        login_as(engagement.worker)
        return found.id, engagement.worker_id, found.company_id


def _start(client, community_id: int):
    return client.post(f"{SESSIONS}/start/{community_id}", follow_redirects=True)


def _session(app) -> LiveSession:
    with app.app_context():
        session = db.session.scalar(sa.select(LiveSession).order_by(LiveSession.id.desc()))
        db.session.expunge_all()
        return session


def _unit(app) -> WorkUnit | None:
    with app.app_context():
        units = db.session.scalars(sa.select(WorkUnit)).all()
        assert len(units) <= 1
        db.session.expunge_all()
        return units[0] if units else None


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_start_and_stop_pay_the_active_time_as_hours(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, _, _ = _setup(app, login_as)
    page = _text(_start(client, community_id))
    assert "Your live session in" in page and "Stop session" in page
    assert 'src="/static/js/session.js"' in page and "data-session-heartbeat" in page
    travel("2026-11-02 10:01")
    for minute in range(2, 92, 3):  # heartbeats while the page is open
        travel(f"2026-11-02 {10 + minute // 60}:{minute % 60:02d}")
        session = _session(app)
        answer = client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json()
        assert answer["open"] is True
    travel("2026-11-02 11:30")
    page = _text(client.post(f"{SESSIONS}/{session.id}/stop", follow_redirects=True))
    assert "Your live session has ended: 1 h 30 min active." in page
    session = _session(app)
    assert (session.end_reason, session.active_seconds, session.cut_seconds) == (
        SessionEnd.STOPPED, 90 * 60, 0,
    )  # fmt: skip
    unit = _unit(app)
    assert (unit.kind, unit.quantity, unit.amount_cents) == (UnitKind.HOUR, Decimal("1.50"), 1800)
    assert unit.source == f"live-session:{session.id}" and session.unit_id == unit.id
    row = re.search(rf'<tr data-session="{session.id}">(.*?)</tr>', page).group(1)
    assert "1 h 30 min" in row and "0 h 00 min" in row and "€18.00" in row and "Stopped" in row
    # Stopping again pays nothing more.
    page = _text(client.post(f"{SESSIONS}/{session.id}/stop", follow_redirects=True))
    assert "This live session has already ended." in page
    assert _unit(app).id == unit.id


def test_no_session_starts_unless_the_company_can_pay_the_first_hour(app, client, login_as):
    community_id, _, _ = _setup(app, login_as, funds_cents=1_379)  # an hour costs 13,80 €
    page = _text(_start(client, community_id))
    assert "The company cannot pay for the first hour (€13.80" in page.replace("\xa0", " ")
    assert "Start session" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LiveSession.id))) == 0


def test_one_open_session_per_moderator(app, client, login_as):
    community_id, _, _ = _setup(app, login_as)
    _start(client, community_id)
    page = _text(_start(client, community_id))
    assert "is still running. Please stop it first." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LiveSession.id))) == 1


def test_idle_time_beyond_the_limit_is_cut_and_the_session_ends(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, _, _ = _setup(app, login_as)
    _start(client, community_id)
    session = _session(app)
    travel("2026-11-02 10:03")
    assert client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json()["open"] is True
    travel("2026-11-02 10:20")  # away for 17 minutes; the limit is 5
    answer = client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json()
    assert answer == {
        "open": False,
        "message": "Your live session had been idle too long; it ended and the idle time is cut.",
    }
    session = _session(app)
    assert session.end_reason == SessionEnd.IDLE
    assert (session.active_seconds, session.cut_seconds) == (8 * 60, 12 * 60)
    assert _unit(app).quantity == Decimal("0.13")  # 8 minutes
    row = _text(client.get(SESSIONS))
    row = re.search(rf'<tr data-session="{session.id}">(.*?)</tr>', row).group(1)
    assert "0 h 08 min" in row and "0 h 12 min" in row and "Ended: idle" in row


def test_a_decision_counts_as_activity(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, worker_id, _ = _setup(app, login_as)
    _start(client, community_id)
    travel("2026-11-02 10:04")
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        mh.item(found, "Hallo")
        worker = db.session.get(mh.UserFactory._meta.model, worker_id)
        claim = queue.claim_next(worker)
        decisions.decide(claim.item, moderator=worker, action=DecisionAction.APPROVE)
        db.session.commit()
    assert _session(app).last_activity_at == utcnow()
    travel("2026-11-02 10:08")  # 4 minutes after the decision: still within the limit
    session = _session(app)
    assert client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json()["open"] is True


def test_the_session_ends_when_the_money_runs_out_paid_up_to_then(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, _, company_id = _setup(app, login_as, funds_cents=3_000)
    _start(client, community_id)
    session = _session(app)
    minute, answer = 0, {"open": True}
    while answer["open"]:
        minute += 3
        travel(utcnow() + timedelta(minutes=3))
        answer = client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json()
    assert minute == 2 * 60 + 12  # the first heartbeat after 2.17 hours
    assert answer["message"] == (
        "The company's funds ran out: your live session ended and is paid up to then."
    )
    session = _session(app)
    assert session.end_reason == SessionEnd.FUNDS
    # 2,17 h × 12 € = 26,04 € + 3,91 € fee = 29,95 € of 30,00 €; 2,18 h would be 30,08 €.
    assert session.active_seconds == int(Decimal("2.17") * 3600)
    assert session.ended_at == session.started_at + timedelta(seconds=session.active_seconds)
    unit = _unit(app)
    assert (unit.quantity, unit.amount_cents, unit.fee_cents) == (Decimal("2.17"), 2604, 391)
    with app.app_context():
        assert ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id) == 5
        assert check_ledger(with_stripe=False) == []
    page = _text(client.get(SESSIONS))
    assert "Ended: the company's funds ran out" in page


def test_a_crashed_browser_leaves_no_session_open_the_cron_closes_it(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, _, _ = _setup(app, login_as)
    _start(client, community_id)
    travel("2026-11-02 10:02")
    session = _session(app)
    client.post(f"{SESSIONS}/{session.id}/heartbeat")
    travel("2026-11-02 10:06")  # within the limit: the cron leaves it running
    runner = app.test_cli_runner()
    assert "Ended 0 live session(s)." in runner.invoke(args=["moderation", "sessions"]).output
    travel("2026-11-02 12:00")  # the browser crashed at 10:02
    result = runner.invoke(args=["moderation", "sessions"])
    assert result.exit_code == 0 and "Ended 1 live session(s)." in result.output
    session = _session(app)
    assert session.end_reason == SessionEnd.STALE
    assert (session.active_seconds, session.cut_seconds) == (7 * 60, 113 * 60)
    assert _unit(app).quantity == Decimal("0.12")
    assert "Ended 0 live session(s)." in runner.invoke(args=["moderation", "sessions"]).output
    assert _unit(app).quantity == Decimal("0.12")


def test_the_cron_ends_a_session_the_company_can_no_longer_pay(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, _, _ = _setup(app, login_as, funds_cents=1_400)
    _start(client, community_id)
    session = _session(app)
    for minute in range(3, 70, 3):
        travel(f"2026-11-02 {10 + minute // 60}:{minute % 60:02d}")
        with app.app_context():
            db.session.execute(
                sa.update(LiveSession)
                .where(LiveSession.id == session.id)
                .values(last_activity_at=utcnow())
            )
            db.session.commit()
    result = app.test_cli_runner().invoke(args=["moderation", "sessions"])
    assert "Ended 1 live session(s)." in result.output
    session = _session(app)
    assert session.end_reason == SessionEnd.FUNDS
    assert _unit(app).quantity == Decimal("1.01")  # 12,12 € + 1,82 € fee = 13,94 € of 14,00 €


def test_the_company_sees_sessions_per_moderator(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, worker_id, _ = _setup(app, login_as)
    _start(client, community_id)
    session = _session(app)
    for minute in range(3, 46, 3):
        travel(f"2026-11-02 10:{minute:02d}")
        client.post(f"{SESSIONS}/{session.id}/heartbeat")
    client.post(f"{SESSIONS}/{session.id}/stop")
    with app.app_context():
        found = db.session.get(mh.Community, community_id)
        owner = found.company.memberships[0].user
        name = db.session.get(mh.UserFactory._meta.model, worker_id).display_name
    login_as(owner)
    page = _text(client.get(f"/company/communities/{community_id}/sessions"))
    assert name in page and "0 h 45 min" in page and "€9.00" in page and "Stopped" in page
    overview = client.get(f"/company/communities/{community_id}").get_data(as_text=True)
    assert f"/company/communities/{community_id}/sessions" in overview


def test_timesheets_refuse_moderation_gigs(app, client, login_as):
    _setup(app, login_as)
    with app.app_context():
        engagement_id = db.session.scalar(sa.select(mh.Engagement.id))
    response = client.get(f"/work/{engagement_id}/timesheet", follow_redirects=True)
    page = _text(response)
    assert "Hours of moderation are not entered by hand" in page
    assert response.request.path == SESSIONS and "Start session" in page
    assert "Live sessions for" in _text(client.get("/earnings"))


# --- the engagement is paused or ended while a session runs -------------------------------------


def _owner_and_engagement(app, community_id: int):
    with app.app_context():
        owner = db.session.get(mh.Community, community_id).company.memberships[0].user
        engagement_id = db.session.scalar(sa.select(mh.Engagement.id))
        db.session.expunge_all()
        return owner, engagement_id


def test_pausing_the_engagement_ends_the_session_and_pays_it(app, client, login_as, travel):
    travel("2026-11-02 10:00")
    community_id, _, company_id = _setup(app, login_as)
    _start(client, community_id)
    session = _session(app)
    for minute in range(3, 46, 3):
        travel(f"2026-11-02 10:{minute:02d}")
        client.post(f"{SESSIONS}/{session.id}/heartbeat")
    travel("2026-11-02 10:47")
    owner, engagement_id = _owner_and_engagement(app, community_id)
    company = login_as(owner, app.test_client())
    response = company.post(
        f"/company/engagements/{engagement_id}/pause",
        data={"reason": "Budget review"},
        follow_redirects=True,
    )
    assert "The engagement is paused." in _text(response)
    session = _session(app)
    assert (session.end_reason, session.active_seconds, session.cut_seconds) == (
        SessionEnd.ENGAGEMENT, 47 * 60, 0,
    )  # fmt: skip
    assert session.ended_at == session.started_at + timedelta(minutes=47)
    unit = _unit(app)
    assert (unit.quantity, unit.amount_cents) == (Decimal("0.78"), 936)  # 47 min at 12 €/h
    assert session.unit_id == unit.id
    # The moderator's open page hears it at its next heartbeat.
    travel("2026-11-02 10:48")
    assert client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json() == {
        "open": False,
        "message": "The company paused or ended your engagement: your live session ended "
        "and is paid up to then.",
    }
    row = _text(client.get(SESSIONS))
    row = re.search(rf'<tr data-session="{session.id}">(.*?)</tr>', row).group(1)
    assert "0 h 47 min" in row and "€9.36" in row and "Ended: the engagement was paused" in row
    # The cron finds nothing left to end or pay.
    result = app.test_cli_runner().invoke(args=["moderation", "sessions"])
    assert "Ended 0 live session(s)." in result.output
    assert _unit(app).id == unit.id
    with app.app_context():
        assert check_ledger(with_stripe=False) == []
        assert ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id) == 10_000 - 936 - 140


def test_ending_the_engagement_pays_the_session_in_the_same_transaction(
    app, client, login_as, travel
):
    travel("2026-11-02 10:00")
    community_id, _, _ = _setup(app, login_as)
    _start(client, community_id)
    session = _session(app)
    for minute in (4, 8):
        travel(f"2026-11-02 10:{minute:02d}")
        assert client.post(f"{SESSIONS}/{session.id}/heartbeat").get_json()["open"] is True
    travel("2026-11-02 10:30")  # idle since 10:08; the limit is 5 minutes
    owner, engagement_id = _owner_and_engagement(app, community_id)
    with app.app_context():
        engagement = db.session.get(mh.Engagement, engagement_id)
        engagements.end(engagement, by=owner, reason="The project is over.")
        db.session.rollback()  # the end fails later: the session runs on, unpaid
        assert db.session.get(LiveSession, session.id).is_open
        assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 0
        engagements.end(engagement, by=owner, reason="The project is over.")
        db.session.commit()
    session = _session(app)
    assert (session.end_reason, session.active_seconds, session.cut_seconds) == (
        SessionEnd.ENGAGEMENT, 13 * 60, 17 * 60,
    )  # fmt: skip
    assert _unit(app).quantity == Decimal("0.22")  # 13 minutes
