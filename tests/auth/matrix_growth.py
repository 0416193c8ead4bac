"""Authorization matrix, part: levels and offers (growth/views.py, growth/company_views.py).

test_matrix.py merges every part and fails for a route without a line. The offer
is made to ``w.worker`` (whom no role is), so every role's answer is 404; the
worker's own answers are tested in tests/growth/test_offers.py. Nobody leads the
world's gig either, so a team lead's review (payments/lead_views.py) is 404 for
every role; the team lead's own pages are tested in tests/payments/test_team_lead.py.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.growth.models import Offer, OfferKind
from tests.auth.matrix_balance import _unit
from tests.auth.matrix_common import LOGIN, NF, OWN_COMPANY, SEEKER_ONLY, Expectations, everyone
from tests.world import World

NOBODYS = {**everyone(NF), "anonymous": LOGIN}


def _offer(w: World) -> int:
    offer = Offer(
        engagement_id=w.engagement.id,
        kind=OfferKind.MORE_HOURS,
        weekly_hours=30,
        made_by_id=w.owner.id,
        expires_at=utcnow() + timedelta(days=14),
    )
    db.session.add(offer)
    db.session.commit()
    return offer.id


GROWTH: Expectations = {
    ("growth.levels_page", "GET"): (lambda w: "/account/levels", SEEKER_ONLY),
    ("growth.offers_page", "GET"): (lambda w: "/account/offers", SEEKER_ONLY),
    ("growth.accept", "POST"): (lambda w: f"/account/offers/{_offer(w)}/accept", NOBODYS),
    ("growth.decline", "POST"): (lambda w: f"/account/offers/{_offer(w)}/decline", NOBODYS),
    ("growth_company.engagement_offers", "GET"): (
        lambda w: f"/company/engagements/{w.engagement.id}/offers",
        OWN_COMPANY,
    ),
    ("growth_company.engagement_offers", "POST"): (
        lambda w: f"/company/engagements/{w.engagement.id}/offers",
        OWN_COMPANY,
    ),
    ("growth_company.gig_levels_page", "GET"): (
        lambda w: f"/company/gigs/{w.published.id}/levels",
        OWN_COMPANY,
    ),
    ("growth_company.gig_levels_page", "POST"): (
        lambda w: f"/company/gigs/{w.published.id}/levels",
        OWN_COMPANY,
    ),
    ("team_lead.review", "GET"): (lambda w: f"/work/gigs/{w.published.id}/review", NOBODYS),
    ("team_lead.approve", "POST"): (
        lambda w: f"/work/gigs/{w.published.id}/review/units/{_unit(w)}/approve",
        NOBODYS,
    ),
    ("team_lead.reject", "POST"): (
        lambda w: f"/work/gigs/{w.published.id}/review/units/{_unit(w)}/reject",
        NOBODYS,
    ),
}
