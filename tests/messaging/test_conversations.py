"""Talking to each other (issue 15): one conversation per application (and the
engagement that follows), plain text, newest last, unread counts per person, closed
when the application or engagement ends, attachments refused, reports to the admins."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.accounts import moderation
from marketplace.accounts.models import CompanyRole, User
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.messaging import queries, services
from marketplace.messaging.models import ThreadMessage, ThreadReport
from marketplace.onboarding.models import Application, ApplicationStatus
from tests.factories import (
    AdminFactory,
    ApplicationFactory,
    PublishedGigFactory,
    UserFactory,
    company_member,
)
from tests.payments.helpers import hired


@dataclass
class Cast:
    application_id: int
    seeker_id: int
    owner_id: int
    manager_id: int


@pytest.fixture
def cast(app) -> Cast:
    with app.app_context():
        owner = company_member(email="owner@velo.example", display_name="Olga")
        manager = company_member(
            owner.company, CompanyRole.MANAGER, email="manager@velo.example", locale="de"
        )
        gig = PublishedGigFactory(company=owner.company, created_by=owner, title="Bike emails")
        seeker = UserFactory(email="sam@example.test", display_name="Sam")
        application = ApplicationFactory(gig=gig, seeker=seeker)
        return Cast(application.id, seeker.id, owner.id, manager.id)


def as_user(app, login_as, user_id: int):
    with app.app_context():
        return login_as(db.session.get(User, user_id))


def test_company_and_seeker_write_to_each_other_newest_last(app, client, login_as, cast):
    url = f"/messages/{cast.application_id}"
    as_user(app, login_as, cast.seeker_id)
    assert "Conversation with" in client.get(f"/applications/{cast.application_id}").get_data(
        as_text=True
    )
    client.post(f"{url}/send", data={"body": "Hello! Is weekend work fine?"})
    client.post(f"{url}/send", data={"body": "I could start <b>Monday</b>."})

    as_user(app, login_as, cast.owner_id)
    menu = client.get("/company/gigs").get_data(as_text=True)
    assert 'Messages <span class="unread">2<span class="visually-hidden"> unread' in menu
    page = client.get(f"/company/applications/{cast.application_id}").get_data(as_text=True)
    assert f'href="{url}"' in page and '<span class="unread">2' in page
    page = client.get(url).get_data(as_text=True)
    first, second = page.index("weekend work"), page.index("start &lt;b&gt;Monday")
    assert first < second  # newest last, and escaped
    assert "<b>Monday</b>" not in page
    client.post(f"{url}/send", data={"body": "Weekends are fine. Welcome, Sam!"})
    assert '<span class="unread">' not in client.get("/company/gigs").get_data(as_text=True)

    as_user(app, login_as, cast.seeker_id)
    inbox = client.get("/messages").get_data(as_text=True)
    assert "Bike emails" in inbox and '<span class="unread">1</span>' in inbox
    page = client.get(url).get_data(as_text=True)
    assert page.index("Monday") < page.index("Welcome, Sam!")
    assert "Olga" in page  # who wrote, and for which company


def test_unread_counts_are_per_person_and_only_the_other_sides(app, db, cast):
    seeker, owner, manager = (db.session.get(User, i) for i in (cast.seeker_id, cast.owner_id,
                                                                  cast.manager_id))  # fmt: skip
    application = db.session.get(Application, cast.application_id)
    services.post(application, by=seeker, body="One")
    services.post(application, by=seeker, body="Two")
    services.post(application, by=owner, body="Three, from the company")  # read before writing
    services.post(application, by=seeker, body="Four")
    db.session.commit()
    assert queries.unread_total(owner) == 1 and queries.unread_total(manager) == 3
    assert queries.unread_total(seeker) == 0  # they answered after "Three": read it
    # The manager's 3 are the seeker's messages: a colleague's "Three" is not news.
    services.mark_read(services.thread_of(application), owner)
    db.session.commit()
    assert queries.unread_total(owner) == 0
    assert queries.unread_total(manager) == 3  # a colleague's reading is not theirs
    assert queries.unread_by_application(manager, [application.id]) == {application.id: 3}
    assert queries.unread_total(AdminFactory()) == 0


def test_the_text_is_plain_bounded_and_cleaned(app, db, cast):
    seeker = db.session.get(User, cast.seeker_id)
    application = db.session.get(Application, cast.application_id)
    message = services.post(
        application, by=seeker, body="  Hi\u202e txet desrever\x00\r\nsecond line\x07  "
    )
    assert message.body == "Hi txet desrever\nsecond line"
    with pytest.raises(DomainError, match="Please write a message"):
        services.post(application, by=seeker, body=" \u2066 \x01 ")
    with pytest.raises(DomainError, match="at most 4000 characters"):
        services.post(application, by=seeker, body="x" * 4001)


def test_attachments_are_refused(app, client, login_as, cast):
    as_user(app, login_as, cast.seeker_id)
    response = client.post(
        f"/messages/{cast.application_id}/send",
        data={"body": "My ID card", "file": (io.BytesIO(b"%PDF-1.4"), "id.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Attachments are not possible in messages." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ThreadMessage)) == 0


def test_a_closed_application_keeps_its_conversation_readable_but_closed(
    app, client, login_as, cast
):
    with app.app_context():
        application = db.session.get(Application, cast.application_id)
        services.post(application, by=db.session.get(User, cast.seeker_id), body="Any news?")
        application.status = ApplicationStatus.REJECTED
        db.session.commit()
        with pytest.raises(InvalidTransition, match="This conversation is closed"):
            services.post(application, by=db.session.get(User, cast.owner_id), body="No.")
    as_user(app, login_as, cast.seeker_id)
    page = client.get(f"/messages/{cast.application_id}").get_data(as_text=True)
    assert "Any news?" in page and "This conversation is closed" in page
    assert 'name="body"' not in page


def test_a_workers_conversation_stays_open_while_the_engagement_lasts(app, db):
    engagement = hired()
    owner = engagement.gig.company.memberships[0].user
    services.post(engagement.application, by=owner, body="Great first week!")
    engagement.status = engagement.status.__class__("ended")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.post(engagement.application, by=engagement.worker, body="Why?")


def test_a_suspended_company_reads_but_does_not_write(app, client, login_as, cast):
    with app.app_context():
        application = db.session.get(Application, cast.application_id)
        services.post(application, by=db.session.get(User, cast.seeker_id), body="Hello?")
        moderation.suspend_company(application.gig.company, reason="Checks.", by=AdminFactory())
        db.session.commit()
    as_user(app, login_as, cast.owner_id)
    page = client.get(f"/messages/{cast.application_id}").get_data(as_text=True)
    assert "Hello?" in page and "you can read this conversation but not write" in page
    assert (
        client.post(
            f"/messages/{cast.application_id}/send", data={"body": "Still here"}
        ).status_code
        == 404
    )


def test_a_reported_conversation_is_readable_by_admins_only_after_the_report(
    app, client, login_as, cast
):
    with app.app_context():
        application = db.session.get(Application, cast.application_id)
        services.post(application, by=db.session.get(User, cast.owner_id), body="Send a photo ID.")
        db.session.commit()
        thread_id = services.thread_of(application).id
        admin_id = AdminFactory().id
    as_user(app, login_as, admin_id)
    assert client.get(f"/admin/conversations/{thread_id}").status_code == 404

    as_user(app, login_as, cast.seeker_id)
    page = client.post(
        f"/messages/{cast.application_id}/report",
        data={"reason": "They ask for my ID card."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "An administrator will read this conversation" in page
    assert "You reported this conversation" in page
    page = client.post(
        f"/messages/{cast.application_id}/report", data={"reason": "Again"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "You have already reported this conversation." in page

    as_user(app, login_as, admin_id)
    listing = client.get("/admin/conversations/").get_data(as_text=True)
    assert "They ask for my ID card." in listing
    page = client.get(f"/admin/conversations/{thread_id}").get_data(as_text=True)
    assert "Send a photo ID." in page
    with app.app_context():
        report_id = db.session.scalar(sa.select(ThreadReport.id))
    client.post(f"/admin/conversations/reports/{report_id}/handle", data={"note": "Warned them."})
    with app.app_context():
        report = db.session.get(ThreadReport, report_id)
        assert report.status == "handled" and report.note == "Warned them."
    # Handled or not, the conversation that was reported stays readable for the record.
    assert client.get(f"/admin/conversations/{thread_id}").status_code == 200


def test_nothing_to_report_before_the_first_message(app, db, cast):
    application = db.session.get(Application, cast.application_id)
    with pytest.raises(DomainError, match="nothing to report"):
        services.report(application, by=db.session.get(User, cast.seeker_id), reason="Hm.")


def test_a_too_long_message_is_explained_and_kept_for_editing(app, client, login_as, cast):
    as_user(app, login_as, cast.seeker_id)
    text = "Wort " * 900  # 4,500 characters
    page = client.post(f"/messages/{cast.application_id}/send", data={"body": text})
    html = page.get_data(as_text=True)
    assert "Please keep a message to at most 4000 characters." in html
    assert "Wort Wort Wort" in html  # the text is still in the form
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ThreadMessage)) == 0
