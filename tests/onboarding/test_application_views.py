"""A seeker applies, reads the rules, takes the quiz; a company reviews and hires.
Through the pages, as people use them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.onboarding.models import (
    Application,
    ApplicationStatus,
    Engagement,
    QuizAttempt,
)
from tests.conftest import start_login
from tests.factories import (
    MatureSeekerFactory,
    MatureTagFactory,
    PublishedGigFactory,
    UserFactory,
    company_member,
    make_onboarding,
)
from tests.payments.helpers import funded


def setup_gig(app, **settings):
    with app.app_context():
        owner = company_member(email="owner@radhaus.example")
        gig = PublishedGigFactory(company=owner.company, created_by=owner, openings=2)
        onboarding = make_onboarding(gig, **settings)
        funded(owner.company, 100_000)  # hiring needs the first work paid for
        seeker = UserFactory(email="lena@example.test", display_name="Lena")
        return {
            "gig_id": gig.id,
            "owner": start_login(app, owner),
            "seeker": start_login(app, seeker),
            "rules_hash": onboarding.rules_hash,
        }


def login(client, session_id: str) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = session_id


def application_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Application.id))


def answers_form(app, number: int, *, correct: bool) -> dict[str, list[str]]:
    with app.app_context():
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.number == number))
        form: dict[str, list[str]] = {}
        for question in attempt.paper:
            key = set(attempt.key[str(question["id"])])
            chosen = [o["id"] for o in question["options"] if (o["id"] in key) == correct]
            form[f"q-{question['id']}"] = [str(i) for i in chosen[: 1 if not correct else None]]
        return form


def test_the_whole_way_from_applying_to_being_hired(app, client, smtp_sink, travel):
    world = setup_gig(app, retry_delay_minutes=30)
    login(client, world["seeker"])
    page = client.get(f"/gigs/{world['gig_id']}").get_data(as_text=True)
    assert "Apply for this gig" in page

    response = client.post(
        f"/gigs/{world['gig_id']}/apply",
        data={"note": "Five years in retail.", "hours_per_week": "12", "languages": ["de"]},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Read the company's rules" in html
    assert smtp_sink.last_to("lena@example.test")["Subject"].startswith("Application received")
    app_id = application_id(app)

    html = client.get(f"/applications/{app_id}/rules").get_data(as_text=True)
    assert "Never promise refunds." in html
    html = client.post(
        f"/applications/{app_id}/rules", data={"rules_hash": world["rules_hash"]}
    ).get_data(as_text=True)
    assert "Please confirm that you have read the rules." in html  # the box was not ticked
    client.post(
        f"/applications/{app_id}/rules", data={"rules_hash": world["rules_hash"], "confirm": "y"}
    )

    html = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "Start the quiz" in html
    response = client.post(f"/applications/{app_id}/quiz")
    assert response.headers["Location"].endswith(f"/applications/{app_id}/quiz/1")
    client.post(f"/applications/{app_id}/quiz/1", data=answers_form(app, 1, correct=False))
    html = client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True)
    assert "Not passed" in html and "Wrong" in html
    assert "Your next attempt opens on" in html
    assert "You can try again from" in smtp_sink.last_to("lena@example.test").get_content()

    html = client.post(f"/applications/{app_id}/quiz", follow_redirects=True).get_data(as_text=True)
    assert "Your next attempt opens on" in html  # the waiting time holds
    from datetime import timedelta

    from marketplace.db import utcnow

    travel(utcnow() + timedelta(minutes=31))
    client.post(f"/applications/{app_id}/quiz")
    client.post(f"/applications/{app_id}/quiz/2", data=answers_form(app, 2, correct=True))
    html = client.get(f"/applications/{app_id}/quiz/2").get_data(as_text=True)
    assert "Passed. Well done!" in html
    assert smtp_sink.last_to("owner@radhaus.example")["Subject"].startswith("Ready for your review")

    login(client, world["owner"])
    html = client.get(f"/company/gigs/{world['gig_id']}/applicants?status=passed").get_data(
        as_text=True
    )
    assert "Lena" in html
    html = client.get(f"/company/applications/{app_id}").get_data(as_text=True)
    assert "Five years in retail." in html and "Quiz attempt 2: 100 %" in html
    client.post(f"/company/applications/{app_id}/hire")
    with app.app_context():
        engagement = db.session.scalar(sa.select(Engagement))
        assert engagement.worker.email == "lena@example.test"
        assert db.session.get(Application, app_id).status == ApplicationStatus.HIRED
    assert smtp_sink.last_to("lena@example.test")["Subject"].startswith("You are hired")

    login(client, world["seeker"])
    html = client.get("/applications").get_data(as_text=True)
    assert "My work" in html and "Hired" in html


def test_the_answer_key_never_reaches_the_seeker(app, client):
    """Two quizzes that differ only in which options are correct look the same
    to the seeker, on every page of their attempt."""
    pages = []
    for flip in (False, True):
        with app.app_context():
            gig = PublishedGigFactory()
            questions = (
                ("Which colour has the logo?", "single", (("Blue", not flip), ("Red", flip))),
                ("Pick the polite ones", "multiple", (("Hello", True), ("Go away", flip))),
            )
            make_onboarding(gig, rules="", questions=questions, shuffle_options=False)
            seeker = UserFactory()
            gig_id, seeker_id = gig.id, start_login(app, seeker)
        login(client, seeker_id)
        client.post(
            f"/gigs/{gig_id}/apply",
            data={"note": "", "hours_per_week": "5", "languages": ["de"]},
        )
        with app.app_context():
            app_id = db.session.scalar(
                sa.select(Application.id).where(Application.gig_id == gig_id)
            )
        client.post(f"/applications/{app_id}/quiz")
        seen = [
            client.get(f"/applications/{app_id}").get_data(as_text=True),
            client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True),
        ]
        client.post(f"/applications/{app_id}/quiz/1", data={})
        seen.append(client.get(f"/applications/{app_id}/quiz/1").get_data(as_text=True))
        pages.append(seen)

    def normalised(html: str) -> str:
        html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
        html = re.sub(r"/(applications|messages)/\d+", r"/\1/N", html)
        html = re.sub(r"/gigs/\d+", "/gigs/N", html)
        html = re.sub(r'(name="q-|value=")\d+', r"\1N", html)
        html = re.sub(r"Answer customer emails for an online shop #\d+", "TITLE", html)
        html = re.sub(r"Shop \d+ GmbH", "COMPANY", html)
        html = re.sub(r"Seeker \d+", "NAME", html)
        return re.sub(r"\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}\s?[AP]?M?", "TIME", html)

    for first, second in zip(*pages, strict=True):
        assert normalised(first) == normalised(second)
    assert "Blue" in pages[0][1] and "Red" in pages[0][1]  # the options are shown
    assert "correct" not in pages[0][1].lower()


def test_mature_gig_asks_for_consent_and_records_it(app, client):
    with app.app_context():
        gig = PublishedGigFactory(tags=[MatureTagFactory(name_en="Adult chat")])
        seeker = MatureSeekerFactory()
        gig_id, seeker_id = gig.id, start_login(app, seeker)
    login(client, seeker_id)
    form = client.get(f"/gigs/{gig_id}/apply").get_data(as_text=True)
    assert "Content you would work with" in form and "Adult chat" in form
    fingerprint = re.search(r'name="consent_fingerprint" type="hidden" value="([^"]+)"', form)[1]
    data = {"hours_per_week": "5", "languages": ["de"], "consent_fingerprint": fingerprint}
    html = client.post(f"/gigs/{gig_id}/apply", data=data).get_data(as_text=True)
    assert "Please confirm the content you would work with." in html
    client.post(f"/gigs/{gig_id}/apply", data={**data, "consent": "y"})
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        assert application.consented_at is not None
        assert application.consent["tags"][0]["name_en"] == "Adult chat"


def test_seekers_who_may_not_see_mature_content_cannot_apply(app, client):
    with app.app_context():
        gig_id = PublishedGigFactory(tags=[MatureTagFactory()]).id
        login(client, start_login(app, UserFactory()))
    assert client.get(f"/gigs/{gig_id}/apply").status_code == 404


def test_bad_quiz_input_is_explained_and_changes_nothing(app, client):
    world = setup_gig(app, rules="")
    login(client, world["seeker"])
    client.post(
        f"/gigs/{world['gig_id']}/apply",
        data={"hours_per_week": "5", "languages": ["de"]},
    )
    app_id = application_id(app)
    client.post(f"/applications/{app_id}/quiz")
    for data, message in (
        ({"q-999999": ["1"]}, "not part of this attempt"),
        ({"q-abc": ["1"]}, "could not be read"),
        ({"q-1": ["x"]}, "could not be read"),
    ):
        html = client.post(
            f"/applications/{app_id}/quiz/1", data=data, follow_redirects=True
        ).get_data(as_text=True)
        assert message in html
    with app.app_context():
        assert db.session.scalar(sa.select(QuizAttempt.submitted_at)) is None
    client.post(f"/applications/{app_id}/quiz/1", data=answers_form(app, 1, correct=True))
    html = client.post(f"/applications/{app_id}/quiz/1", data={}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "This attempt was already submitted." in html
    with app.app_context():
        assert db.session.scalar(sa.select(QuizAttempt.passed)) is True


def test_company_rejects_with_a_reason(app, client, smtp_sink):
    world = setup_gig(app)
    login(client, world["seeker"])
    client.post(f"/gigs/{world['gig_id']}/apply", data={"hours_per_week": "5", "languages": ["de"]})
    app_id = application_id(app)
    login(client, world["owner"])
    html = client.post(
        f"/company/applications/{app_id}/reject", data={"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please give a reason." in html
    client.post(f"/company/applications/{app_id}/reject", data={"reason": "We need evenings."})
    assert "We need evenings." in smtp_sink.last_to("lena@example.test").get_content()
    login(client, world["seeker"])
    html = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "We need evenings." in html and "Withdraw application" not in html
