"""Emails about unread messages: batched per person, in their language, only once a
message is a few minutes old and still unread, and never twice for the same message."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail.models import OutboxEmail
from marketplace.messaging import services
from marketplace.messaging.notify import send_due_notifications
from marketplace.onboarding.models import Application
from tests.factories import ApplicationFactory, PublishedGigFactory, UserFactory, company_member


def write(application_id: int, author_id: int, body: str) -> None:
    services.post(db.session.get(Application, application_id), by=db.session.get(User, author_id),
                  body=body)  # fmt: skip
    db.session.commit()


def notify() -> int:
    count = send_due_notifications()
    db.session.commit()
    return count


@pytest.fixture
def start(travel):
    when = utcnow().replace(microsecond=0)
    travel(when)
    return when


def test_one_email_per_message_in_the_recipients_language(app, db, smtp_sink, travel, start):
    owner = company_member(email="owner@notify.example")
    seeker = UserFactory(email="lea@example.test", locale="de")
    gig = PublishedGigFactory(company=owner.company, created_by=owner, title="Support Fahrräder")
    application_id = ApplicationFactory(gig=gig, seeker=seeker).id

    write(application_id, owner.id, "Hallo Lea, wann können Sie anfangen?")
    travel(start + timedelta(minutes=2))
    assert notify() == 0  # too fresh: she may be reading it right now
    travel(start + timedelta(minutes=6))
    assert notify() == 1
    mail = smtp_sink.last_to("lea@example.test")
    assert mail["Subject"] == "1 neue Nachricht auf Nebendesk"
    body = mail.get_content()
    assert "Support Fahrräder" in body and f"/messages/{application_id}" in body
    assert "wann können Sie anfangen" not in body  # the text stays in Nebendesk
    assert notify() == 0  # never twice

    travel(start + timedelta(minutes=7))
    write(application_id, owner.id, "Und haben Sie am Wochenende Zeit?")
    travel(start + timedelta(minutes=13))
    assert notify() == 1
    assert smtp_sink.last_to("lea@example.test")["Subject"] == "1 neue Nachricht auf Nebendesk"
    assert len(smtp_sink.to("lea@example.test")) == 2
    assert notify() == 0


def test_one_email_lists_every_conversation_and_every_member_gets_their_own(
    app, db, smtp_sink, travel, start
):
    owner = company_member(email="owner@batch.example")
    company_member(owner.company, CompanyRole.MANAGER, email="manager@batch.example", locale="de")
    seeker = UserFactory(email="kim@example.test", display_name="Kim")
    applications = [
        ApplicationFactory(
            gig=PublishedGigFactory(company=owner.company, created_by=owner, title=title),
            seeker=seeker,
        ).id
        for title in ("Shop emails", "Forum moderation")
    ]
    write(applications[0], seeker.id, "Question about shop emails")
    write(applications[1], seeker.id, "Question about the forum")
    write(applications[0], owner.id, "Answer about shop emails")  # the owner read the first
    write(applications[1], owner.id, "Answer about the forum")  # and the second
    travel(start + timedelta(minutes=10))
    assert notify() == 2  # the seeker and the manager: one email each; the owner read all

    to_seeker = smtp_sink.to("kim@example.test")
    assert len(to_seeker) == 1  # two conversations, one email
    assert to_seeker[0]["Subject"] == "2 new messages on Nebendesk"
    assert "Shop emails" in to_seeker[0].get_content()
    assert "Forum moderation" in to_seeker[0].get_content()
    manager_mail = smtp_sink.last_to("manager@batch.example")
    assert manager_mail["Subject"] == "2 neue Nachrichten auf Nebendesk"
    assert "Kim" in manager_mail.get_content()
    assert smtp_sink.to("owner@batch.example") == []
    assert notify() == 0


def test_messages_read_in_time_are_not_emailed(app, db, smtp_sink, travel, start):
    owner = company_member(email="owner@read.example")
    seeker = UserFactory(email="noa@example.test")
    gig = PublishedGigFactory(company=owner.company, created_by=owner)
    application = ApplicationFactory(gig=gig, seeker=seeker)
    write(application.id, owner.id, "Quick question")
    travel(start + timedelta(minutes=1))
    services.mark_read(services.thread_of(application), seeker)
    db.session.commit()
    travel(start + timedelta(minutes=30))
    assert notify() == 0
    assert smtp_sink.to("noa@example.test") == []


def test_cli_notifies(app, smtp_sink, travel, start):
    with app.app_context():
        owner = company_member(email="owner@cli.example")
        gig = PublishedGigFactory(company=owner.company, created_by=owner)
        application = ApplicationFactory(gig=gig, seeker=UserFactory(email="cli@example.test"))
        write(application.id, owner.id, "Hello")
    travel(start + timedelta(minutes=5))
    runner = app.test_cli_runner()
    assert "Queued 1 notification email(s)." in runner.invoke(args=["messages", "notify"]).output
    assert "Queued 0 notification email(s)." in runner.invoke(args=["messages", "notify"]).output


@pytest.mark.postgres
def test_parallel_runs_send_each_message_once(app, travel, start):
    with app.app_context():
        owner = company_member(email="owner@race.example")
        gig = PublishedGigFactory(company=owner.company, created_by=owner)
        seekers = [UserFactory(email=f"race{i}@example.test") for i in range(4)]
        for seeker in seekers:
            application = ApplicationFactory(gig=gig, seeker=seeker)
            write(application.id, owner.id, "Hello")
            write(application.id, seeker.id, "Hi!")
    travel(start + timedelta(minutes=10))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                notify()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        emails = db.session.scalars(sa.select(OutboxEmail.to_address)).all()
        # The seekers read "Hello" when they answered; the owner hears of four answers once.
        assert emails == ["owner@race.example"]
