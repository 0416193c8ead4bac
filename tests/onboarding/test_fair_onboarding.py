"""Onboarding that respects the seeker's time (issue 15): must-pass questions, the time
left counted down on the page (and still enforced by the server), a result page that
says what comes next, and nothing in onboarding is ever charged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding import quiz_file
from marketplace.onboarding.models import Application, ApplicationStatus, QuizAttempt
from marketplace.onboarding.services import onboarding_for
from marketplace.payments.models import (
    ConnectedAccount,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Payout,
    WorkUnit,
)
from tests.conftest import start_login
from tests.factories import PublishedGigFactory, UserFactory, company_member, make_onboarding
from tests.onboarding.test_application_views import answers_form, application_id, login

MUST_PASS = "A customer insults you. You…"


def setup(app, *, must_pass: bool = True, **settings) -> dict:
    """A gig whose quiz has three questions, the third one must-pass (pass mark 60 %)."""
    with app.app_context():
        owner = company_member(email="owner@fair.example")
        gig = PublishedGigFactory(company=owner.company, created_by=owner)
        onboarding = make_onboarding(gig, shuffle_options=False, **settings)
        onboarding.questions[2].must_pass = must_pass
        db.session.commit()
        seeker = UserFactory(email="mia@example.test", display_name="Mia")
        return {
            "gig_id": gig.id,
            "seeker_id": seeker.id,
            "seeker": start_login(app, seeker),
            "rules_hash": onboarding.rules_hash,
        }


def start_quiz(app, client, world) -> int:
    """Apply, accept the rules and start the first attempt, as the seeker does."""
    login(client, world["seeker"])
    client.post(
        f"/gigs/{world['gig_id']}/apply",
        data={"note": "", "hours_per_week": "10", "languages": ["de"]},
    )
    app_id = application_id(app)
    client.post(
        f"/applications/{app_id}/rules", data={"rules_hash": world["rules_hash"], "confirm": "y"}
    )
    assert client.post(f"/applications/{app_id}/quiz").status_code == 302
    return app_id


def all_right_but_must_pass(app) -> dict[str, list[str]]:
    form = answers_form(app, 1, correct=True)
    wrong = answers_form(app, 1, correct=False)
    with app.app_context():
        attempt = db.session.scalar(sa.select(QuizAttempt))
        (must_pass,) = [q["id"] for q in attempt.paper if q["text"] == MUST_PASS]
    form[f"q-{must_pass}"] = wrong[f"q-{must_pass}"]
    return form


def test_a_wrong_must_pass_answer_fails_the_attempt_whatever_the_score(app, client, smtp_sink):
    world = setup(app)
    app_id = start_quiz(app, client, world)
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "must be answered correctly" in page  # the seeker knows which question counts

    client.post(f"/applications/{app_id}/quiz/1", data=all_right_but_must_pass(app))
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "66 %" in page and "Not passed" in page  # above the pass mark of 60 %
    assert "A question that must be answered correctly was answered wrong" in page
    # The right answers stay unknown: no option is shown on the result.
    for option in ("stay polite and escalate", "insult them back", "Look up the tracking number"):
        assert option not in page
    with app.app_context():
        attempt = db.session.scalar(sa.select(QuizAttempt))
        assert attempt.score_percent == 66 and attempt.passed is False
        assert db.session.get(Application, app_id).status == ApplicationStatus.ONBOARDING
    assert "stay polite" not in smtp_sink.last_to("mia@example.test").get_content()


def test_the_same_answers_pass_when_the_question_is_not_must_pass(app, client):
    world = setup(app, must_pass=False)
    app_id = start_quiz(app, client, world)
    client.post(f"/applications/{app_id}/quiz/1", data=all_right_but_must_pass(app))
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "Passed. Well done!" in page
    assert "The company now reviews your application" in page  # what comes next


def test_the_quiz_counts_down_and_the_server_still_refuses_late_answers(app, client, travel):
    start = utcnow().replace(microsecond=0)
    travel(start)
    world = setup(app, time_limit_minutes=20)
    app_id = start_quiz(app, client, world)
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert 'data-seconds-left="1200"' in page and "20 minutes left" in page
    assert "js/countdown.js" in page
    assert re.search(r'data-many="\{n\} minutes left"', page)  # the script's wording

    travel(start + timedelta(minutes=12, seconds=30))
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert 'data-seconds-left="450"' in page and "7 minutes left" in page

    travel(start + timedelta(minutes=19, seconds=20))
    assert "Less than a minute left" in client.get(f"/applications/{app_id}/quiz/1").get_data(
        as_text=True
    )

    travel(start + timedelta(minutes=21))  # past the deadline and its 30 s of grace
    answers = answers_form(app, 1, correct=True)
    client.post(f"/applications/{app_id}/quiz/1", data=answers)
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "The time ran out before your answers arrived" in page
    assert "js/countdown.js" not in page
    with app.app_context():
        attempt = db.session.scalar(sa.select(QuizAttempt))
        assert attempt.timed_out and not attempt.passed and attempt.answers == {}


def test_the_result_says_when_the_next_attempt_opens(app, client, travel):
    start = utcnow().replace(microsecond=0)
    travel(start)
    world = setup(app, retry_delay_minutes=90, max_attempts=3)
    app_id = start_quiz(app, client, world)
    client.post(f"/applications/{app_id}/quiz/1", data=answers_form(app, 1, correct=False))
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "What comes next" in page
    assert "Your next attempt opens on" in page and "That is in 2 hours." in page
    assert "You have 2 attempts left." in page
    assert "Onboarding is free for you" in page

    travel(start + timedelta(minutes=91))
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "You can try again now." in page and "Start the next attempt" in page


def test_the_result_says_when_no_attempt_is_left(app, client):
    world = setup(app, max_attempts=1)
    app_id = start_quiz(app, client, world)
    client.post(f"/applications/{app_id}/quiz/1", data=answers_form(app, 1, correct=False))
    page = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "You have used every attempt without passing" in page
    assert "Start the next attempt" not in page


def _money_rows() -> dict[str, int]:
    tables = (WorkUnit, LedgerAccount, LedgerTransaction, LedgerEntry, Payment, Payout)
    counts = {
        t.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in tables
    }
    counts["connected"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(ConnectedAccount)
    )
    return counts


def test_onboarding_is_never_charged_to_the_seeker(app, client, travel):
    """Applying, reading the rules and every quiz attempt (failed, timed out, passed)
    record no unit and move no money: nothing in onboarding costs the seeker."""
    start = utcnow().replace(microsecond=0)
    travel(start)
    world = setup(app, retry_delay_minutes=0, max_attempts=3)
    with app.app_context():
        before = _money_rows()
    app_id = start_quiz(app, client, world)
    client.post(f"/applications/{app_id}/quiz/1", data=answers_form(app, 1, correct=False))
    client.post(f"/applications/{app_id}/quiz")
    travel(start + timedelta(minutes=30))  # the second attempt times out
    client.post(f"/applications/{app_id}/quiz/2", data=answers_form(app, 2, correct=True))
    client.post(f"/applications/{app_id}/quiz")
    client.post(f"/applications/{app_id}/quiz/3", data=answers_form(app, 3, correct=True))
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.PASSED
        assert _money_rows() == before
        seeker_accounts = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LedgerAccount)
            .where(LedgerAccount.owner_id == world["seeker_id"])
        )
        assert seeker_accounts == 0


def test_quiz_files_carry_must_pass_questions(app, db):
    owner = company_member(email="owner@files.example")
    source = PublishedGigFactory(company=owner.company, created_by=owner)
    make_onboarding(source).questions[0].must_pass = True
    db.session.commit()
    exported = quiz_file.export_quiz(source)
    assert [q["must_pass"] for q in exported["questions"]] == [True, False, False]

    target = PublishedGigFactory(company=owner.company, created_by=owner)
    quiz_file.import_quiz(target, exported, by=owner)
    assert [q.must_pass for q in onboarding_for(target).questions] == [True, False, False]

    for question in exported["questions"]:  # a file from before must-pass questions
        del question["must_pass"]
    quiz_file.import_quiz(target, exported, by=owner)
    assert [q.must_pass for q in onboarding_for(target).questions] == [False, False, False]

    exported["questions"][0]["must_pass"] = "yes"
    with pytest.raises(DomainError, match="must_pass"):
        quiz_file.parse_quiz(exported)
