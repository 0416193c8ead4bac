"""Demo ratings both ways, through the services a person's clicks call.

sam@demo.test answered English emails for Shop Demo GmbH: his earlier answers (ten
units, recorded and approved by the owner through ``payments.units``) make him
eligible; he rates the company, the owner rates him, so both are published at once
(and each side is emailed); the owner answers Sam's rating. Shop Demo GmbH's public
page then shows the rating, its answer and the measured facts; Sam's profile shows the
company's rating. Idempotent: an engagement Sam already rated is left as it is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from marketplace.accounts.queries import find_user_by_email
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import units
from marketplace.payments.models import UnitKind, UnitStatus
from marketplace.ratings import services
from marketplace.ratings.models import RatingSide
from marketplace.seed.demo_data import RADWERK_ENGLISH_GIG, SAM_EMAIL, SHOP_OWNER_EMAIL

EARLIER_ANSWERS = 10
SAM_SAYS = (
    "Clear rules and a quiz that prepared me well. Questions in the chat were answered "
    "the same day, and every answer was reviewed within a day."
)
OWNER_SAYS = "Sam antwortet freundlich, genau und schnell – auch bei kniffligen Rücksendungen."
OWNER_ANSWERS = "Thank you, Sam! We are glad to have you on the team."


def seed_ratings() -> list[str]:
    """Flushes, never commits (the CLI commits at its end)."""
    owner = find_user_by_email(SHOP_OWNER_EMAIL)
    sam = find_user_by_email(SAM_EMAIL)
    engagement = db.session.scalar(
        sa.select(Engagement)
        .join(Gig, Gig.id == Engagement.gig_id)
        .where(Engagement.worker_id == sam.id, Gig.title == RADWERK_ENGLISH_GIG)
    )
    if engagement is None or engagement.status != EngagementStatus.ACTIVE:
        return []
    if services.rating_of(engagement, RatingSide.WORKER) is not None:
        return [_line(engagement)]
    for n in range(EARLIER_ANSWERS):
        source = f"demo:sam-earlier-answer:{n}"
        unit = units.record_units(
            engagement,
            kind=UnitKind.EMAIL,
            quantity=Decimal(1),
            source=source,
            work_date=date.today(),
            by=owner,
            note="Earlier answer (demo)",
        )
        if unit.status == UnitStatus.PENDING:
            units.approve(unit, by=owner)
    if not services.eligibility(engagement, RatingSide.WORKER).allowed:
        return []  # the company could not pay for the earlier work: no rating without it
    mine = services.rate(engagement, by=sam, stars=[5, 4, 5], text=SAM_SAYS)
    services.rate(engagement, by=owner, stars=[5, 5, 4], text=OWNER_SAYS)
    services.answer(mine, by=owner, text=OWNER_ANSWERS)
    db.session.flush()
    return [_line(engagement)]


def _line(engagement: Engagement) -> str:
    return (
        f"Ratings: {SAM_EMAIL} and Shop Demo GmbH rated each other (published); see "
        f"/companies/{engagement.gig.company_id} and /workers/{engagement.worker_id}."
    )
