"""Demo levels and offers, through the same services: every engaged worker's level
is computed from the demo's real work (as the daily ``flask growth recompute``
does), Shop Demo GmbH pays Experienced workers more on its English email gig, and
the demo seeker has an offer of more weekly hours waiting for her answer.
Idempotent: the recompute changes nothing on a second run, and settings and the
offer are made only when missing."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.growth import gig_levels, levels, offers
from marketplace.growth.gig_levels import LevelSettings
from marketplace.growth.models import Level, Offer, OfferKind
from marketplace.onboarding.models import Engagement
from marketplace.seed.demo_data import (
    RADWERK_EMAIL_GIG,
    RADWERK_ENGLISH_GIG,
    SEEKER_EMAIL,
    SHOP_OWNER_EMAIL,
)

OFFER_MESSAGE = (
    "Liebe Lena, Ihre Antworten sind freundlich und genau. Möchten Sie ab dem nächsten "
    "Monat 20 Stunden pro Woche für uns arbeiten?"
)


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _gig(title: str) -> Gig | None:
    return db.session.scalar(sa.select(Gig).where(Gig.title == title))


def seed_growth() -> list[str]:
    """Levels, a gig's level rates and the demo seeker's offer; flushes, never commits."""
    lines: list[str] = []
    changed = levels.recompute()
    if any(changed.values()):
        lines.append(f"Computed {sum(changed.values())} level(s).")
    owner, seeker = _user(SHOP_OWNER_EMAIL), _user(SEEKER_EMAIL)
    english = _gig(RADWERK_ENGLISH_GIG)
    if owner and english and gig_levels.settings_of(english) is None:
        gig_levels.save(
            english,
            LevelSettings(
                Level.NEW,
                experienced_rate_cents=english.rate_cents + 10,
                top_rate_cents=english.rate_cents + 20,
            ),
            by=owner,
        )
        lines.append(f"Set level rates on “{english.title}”.")
    german = _gig(RADWERK_EMAIL_GIG)
    engagement = (
        db.session.scalar(
            sa.select(Engagement).where(
                Engagement.worker_id == seeker.id, Engagement.gig_id == german.id
            )
        )
        if seeker and german
        else None
    )
    has_offer = engagement is not None and db.session.scalar(
        sa.select(Offer.id).where(Offer.engagement_id == engagement.id).limit(1)
    )
    if owner and engagement is not None and not has_offer:
        offers.make_offer(
            engagement,
            offers.OfferTerms(OfferKind.MORE_HOURS, weekly_hours=20, message=OFFER_MESSAGE),
            by=owner,
        )
        lines.append(f"Offered {seeker.email} more weekly hours.")
    db.session.flush()
    return lines
