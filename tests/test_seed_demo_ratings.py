"""``flask seed demo`` and ratings: Sam and Shop Demo GmbH rated each other, so the
company's public page shows a published rating with its answer and the measured facts,
and the books still agree."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.accounts.models import Company, User
from marketplace.payments.checks import check_ledger
from marketplace.ratings.models import Rating
from marketplace.seed.demo import seed_demo
from marketplace.seed.ratings import OWNER_ANSWERS, OWNER_SAYS, SAM_SAYS


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_demo_has_published_ratings_both_ways_and_the_books_agree(app, client):
    with app.app_context():
        from marketplace.extensions import db

        seed_demo()
        db.session.commit()
        assert check_ledger() == []
        ratings = db.session.scalars(sa.select(Rating)).all()
        assert sorted(r.side.value for r in ratings) == ["company", "worker"]
        company_id = db.session.scalar(
            sa.select(Company.id).where(Company.name == "Shop Demo GmbH")
        )
        sam_id = db.session.scalar(sa.select(User.id).where(User.email == "sam@demo.test"))
        seed_demo()  # twice: nothing new
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 2

    page = _text(client.get(f"/companies/{company_id}").get_data(as_text=True))
    assert SAM_SAYS in page and OWNER_ANSWERS in page
    assert "Median review time" in page and "1 rating" in page

    from tests.test_seed_demo import DEMO_PASSWORD

    client.post("/login", data={"email": "sam@demo.test", "password": DEMO_PASSWORD})
    profile = _text(client.get(f"/workers/{sam_id}").get_data(as_text=True))
    assert OWNER_SAYS in profile
