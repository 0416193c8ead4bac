"""Authorization matrix, part: ratings (ratings/views.py).

Rating an engagement: its worker (not a matrix role) and the members of its company.
``w.engagement`` has no approved work, so the company's page explains that rating is
not possible yet (OK) and its empty POST changes nothing. A worker's profile: the
worker and the members of a company the worker applied to; ``w.seeker`` applied to
``company``'s published gig.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.ratings.models import Rating, RatingSide
from tests.auth.matrix_common import LOGIN, NF, OK, OWN_COMPANY, Expectations, everyone
from tests.world import World

COMPANY_SIDE = {"anonymous": LOGIN, "seeker": NF, "other_company": NF, "company": OK, "admin": NF}
WORKER_PROFILE = {"anonymous": LOGIN, "seeker": OK, "other_company": NF, "company": OK, "admin": NF}


def published_rating(w: World, *, days_ago: int = 20) -> Rating:
    """The world's worker's rating of ``company``, published (14 days passed)."""
    created = utcnow() - timedelta(days=days_ago)
    rating = Rating(
        engagement_id=w.engagement.id, side=RatingSide.WORKER, author_id=w.worker.id,
        company_id=w.company.id, worker_id=w.worker.id, stars_1=4, stars_2=5, stars_3=3,
        text="Clear rules.", created_at=created, publish_at=created + timedelta(days=14),
    )  # fmt: skip
    db.session.add(rating)
    db.session.commit()
    return rating


RATINGS: Expectations = {
    ("ratings.rate", "GET"): (lambda w: f"/engagements/{w.engagement.id}/rate", COMPANY_SIDE),
    ("ratings.rate", "POST"): (lambda w: f"/engagements/{w.engagement.id}/rate", COMPANY_SIDE),
    ("ratings.answer", "POST"): (
        lambda w: f"/ratings/{published_rating(w).id}/answer",
        OWN_COMPANY,
    ),
    ("ratings.worker", "GET"): (lambda w: f"/workers/{w.seeker.id}", WORKER_PROFILE),
}

HIDDEN_RATING_OBJECTS = [
    ("unknown engagement to rate", "GET", lambda w: "/engagements/999999/rate",
     {**everyone(NF), "anonymous": LOGIN}),
    ("profile of a company member", "GET", lambda w: f"/workers/{w.owner.id}",
     {**everyone(NF), "anonymous": LOGIN}),
    ("profile of a worker nobody here hired", "GET", lambda w: f"/workers/{w.worker.id}",
     {**WORKER_PROFILE, "seeker": NF}),
    ("unknown worker", "GET", lambda w: "/workers/999999", {**everyone(NF), "anonymous": LOGIN}),
    ("unknown rating to answer", "POST", lambda w: "/ratings/999999/answer",
     {**everyone(NF), "anonymous": LOGIN}),
]  # fmt: skip
