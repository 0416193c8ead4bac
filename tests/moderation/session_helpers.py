"""Hourly chat moderation for the live-session tests: a community on a gig paid
12,00 € per hour (1 hour costs the company 13,80 € with the 15 % fee)."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation.models import Community
from marketplace.onboarding.models import Engagement
from tests.moderation import moderator_helpers as mh

RATE = 1200
HOUR_COST = 1380


def hourly_community(*, funds_cents: int = 10_000) -> Community:
    found = mh.community(rate_cents=RATE, funds_cents=funds_cents)
    found.gig.pay_model = PayModel.PER_HOUR
    db.session.commit()
    return found


def hourly_moderator(found: Community) -> Engagement:
    engagement = mh.hire(found)
    assert engagement.pay_model == PayModel.PER_HOUR
    return engagement
