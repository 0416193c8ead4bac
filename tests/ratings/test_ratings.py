"""Ratings both ways: only after real work, once per side, hidden until both rated or the
period ended (time travel), published by reading the clock; the company answers once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.ratings import services
from marketplace.ratings.models import Rating, RatingSide
from tests.ratings.helpers import owner_of, text_of, working

WORKER_SAYS = "Clear rules and quick answers to questions."
COMPANY_SAYS = "Friendly and careful answers."


def rate_as_worker(client, engagement_id: int, text: str = WORKER_SAYS, stars=("5", "4", "3")):
    return client.post(
        f"/engagements/{engagement_id}/rate",
        data={"stars_1": stars[0], "stars_2": stars[1], "stars_3": stars[2], "text": text},
    )


@pytest.fixture
def start(travel):
    when = utcnow().replace(microsecond=0)
    travel(when)
    return when


# --- no rating without real work --------------------------------------------------------


@pytest.mark.parametrize(
    ("approved", "pending", "ended", "allowed"),
    [
        (0, 0, False, False),
        (9, 5, False, False),  # pending work is not real work yet
        (0, 3, True, False),  # ended, but nothing approved
        (10, 0, False, True),
        (1, 0, True, True),
    ],
)
def test_rating_needs_approved_work(db, approved, pending, ended, allowed):
    engagement = working(approved=approved, pending=pending, ended=ended)
    worker = engagement.worker
    if allowed:
        services.rate(engagement, by=worker, stars=[5, 4, 4], text="Good.")
        assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 1
    else:
        with pytest.raises(DomainError):
            services.rate(engagement, by=worker, stars=[5, 4, 4], text="Good.")
        with pytest.raises(DomainError):
            services.rate(engagement, by=owner_of(engagement), stars=[5, 4, 4], text="Good.")


def test_the_page_explains_why_not_yet_and_a_post_changes_nothing(app, client, login_as):
    with app.app_context():
        engagement = working(approved=3)
        engagement_id, worker = engagement.id, engagement.worker
    login_as(worker)
    page = text_of(client.get(f"/engagements/{engagement_id}/rate").get_data(as_text=True))
    assert "after 10 approved units or at the end of the engagement" in page
    assert "approved so far: 3" in page
    assert "Rate Radhaus GmbH" not in text_of(client.get("/applications").get_data(as_text=True))
    rate_as_worker(client, engagement_id)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 0


# --- one per side -----------------------------------------------------------------------


def test_one_rating_per_side_per_engagement(db):
    engagement = working()
    worker = engagement.worker
    services.rate(engagement, by=worker, stars=[5, 5, 5], text="Great.")
    db.session.commit()
    with pytest.raises(DomainError, match="already rated"):
        services.rate(engagement, by=worker, stars=[1, 1, 1], text="Changed my mind.")
    db.session.rollback()
    # The database refuses it too (two requests at once both passing the guard).
    first = db.session.scalar(sa.select(Rating))
    db.session.add(Rating(
        engagement_id=engagement.id, side=RatingSide.WORKER, author_id=worker.id,
        company_id=first.company_id, worker_id=worker.id, stars_1=1, stars_2=1, stars_3=1,
        publish_at=utcnow(),
    ))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert [r.stars for r in db.session.scalars(sa.select(Rating))] == [(5, 5, 5)]


def test_stars_out_of_range_are_refused(db):
    engagement = working()
    with pytest.raises(DomainError):
        services.rate(engagement, by=engagement.worker, stars=[6, 4, 4], text="")
    with pytest.raises(DomainError):
        services.rate(engagement, by=engagement.worker, stars=[0, 4, 4], text="")


# --- hidden until published --------------------------------------------------------------


def test_hidden_until_both_sides_rated_then_both_published_and_emailed(
    app, client, login_as, smtp_sink, start
):
    with app.app_context():
        engagement = working(worker_locale="en", owner_locale="de")
        engagement_id, company_id = engagement.id, engagement.gig.company_id
        worker, owner = engagement.worker, owner_of(engagement)
    smtp_sink.clear()  # the funding's receipt
    login_as(worker)
    assert "Rate Radhaus GmbH" in text_of(client.get("/applications").get_data(as_text=True))
    response = rate_as_worker(client, engagement_id)
    assert response.status_code == 302
    own = text_of(client.get(f"/engagements/{engagement_id}/rate").get_data(as_text=True))
    assert WORKER_SAYS in own and "Only you see it" in own  # the author sees their own

    login_as(owner)  # the other side does not see it, nor does the public
    assert WORKER_SAYS not in client.get(f"/companies/{company_id}").get_data(as_text=True)
    client.post("/logout")
    assert WORKER_SAYS not in client.get(f"/companies/{company_id}").get_data(as_text=True)
    assert smtp_sink.to(owner.email) == []

    login_as(owner)
    page = text_of(client.get("/company/engagements").get_data(as_text=True))
    assert "Lena Fischer bewerten" in page  # the owner reads German
    response = client.post(
        f"/engagements/{engagement_id}/rate",
        data={"stars_1": "5", "stars_2": "5", "stars_3": "4", "text": COMPANY_SAYS},
        follow_redirects=True,
    )
    assert "Beide Seiten haben bewertet" in response.get_data(as_text=True)
    public = text_of(client.get(f"/companies/{company_id}").get_data(as_text=True))
    assert WORKER_SAYS in public and "1 Bewertung" in public
    engagements_page = client.get("/company/engagements").get_data(as_text=True)
    assert "Lena Fischer bewerten" not in text_of(engagements_page)
    profile = text_of(client.get(f"/workers/{worker.id}").get_data(as_text=True))
    assert COMPANY_SAYS in profile

    to_owner = smtp_sink.last_to(owner.email)  # each in their own language
    assert " ".join(to_owner["Subject"].split()) == (  # a long header is folded
        "Die Bewertung von Radhaus GmbH durch eine Arbeitskraft ist veröffentlicht"
    )
    to_worker = smtp_sink.last_to(worker.email)
    assert to_worker["Subject"] == "Radhaus GmbH's rating of your work is published"
    assert f"/workers/{worker.id}" in to_worker.get_content()


def test_published_after_the_period_when_the_other_side_never_rates(
    app, client, login_as, smtp_sink, travel, start
):
    with app.app_context():
        engagement = working()
        engagement_id, company_id = engagement.id, engagement.gig.company_id
        worker, owner = engagement.worker, owner_of(engagement)
    smtp_sink.clear()  # the funding's receipt
    login_as(worker)
    rate_as_worker(client, engagement_id)
    client.post("/logout")

    travel(start + timedelta(days=14) - timedelta(minutes=1))
    assert WORKER_SAYS not in client.get(f"/companies/{company_id}").get_data(as_text=True)
    runner = app.test_cli_runner()
    assert "Announced 0" in runner.invoke(args=["ratings", "publish"]).output

    travel(start + timedelta(days=14))
    # Visible from this moment on, whether the cron job ran or not.
    assert WORKER_SAYS in client.get(f"/companies/{company_id}").get_data(as_text=True)
    assert smtp_sink.to(owner.email) == []
    assert "Announced 1" in runner.invoke(args=["ratings", "publish"]).output
    assert len(smtp_sink.to(owner.email)) == 1
    assert "Announced 0" in runner.invoke(args=["ratings", "publish"]).output  # never twice

    # The company may still rate later; its rating is published at once (both rated).
    login_as(owner)
    client.post(
        f"/engagements/{engagement_id}/rate",
        data={"stars_1": "4", "stars_2": "4", "stars_3": "4", "text": COMPANY_SAYS},
    )
    assert COMPANY_SAYS in client.get(f"/workers/{worker.id}").get_data(as_text=True)
    assert len(smtp_sink.to(worker.email)) == 1
    assert len(smtp_sink.to(owner.email)) == 1


def test_no_editing_after_submitting(app, client, login_as):
    with app.app_context():
        engagement = working()
        engagement_id, worker = engagement.id, engagement.worker
    login_as(worker)
    rate_as_worker(client, engagement_id, text="First words.")
    response = rate_as_worker(client, engagement_id, text="Second thoughts.", stars=("1", "1", "1"))
    assert "You have already rated this engagement." in response.get_data(as_text=True)
    with app.app_context():
        ratings = db.session.scalars(sa.select(Rating)).all()
        assert [(r.text, r.stars) for r in ratings] == [("First words.", (5, 4, 3))]


# --- the company's answer ------------------------------------------------------------------


def test_the_company_answers_a_published_rating_once(app, client, login_as, travel, start):
    with app.app_context():
        engagement = working()
        engagement_id, company_id = engagement.id, engagement.gig.company_id
        worker, owner = engagement.worker, owner_of(engagement)
    login_as(worker)
    rate_as_worker(client, engagement_id)
    with app.app_context():
        rating_id = db.session.scalar(sa.select(Rating.id))

    login_as(owner)
    client.post(f"/ratings/{rating_id}/answer", data={"answer": "Too early."})
    with app.app_context():
        assert db.session.get(Rating, rating_id).answer is None  # not published yet

    travel(start + timedelta(days=15))
    page = text_of(client.get(f"/companies/{company_id}").get_data(as_text=True))
    assert "Publish answer" in page
    client.post(f"/ratings/{rating_id}/answer", data={"answer": "Thank you, Lena!"})
    response = client.post(
        f"/ratings/{rating_id}/answer", data={"answer": "Another answer."}, follow_redirects=True
    )
    page = text_of(response.get_data(as_text=True))
    assert "This rating has already been answered." in page
    assert "Thank you, Lena!" in page and "Another answer." not in page
    assert "Publish answer" not in page
    client.post("/logout")
    assert "Thank you, Lena!" in client.get(f"/companies/{company_id}").get_data(as_text=True)


def test_the_worker_cannot_answer_and_company_ratings_of_workers_have_no_answer(db):
    engagement = working()
    rating = services.rate(engagement, by=owner_of(engagement), stars=[4, 4, 4], text="")
    services.rate(engagement, by=engagement.worker, stars=[4, 4, 4], text="")
    with pytest.raises(DomainError):
        services.answer(rating, by=owner_of(engagement), text="About our own rating?")


# --- the worker's profile -----------------------------------------------------------------


def test_the_profile_shows_facts_without_surname_or_email(app, client, login_as):
    with app.app_context():
        engagement = working(approved=10, pending=2)
        owner, worker = owner_of(engagement), engagement.worker
        db.session.get(Engagement, engagement.id)
    login_as(owner)
    page = text_of(client.get(f"/workers/{worker.id}").get_data(as_text=True))
    assert "Lena F." in page
    assert "Fischer" not in page and "lena@example.test" not in page
    assert "Units done 10" in page
    assert "Approval rate (last 90 days) 100 %" in page
    assert "Email support" in page and "German, English" in page


def test_two_sides_rating_at_the_same_moment_are_published_by_the_cron(app, db, smtp_sink):
    """Each request saw no rating of the other side, so both wait for the period; the
    next ``flask ratings publish`` sees both sides rated and publishes them."""
    engagement = working()
    smtp_sink.clear()
    later = utcnow() + timedelta(days=14)
    for side, author in ((RatingSide.WORKER, engagement.worker),
                         (RatingSide.COMPANY, owner_of(engagement))):  # fmt: skip
        db.session.add(Rating(
            engagement_id=engagement.id, side=side, author_id=author.id,
            company_id=engagement.gig.company_id, worker_id=engagement.worker_id,
            stars_1=4, stars_2=4, stars_3=4, publish_at=later,
        ))  # fmt: skip
    db.session.commit()
    assert services.publish_due() == 2
    db.session.commit()
    assert all(r.is_published() for r in db.session.scalars(sa.select(Rating)))
    assert len(smtp_sink.to(engagement.worker.email)) == 1
    assert services.publish_due() == 0
