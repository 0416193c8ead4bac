"""An engagement's terms, versioned: rate, weekly hours, role, from a day on.

``rate_on(engagement, day)`` is what ``payments.units.record_units`` asks for the rate
of work done on ``day``: the version valid then, so work done before an accepted
offer keeps the old rate. ``Engagement.rate_cents`` always holds the current rate
(the work queues' funding checks read it)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.growth.models import EngagementTerms, Offer, TermsRole
from marketplace.onboarding.models import Engagement


def versions(engagement: Engagement) -> list[EngagementTerms]:
    return list(
        db.session.scalars(
            sa.select(EngagementTerms)
            .where(EngagementTerms.engagement_id == engagement.id)
            .order_by(EngagementTerms.version)
        )
    )


def terms_on(engagement: Engagement, day: date) -> EngagementTerms | None:
    """The version valid on ``day`` (the latest one that started by then)."""
    return db.session.scalar(
        sa.select(EngagementTerms)
        .where(EngagementTerms.engagement_id == engagement.id, EngagementTerms.valid_from <= day)
        .order_by(EngagementTerms.valid_from.desc(), EngagementTerms.version.desc())
        .limit(1)
    )


def rate_on(engagement: Engagement, day: date) -> int:
    """The rate for work done on ``day``; an engagement without versions has one rate."""
    terms = terms_on(engagement, day)
    return engagement.rate_cents if terms is None else terms.rate_cents


def _hiring_terms(engagement: Engagement) -> EngagementTerms:
    return EngagementTerms(
        engagement_id=engagement.id,
        version=1,
        rate_cents=engagement.rate_cents,
        weekly_hours=engagement.application.hours_per_week if engagement.application else None,
        role=TermsRole.WORKER,
        review_rate_cents=None,
        terms_text="",
        valid_from=engagement.started_at.date(),
    )


def first_version(engagement: Engagement) -> EngagementTerms:
    """Version 1, the terms of the hiring (stored when an engagement has none yet)."""
    found = versions(engagement)
    if found:
        return found[0]
    terms = _hiring_terms(engagement)
    db.session.add(terms)
    db.session.flush()
    return terms


def current(engagement: Engagement) -> EngagementTerms:
    """The latest version; for an engagement without versions, its terms of hiring
    (not stored: reading writes nothing)."""
    found = versions(engagement)
    return found[-1] if found else _hiring_terms(engagement)


def add_version(
    engagement: Engagement,
    *,
    valid_from: date,
    offer: Offer | None = None,
    rate_cents: int | None = None,
    weekly_hours: int | None = None,
    role: TermsRole | None = None,
    review_rate_cents: int | None = None,
    terms_text: str | None = None,
) -> EngagementTerms:
    """A new version from ``valid_from`` on: the current terms with the given changes."""
    first_version(engagement)
    base = current(engagement)
    terms = EngagementTerms(
        engagement_id=engagement.id,
        version=base.version + 1,
        rate_cents=rate_cents or base.rate_cents,
        weekly_hours=weekly_hours or base.weekly_hours,
        role=role or base.role,
        review_rate_cents=review_rate_cents or base.review_rate_cents,
        terms_text=base.terms_text if terms_text is None else terms_text,
        valid_from=max(valid_from, base.valid_from),
        offer_id=offer.id if offer else None,
    )
    db.session.add(terms)
    engagement.rate_cents = terms.rate_cents
    db.session.flush()
    return terms
