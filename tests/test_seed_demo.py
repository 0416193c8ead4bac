"""``flask seed demo``: the demo data a developer, a reviewer or ``make run`` relies on."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, format_datetime, gettext
from markupsafe import escape

from marketplace.accounts.models import Company, User, UserKind
from marketplace.auth.passwords import verify_password
from marketplace.db import utcnow
from marketplace.extensions import db as _db
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigKind,
    GigReport,
    GigRevision,
    GigStatus,
    PayModel,
    ReportStatus,
    RevisionStatus,
)
from marketplace.onboarding import applications as application_steps
from marketplace.onboarding.engagements import rules_to_acknowledge
from marketplace.onboarding.labels import APPLICATION_LABELS
from marketplace.onboarding.models import (
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
    QuestionKind,
)
from marketplace.onboarding.services import onboarding_for
from marketplace.seed.demo import DEMO_PASSWORD, seed_demo
from marketplace.seed.workpool_data import DEMO_INBOUND_TOKEN
from marketplace.workpool import inbound, pool, triage
from marketplace.workpool.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    Mailbox,
    MailboxMode,
    Message,
    Priority,
    Reply,
    ReplyKind,
    ReplyStatus,
)

ADULT_CHAT_GIG = "Moderate the Herzklopfen dating app chat (night shift)"
# The next issue's email work pool builds on seeker@demo.test working on this gig.
GERMAN_EMAIL_GIG = "Kundenservice per E-Mail für unseren Fahrradshop Radwerk"
ENGLISH_EMAIL_GIG = "English email support for our bike shop (EU customers)"
LOGIN_EMAILS = (
    "admin@demo.test",
    "owner@shop.demo.test",
    "owner@chat.demo.test",
    "seeker@demo.test",
    "newbie@demo.test",
    "moderator@demo.test",  # its moderation work: tests/test_seed_demo_moderation.py
)


def _seed(db) -> str:
    summary = seed_demo()
    db.session.commit()
    return summary


def _user(db, email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None, f"{email} was not created"
    return user


def _company(db, name: str) -> Company:
    company = db.session.scalar(sa.select(Company).where(Company.name == name))
    assert company is not None, f"{name} was not created"
    return company


def _row_counts(db) -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_logins_work_with_the_demo_password_and_are_printed(db):
    summary = _seed(db)

    for email in LOGIN_EMAILS:
        user = _user(db, email)
        assert user.is_verified
        assert user.suspended_at is None
        assert verify_password(user.password_hash, DEMO_PASSWORD)
        assert email in summary
    assert DEMO_PASSWORD in summary
    assert _user(db, "admin@demo.test").kind == UserKind.ADMIN
    assert {_user(db, email).locale for email in LOGIN_EMAILS} == {"de", "en"}

    seeker, newbie = _user(db, "seeker@demo.test"), _user(db, "newbie@demo.test")
    assert seeker.is_adult and seeker.sees_mature_content
    assert newbie.is_adult and not newbie.sees_mature_content


def test_demo_companies_belong_to_their_owners(db):
    _seed(db)

    shop = _company(db, "Shop Demo GmbH")
    chat = _company(db, "Chat Demo UG")
    assert _user(db, "owner@shop.demo.test").company == shop
    assert _user(db, "owner@chat.demo.test").company == chat
    assert shop.is_verified and not shop.is_suspended
    companies = db.session.scalars(sa.select(Company)).all()
    assert any(not c.is_verified for c in companies), "no unverified company to vet"
    assert any(c.is_suspended for c in companies), "no suspended company"

    chat_gigs = db.session.scalars(sa.select(Gig).where(Gig.company_id == chat.id)).all()
    live_adult_moderation = [
        g
        for g in chat_gigs
        if g.status == GigStatus.PUBLISHED
        and g.kind.is_moderation
        and "adult-chat" in {t.slug for t in g.tags}
    ]
    assert live_adult_moderation
    assert all(g.is_mature for g in live_adult_moderation)


def test_demo_tags_are_bilingual_and_mark_mature_content(db):
    _seed(db)

    tags = {tag.slug: tag for tag in db.session.scalars(sa.select(ContentTag))}
    assert len([t for t in tags.values() if t.is_active]) >= 10
    for tag in tags.values():
        assert tag.name_en and tag.name_de and tag.name_en != tag.name_de
        assert tag.description_en and tag.description_de
    mature = {slug for slug, tag in tags.items() if tag.is_mature}
    assert {"adult-chat", "erotic-content", "graphic-violence", "gambling"} <= mature
    assert not tags["complaints"].is_mature
    assert not tags["children-audience"].is_mature


def test_demo_gigs_cover_every_state_kind_and_pay_model(db):
    _seed(db)

    gigs = db.session.scalars(sa.select(Gig)).all()
    assert len(gigs) >= 40
    assert {g.status for g in gigs} == set(GigStatus)
    assert {g.kind for g in gigs} == set(GigKind)
    assert {g.pay_model for g in gigs} == set(PayModel)
    published = [g for g in gigs if g.status == GigStatus.PUBLISHED]
    assert {g.kind for g in published} == set(GigKind)
    assert {g.pay_model for g in published} == set(PayModel)
    languages = {code for g in gigs for code in g.languages}
    assert {"de", "en"} <= languages
    assert len(languages - {"de", "en"}) >= 3
    assert all(g.rejection_reason for g in gigs if g.status == GigStatus.REJECTED)
    for gig in gigs:
        if gig.kind.is_moderation:
            assert gig.communities, f"{gig.title} names no community"
            assert all(c.name and c.audience for c in gig.communities)


def test_demo_fills_the_admin_queues(db, login_as):
    _seed(db)

    updates = db.session.scalars(
        sa.select(GigRevision).where(
            GigRevision.status == RevisionStatus.PENDING, GigRevision.is_update.is_(True)
        )
    ).all()
    assert updates and all(r.gig.status == GigStatus.PUBLISHED for r in updates)
    open_reports = db.session.scalars(
        sa.select(GigReport).where(GigReport.status == ReportStatus.OPEN)
    ).all()
    assert len(open_reports) >= 2

    client = login_as(_user(db, "admin@demo.test"))
    queue = client.get("/admin/vetting").get_data(as_text=True)
    assert all(escape(r.content["title"]) in queue for r in updates)
    reports = client.get("/admin/reports").get_data(as_text=True)
    assert all(escape(r.gig.title) in reports for r in open_reports)


def _gig(db, company: str, title: str) -> Gig:
    gig = db.session.scalar(
        sa.select(Gig).where(Gig.company_id == _company(db, company).id, Gig.title == title)
    )
    assert gig is not None, f"{title} was not created"
    return gig


GERMAN_WORDS = {"der", "die", "das", "und", "nicht", "ein", "eine", "du", "was"}
ENGLISH_WORDS = {"the", "and", "you", "what", "which", "of", "a"}


def _words(texts: list[str]) -> set[str]:
    return {word.strip('.,:;?!“”„"()').casefold() for text in texts for word in text.split()}


def test_demo_quizzes_in_german_and_english_come_with_rules(db):
    _seed(db)

    quizzes = {
        "de": onboarding_for(_gig(db, "Shop Demo GmbH", GERMAN_EMAIL_GIG)),
        "en": onboarding_for(_gig(db, "Shop Demo GmbH", ENGLISH_EMAIL_GIG)),
        "moderation": onboarding_for(_gig(db, "Chat Demo UG", ADULT_CHAT_GIG)),
    }
    for name, onboarding in quizzes.items():
        assert onboarding is not None, f"no onboarding for the {name} gig"
        assert onboarding.has_rules and onboarding.rules.startswith("## ")  # Markdown
        questions = onboarding.questions
        assert 6 <= len(questions) <= 10, name
        assert {q.kind for q in questions} == set(QuestionKind), name
        for question in questions:
            correct = [o for o in question.options if o.is_correct]
            assert correct and len(correct) < len(question.options), question.text
            assert question.kind == QuestionKind.MULTIPLE or len(correct) == 1
        # Made through the import, which stores options in a random order of ids.
        assert any(
            [o.id for o in q.options] != sorted(o.id for o in q.options) for q in questions
        ), name
    german = _words([q.text for q in quizzes["de"].questions])
    english = _words([q.text for q in quizzes["en"].questions])
    assert german & GERMAN_WORDS and not german & ENGLISH_WORDS
    assert english & ENGLISH_WORDS and not english & GERMAN_WORDS


def test_demo_applications_are_in_every_state(db):
    _seed(db)

    applications = db.session.scalars(sa.select(Application)).all()
    assert {a.status for a in applications} == set(ApplicationStatus)
    assert len({a.seeker_id for a in applications}) >= 5
    for application in applications:
        onboarding = onboarding_for(application.gig)
        assert onboarding is not None and onboarding.has_rules
        attempts = application.attempts
        if application.status == ApplicationStatus.REJECTED:
            assert application.decision_reason and application.decided_by is not None
        if application.status == ApplicationStatus.FAILED_OUT:
            assert len(attempts) == onboarding.max_attempts
            assert not any(a.passed for a in attempts)
        if application.status in (ApplicationStatus.PASSED, ApplicationStatus.HIRED):
            assert not onboarding.has_quiz or attempts[-1].passed
    # Someone failed and waits for a retake (at the company's real waiting time).
    waiting = [
        a
        for a in applications
        if a.status == ApplicationStatus.ONBOARDING and a.attempts and not a.attempts[-1].passed
    ]
    assert waiting
    for application in waiting:
        onboarding = onboarding_for(application.gig)
        assert onboarding.retry_delay_minutes > 0
        assert application_steps.next_attempt_at(application, onboarding) is not None
    # Someone passed only at the second attempt.
    assert any(a.status == ApplicationStatus.PASSED and len(a.attempts) > 1 for a in applications)


def test_demo_seeker_works_on_the_german_email_gig(db):
    _seed(db)

    seeker = _user(db, "seeker@demo.test")
    gig = _gig(db, "Shop Demo GmbH", GERMAN_EMAIL_GIG)
    engagement = db.session.scalar(
        sa.select(Engagement).where(Engagement.worker_id == seeker.id, Engagement.gig_id == gig.id)
    )
    assert engagement is not None
    assert engagement.status == EngagementStatus.ACTIVE
    assert engagement.application.status == ApplicationStatus.HIRED
    assert (engagement.rate_cents, engagement.pay_model) == (gig.rate_cents, gig.pay_model)
    assert rules_to_acknowledge(engagement) is None  # ready for work: rules accepted
    others = db.session.scalars(
        sa.select(Application).where(
            Application.seeker_id == seeker.id, Application.gig_id != gig.id
        )
    ).all()
    assert {a.status for a in others} - {ApplicationStatus.HIRED}


def test_demo_mailbox_has_waiting_answered_and_escalated_mail(db):
    _seed(db)

    seeker = _user(db, "seeker@demo.test")
    gig = _gig(db, "Shop Demo GmbH", GERMAN_EMAIL_GIG)
    mailbox = db.session.scalar(sa.select(Mailbox).where(Mailbox.gig_id == gig.id))
    assert mailbox is not None
    assert (mailbox.mode, mailbox.from_address) == (MailboxMode.POOL, "support@shop.demo.test")
    assert mailbox.first_response_hours == 24 and mailbox.signature
    assert inbound.token_matches(mailbox, DEMO_INBOUND_TOKEN)
    # Its forwarding address is printed; no mail server is needed for the demo.
    assert f"{mailbox.forward_token}@inbound.nebendesk.test" in seed_demo()
    canned = db.session.scalars(sa.select(CannedReply).where(CannedReply.mailbox_id == mailbox.id))
    assert 4 <= len(bodies := [c.body for c in canned]) <= 6
    assert any("{customer_name}" in b and "{order_number}" in b for b in bodies)

    by_status = {
        status: db.session.scalars(
            sa.select(Conversation).where(
                Conversation.mailbox_id == mailbox.id, Conversation.status == status
            )
        ).all()
        for status in ConversationStatus
    }
    waiting = by_status[ConversationStatus.WAITING]
    assert len(waiting) >= 20
    assert any(c.first_response_due_at < utcnow() for c in waiting), "nothing overdue"
    assert any(c.first_response_due_at > utcnow() for c in waiting)
    assert not by_status[ConversationStatus.SENDING]

    answered = by_status[ConversationStatus.ANSWERED]
    assert answered
    reply = db.session.scalar(
        sa.select(Reply).where(
            Reply.conversation_id == answered[0].id, Reply.kind == ReplyKind.ANSWER
        )
    )
    assert (reply.status, reply.author_id) == (ReplyStatus.SENT, seeker.id)
    assert pool.unit_of_reply(reply).worker_id == seeker.id

    (escalated,) = by_status[ConversationStatus.ESCALATED]
    escalation = db.session.scalar(
        sa.select(Escalation).where(Escalation.conversation_id == escalated.id)
    )
    assert escalation.escalated_by_id == seeker.id and escalation.note
    acknowledgment = db.session.scalar(
        sa.select(Reply).where(
            Reply.conversation_id == escalated.id, Reply.kind == ReplyKind.ACKNOWLEDGMENT
        )
    )
    assert acknowledgment.status == ReplyStatus.SENT

    # Triage: urgent mail (rules, and Gerd Wolff writing for the third time), tags,
    # internal notes and one conversation assigned to the seeker.
    urgent = {c.customer_email for c in waiting if c.priority == Priority.URGENT}
    assert {"gerd.wolff@example.com", "claudia.berger@example.com"} <= urgent
    assert sum(c.customer_email == "gerd.wolff@example.com" for c in waiting) == 3
    assert any(c.assigned_to_id == seeker.id for c in waiting)
    assert any(triage.tags_of(c) for c in waiting)
    assert any(triage.notes_of(c) for c in waiting)

    inbound_mail = db.session.scalars(
        sa.select(Message).where(
            Message.mailbox_id == mailbox.id, Message.direction == Direction.INBOUND
        )
    ).all()
    assert len(inbound_mail) >= 24
    assert any(m.was_html for m in inbound_mail)
    assert any(m.attachments for m in inbound_mail)
    threaded = [m for m in inbound_mail if m.in_reply_to]
    assert threaded and all(m.conversation.messages[0] is not m for m in threaded)
    # The customer answered our reply: that conversation waits again, with its history.
    assert any(m.conversation.status == ConversationStatus.WAITING for m in threaded)
    # A waiting customer wrote before in another conversation: the workbench shows it.
    answered_customers = {c.customer_email for c in answered}
    assert any(
        c.customer_email in answered_customers for c in waiting if not c.messages[0].in_reply_to
    )


def test_seeding_twice_creates_nothing_new(db):
    _seed(db)
    before = _row_counts(db)

    summary = _seed(db)

    assert _row_counts(db) == before
    assert before["mailboxes"] == 1 and before["messages"] >= 30 and before["work_units"] >= 4
    assert before["gigs"] >= 40
    assert before["onboardings"] >= 3
    assert before["applications"] >= len(ApplicationStatus)
    assert before["quiz_attempts"] and before["engagements"] and before["outbox_emails"]
    assert "nothing new" in summary
    assert "seeker@demo.test" in summary


def _log_in(app, email: str):
    browser = app.test_client()
    response = browser.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{email} could not log in"
    return browser


def test_only_the_opted_in_seeker_finds_the_adult_chat_gig(app, client):
    # No app context stays pushed during the requests (no ``db`` fixture here):
    # requests would share its ``flask.g`` and with it the logged-in user.
    with app.app_context():
        _seed(_db)
        gig_id = _db.session.scalar(sa.select(Gig.id).where(Gig.title == ADULT_CHAT_GIG))
        _db.session.remove()
    search = "/gigs?include=adult-chat"

    anonymous = client.get(search).get_data(as_text=True)
    assert ADULT_CHAT_GIG not in anonymous
    assert "No gigs match" in anonymous
    gate = client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    assert "This gig involves mature content" in gate
    assert "22:00" not in gate  # the description (night shift from 22:00) stays hidden

    newbie = _log_in(app, "newbie@demo.test")
    assert ADULT_CHAT_GIG not in newbie.get(search).get_data(as_text=True)
    assert "Shop Demo GmbH" in newbie.get("/gigs?kind=email_support").get_data(as_text=True)

    seeker = _log_in(app, "seeker@demo.test")
    assert ADULT_CHAT_GIG in seeker.get(search).get_data(as_text=True)
    assert "22:00" in seeker.get(f"/gigs/{gig_id}").get_data(as_text=True)


def _row_of(html: str, name: str) -> str:
    rows = [row for row in html.split("<tr") if name in row]
    assert len(rows) == 1, f"{name} is not in exactly one row"
    return rows[0]


def test_the_demo_pipeline_shows_on_the_pages(app):
    """The companies and the seekers (German speakers) see a living pipeline."""
    with app.app_context():
        _seed(_db)
    with app.app_context(), force_locale("de"):
        gig = _gig(_db, "Shop Demo GmbH", GERMAN_EMAIL_GIG)
        gig_id = gig.id
        shown = {
            application.seeker.display_name: str(APPLICATION_LABELS[application.status])
            for application in _db.session.scalars(
                sa.select(Application).where(Application.gig_id == gig_id)
            )
        }
        waiting = _db.session.scalar(
            sa.select(Application).where(
                Application.gig_id == gig_id, Application.status == ApplicationStatus.ONBOARDING
            )
        )
        waiting_id, waiting_email = waiting.id, waiting.seeker.email
        opens = application_steps.next_attempt_at(waiting, onboarding_for(gig))
        retake = gettext(
            "Your next attempt opens on %(when)s.", when=format_datetime(opens, "short")
        )
        my_work = gettext("My work")
        withdrawn = str(APPLICATION_LABELS[ApplicationStatus.WITHDRAWN])
        _db.session.remove()
    assert len(shown) >= 4 and len(set(shown.values())) >= 4

    pipeline = _log_in(app, "owner@shop.demo.test").get(f"/company/gigs/{gig_id}/applicants")
    html = pipeline.get_data(as_text=True)
    for name, label in shown.items():
        assert label in _row_of(html, name)

    mine = _log_in(app, "seeker@demo.test").get("/applications").get_data(as_text=True)
    assert my_work in mine
    assert GERMAN_EMAIL_GIG in mine.split(my_work)[1]
    assert withdrawn in mine

    detail = _log_in(app, waiting_email).get(f"/applications/{waiting_id}")
    assert retake in detail.get_data(as_text=True)


def test_demo_conversations_show_unread_messages_and_a_report(db):
    from marketplace.messaging import queries as message_queries
    from marketplace.messaging.models import ThreadReport

    _seed(db)
    seeker, owner = _user(db, "seeker@demo.test"), _user(db, "owner@shop.demo.test")
    assert message_queries.unread_total(seeker) == 1  # the company's last answer
    assert message_queries.unread_total(owner) == 2  # Jonas's question, Tom's request
    report = db.session.scalar(sa.select(ThreadReport))
    assert report.reporter_id == owner.id and "outside the platform" in report.reason
