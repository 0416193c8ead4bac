"""Account standing (issue 15): every measure carries a reason the person sees, a
standing page shows what is in force and until when, one appeal per measure (held by
the database), an admin decides with a reason, audited, and both sides are emailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import moderation
from marketplace.accounts.models import Company, User
from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.standing import appeals
from marketplace.standing.access import PASS_MINUTES
from marketplace.standing.models import Appeal, AppealStatus, Measure, MeasureKind
from tests.factories import PASSWORD, AdminFactory, UserFactory, company_member
from tests.payments.helpers import hired


def log_in(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=True)


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_suspension_shows_its_reason_and_end_and_may_be_appealed_once(
    app, client, login_as, smtp_sink, travel
):
    start = utcnow().replace(microsecond=0)
    travel(start)
    with app.app_context():
        admin = AdminFactory()
        person = UserFactory(email="jan@example.test", display_name="Jan", locale="de")
        person_id = person.id
        login_as(admin)
    response = client.post(
        f"/admin/users/{person_id}/suspend",
        data={"reason": "Kopierte Antworten aus dem Netz.", "duration": "7"},
    )
    assert response.status_code == 302
    mail = smtp_sink.last_to("jan@example.test")  # in the person's language
    assert mail["Subject"] == "Ihr Nebendesk-Konto ist gesperrt"
    assert "Kopierte Antworten aus dem Netz." in mail.get_content()
    client.post("/logout")

    client.set_cookie("nebendesk_lang", "en")
    page = log_in(client, "jan@example.test").get_data(as_text=True)
    assert "This account is suspended. Here is why, and how you can appeal." in page
    assert "Kopierte Antworten aus dem Netz." in page
    assert "in 7 days" in page  # the end, as the time left
    assert client.get("/applications").status_code == 302  # nothing else opens

    with app.app_context():
        measure_id = db.session.scalar(sa.select(Measure.id))
    url = f"/account/standing/measures/{measure_id}/appeal"
    page = client.post(url, data={"text": "I wrote them myself."}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "Your appeal is sent." in page and "Waiting for a decision" in page
    assert "Send the appeal" not in page  # once per measure
    page = client.post(url, data={"text": "Again!"}, follow_redirects=True).get_data(as_text=True)
    assert "This measure has already been appealed." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Appeal)) == 1

    travel(start + timedelta(minutes=PASS_MINUTES + 1))  # the pass from the login runs out
    assert client.get("/account/standing").status_code == 302


def test_the_database_allows_one_appeal_per_measure(app, db):
    admin = AdminFactory()
    person = UserFactory()
    moderation.suspend_user(person, reason="Spam.", by=admin)
    db.session.commit()
    measure = db.session.scalar(sa.select(Measure))
    appeals.submit(measure, by=person, text="Not spam.")
    db.session.commit()
    db.session.expire_all()
    # The service asks the database, not a loaded relationship: a second one is refused.
    with pytest.raises(DomainError, match="already been appealed"):
        appeals.submit(db.session.get(Measure, measure.id), by=person, text="Really not.")
    db.session.rollback()
    db.session.add(Appeal(measure_id=measure.id, appellant_id=person.id, text="Sneaky."))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_ended_engagement_is_on_the_record_and_a_decided_appeal_emails_both_sides(
    app, client, login_as, smtp_sink
):
    with app.app_context():
        engagement = hired()
        owner = engagement.gig.company.memberships[0].user
        manager = company_member(engagement.gig.company, email="manager@shop.example")
        worker = engagement.worker
        ids = {"engagement": engagement.id, "worker": worker.id, "admin": AdminFactory().id}
        emails = {"worker": worker.email, "owner": owner.email, "manager": manager.email}
        login_as(owner)
    client.post(
        f"/company/engagements/{ids['engagement']}/end",
        data={"reason": "Answers kept promising refunds."},
    )
    assert "appeal once" in smtp_sink.last_to(emails["worker"]).get_content()

    with app.app_context():
        login_as(db.session.get(User, ids["worker"]))
    page = client.get("/account/standing").get_data(as_text=True)
    assert "Engagement ended by the company" in page
    assert "Answers kept promising refunds." in page
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure))
        assert measure.kind == MeasureKind.ENGAGEMENT_ENDED and measure.user_id == ids["worker"]
    client.post(
        f"/account/standing/measures/{measure.id}/appeal",
        data={"text": "The refunds were approved by the shop."},
    )
    with app.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id))
        login_as(db.session.get(User, ids["admin"]))
    page = client.get(f"/admin/appeals/{appeal_id}").get_data(as_text=True)
    assert "The refunds were approved by the shop." in page
    assert "Answers kept promising refunds." in page
    smtp_sink.clear()
    response = client.post(
        f"/admin/appeals/{appeal_id}/decide",
        data={"decision": "lift", "reason": "The shop's own notes approve the refunds."},
    )
    assert response.status_code == 302

    to_worker = smtp_sink.last_to(emails["worker"])
    assert to_worker["Subject"] == "Your appeal was successful"
    assert "The shop's own notes approve the refunds." in to_worker.get_content()
    for member in ("owner", "manager"):  # the other side
        to_company = smtp_sink.last_to(emails[member])
        assert to_company["Subject"].startswith("Appeal decided")
        assert "the measure is lifted" in to_company.get_content()
    with app.app_context():
        measure = db.session.get(Measure, measure.id)
        assert measure.is_lifted and measure.lift_reason.startswith("The shop's own notes")
        assert db.session.get(Appeal, appeal_id).status == AppealStatus.LIFTED
        # Lifting clears the record; the engagement stays ended.
        assert db.session.get(Engagement, ids["engagement"]).status == EngagementStatus.ENDED
        assert "appeal.lifted" in actions()
    page = client.post(
        f"/admin/appeals/{appeal_id}/decide", data={"decision": "uphold", "reason": "Oops."}
    )
    with app.app_context():  # decided once: the second decision changes nothing
        assert db.session.get(Appeal, appeal_id).status == AppealStatus.LIFTED


def test_an_upheld_appeal_keeps_the_ban_and_tells_the_person(app, db, smtp_sink):
    admin, other_admin = AdminFactory(), AdminFactory()
    person = UserFactory(email="ban@example.test")
    moderation.suspend_user(person, reason="Threatened a customer.", by=admin)
    db.session.commit()
    assert "banned" in smtp_sink.last_to("ban@example.test")["Subject"]
    measure = db.session.scalar(sa.select(Measure))
    assert measure.kind == MeasureKind.BAN and measure.ends_at is None and measure.is_in_force
    appeal = appeals.submit(measure, by=person, text="I was angry.")
    db.session.commit()
    appeals.decide(appeal, by=other_admin, lift=False, reason="The threat is in the log.")
    db.session.commit()
    mail = smtp_sink.last_to("ban@example.test")
    assert mail["Subject"] == "Your appeal was not successful"
    assert "The threat is in the log." in mail.get_content()
    assert db.session.get(User, person.id).suspended_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "appeal.upheld"))
    assert event.actor_id == other_admin.id and event.reason == "The threat is in the log."


def test_lifting_a_ban_on_appeal_lets_the_person_log_in(app, client, smtp_sink):
    with app.app_context():
        admin = AdminFactory()
        person = UserFactory(email="back@example.test")
        moderation.suspend_user(person, reason="Mistaken identity?", by=admin)
        db.session.commit()
        measure = db.session.scalar(sa.select(Measure))
        appeal = appeals.submit(measure, by=person, text="It was my brother.")
        db.session.commit()
        smtp_sink.clear()
        appeals.decide(appeal, by=admin, lift=True, reason="Confirmed by ID.")
        db.session.commit()
        assert db.session.scalar(sa.select(Measure)).lifted_at is not None
        assert {"user.unsuspend", "appeal.lifted"} <= set(actions())
    assert [m["Subject"] for m in smtp_sink.to("back@example.test")] == [
        "Your appeal was successful"  # one email, not a second one about the lifting
    ]
    page = log_in(client, "back@example.test").get_data(as_text=True)
    assert "Log out" in page


def test_an_admin_does_not_decide_their_own_appeal(app, db):
    admin, colleague = AdminFactory(), AdminFactory()
    moderation.suspend_user(colleague, reason="Leaked data.", by=admin)
    appeal = appeals.submit(db.session.scalar(sa.select(Measure)), by=colleague, text="No.")
    with pytest.raises(DomainError, match="Another admin"):
        appeals.decide(appeal, by=colleague, lift=True, reason="Me.")


def test_a_suspension_ends_by_itself_on_time(app, client, travel):
    start = utcnow().replace(microsecond=0)
    travel(start)
    with app.app_context():
        admin = AdminFactory()
        early, late = UserFactory(email="early@example.test"), UserFactory()
        for person in (early, late):
            moderation.suspend_user(person, reason="Cooling off.", by=admin, days=7)
        db.session.commit()
    travel(start + timedelta(days=7) - timedelta(minutes=1))
    assert "This account is suspended" in log_in(client, "early@example.test").get_data(
        as_text=True
    )
    travel(start + timedelta(days=7, minutes=1))
    assert "Log out" in log_in(client, "early@example.test").get_data(as_text=True)
    with app.app_context():
        assert moderation.end_expired_suspensions() == 1  # cron: the other one
        db.session.commit()
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(User.suspended_at.is_not(None))) == 0
        )
        for measure in db.session.scalars(sa.select(Measure)):
            assert measure.lifted_at == start + timedelta(days=7)  # to the minute
            assert measure.lifted_by_id is None and not measure.lifted_by_decision
        assert actions().count("user.suspension_ended") == 2


def test_a_suspended_company_sees_why_and_may_appeal(app, client, login_as, smtp_sink):
    with app.app_context():
        admin = AdminFactory()
        admin_id = admin.id
        owner = company_member(email="owner@paused.example")
        manager = company_member(owner.company, email="manager@paused.example")
        company_id = owner.company.id
        moderation.suspend_company(owner.company, reason="Unpaid workers.", by=admin)
        db.session.commit()
        login_as(manager)
    assert "Unpaid workers." in smtp_sink.last_to("owner@paused.example").get_content()
    page = client.get("/account/standing").get_data(as_text=True)
    assert "Company suspended" in page and "Unpaid workers." in page
    with app.app_context():
        measure_id = db.session.scalar(sa.select(Measure.id))
    client.post(f"/account/standing/measures/{measure_id}/appeal", data={"text": "All paid now."})
    with app.app_context():
        appeal = db.session.scalar(sa.select(Appeal))
        smtp_sink.clear()
        admin = db.session.get(User, admin_id)
        appeals.decide(appeal, by=admin, lift=True, reason="Payments confirmed.")
        db.session.commit()
        assert db.session.get(Company, company_id).suspended_at is None
    assert smtp_sink.last_to("manager@paused.example")["Subject"] == "Your appeal was successful"
    assert smtp_sink.last_to("owner@paused.example")["Subject"].startswith("Appeal decided")


def test_lifting_a_suspension_that_ran_out_clears_it_from_the_record(app, db, travel):
    start = utcnow().replace(microsecond=0)
    travel(start)
    admin, person = AdminFactory(), UserFactory()
    moderation.suspend_user(person, reason="Too many skipped emails.", by=admin, days=7)
    db.session.commit()
    travel(start + timedelta(days=8))
    moderation.end_expired_suspensions()
    measure = db.session.scalar(sa.select(Measure))
    assert measure.is_lifted and not measure.lifted_by_decision
    assert appeals.may_appeal(measure)  # over, but still on the record
    appeal = appeals.submit(measure, by=person, text="My internet was down that week.")
    appeals.decide(appeal, by=AdminFactory(), lift=True, reason="Outage confirmed.")
    db.session.commit()
    measure = db.session.get(Measure, measure.id)
    assert measure.lifted_by_decision and measure.lift_reason == "Outage confirmed."
    assert measure.lifted_at == start + timedelta(days=7)  # it still ended when it ended
