"""Rating and answering: every state change of a rating.

Who may rate is a policy (ratings/policies.py: the engagement's worker, or a member of
the gig's company); *when* is decided here: after RATING_MIN_APPROVED_UNITS approved
units on the engagement, or once the engagement ended with at least one approved unit
(no rating without real work). One rating per side per engagement (a unique constraint;
this guard gives the clear message). Ratings are never edited after submitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from marketplace.accounts.models import User
from marketplace.accounts.services import notify_company_members
from marketplace.audit.services import record
from marketplace.auth.policies import can
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.mail.services import queue_email
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.ratings.models import Rating, RatingSide
from marketplace.urls import absolute_url

TEXT_MAX = 2000


def approved_units(engagement: Engagement) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(WorkUnit.id)).where(
            WorkUnit.engagement_id == engagement.id, WorkUnit.status == UnitStatus.APPROVED
        )
    )


def side_of(user: User, engagement: Engagement) -> RatingSide | None:
    """The side ``user`` rates from on this engagement (authorization is the policy's)."""
    if engagement.worker_id == user.id:
        return RatingSide.WORKER
    if user.membership is not None and user.membership.company_id == engagement.gig.company_id:
        return RatingSide.COMPANY
    return None


def rating_of(engagement: Engagement, side: RatingSide) -> Rating | None:
    return db.session.scalar(
        sa.select(Rating).where(Rating.engagement_id == engagement.id, Rating.side == side)
    )


def _enough_work(engagement: Engagement, approved: int) -> bool:
    """Real work: RATING_MIN_APPROVED_UNITS approved units, or the end of the engagement
    with at least one approved unit."""
    if approved >= current_app.config["RATING_MIN_APPROVED_UNITS"]:
        return True
    return engagement.status == EngagementStatus.ENDED and approved > 0


@dataclass
class Eligibility:
    allowed: bool
    reason: str = ""  # in the user's language, when not allowed


def eligibility(engagement: Engagement, side: RatingSide) -> Eligibility:
    if rating_of(engagement, side) is not None:
        return Eligibility(False, _("You have already rated this engagement."))
    done = approved_units(engagement)
    if _enough_work(engagement, done):
        return Eligibility(True)
    needed = current_app.config["RATING_MIN_APPROVED_UNITS"]
    if engagement.status == EngagementStatus.ENDED:
        return Eligibility(False, _("No approved work on this engagement: nothing to rate."))
    return Eligibility(
        False,
        _(
            "Rating is possible after %(needed)d approved units or at the end of the "
            "engagement (approved so far: %(done)d).",
            needed=needed,
            done=done,
        ),
    )


def rateable_among(user: User, engagements: list[Engagement]) -> set[int]:
    """Ids of the engagements ``user`` may rate now, in three queries for a whole list
    (the "Rate …" prompts); the same rules as ``eligibility``, which ``rate`` checks."""
    mine = {e.id: e for e in engagements if can(user, "rating.give", e)}
    if not mine:
        return set()
    approved = dict(
        db.session.execute(
            sa.select(WorkUnit.engagement_id, sa.func.count(WorkUnit.id))
            .where(WorkUnit.engagement_id.in_(mine), WorkUnit.status == UnitStatus.APPROVED)
            .group_by(WorkUnit.engagement_id)
        ).all()
    )
    rated = set(
        db.session.execute(
            sa.select(Rating.engagement_id, Rating.side).where(Rating.engagement_id.in_(mine))
        ).all()
    )
    return {
        engagement_id
        for engagement_id, engagement in mine.items()
        if (engagement_id, side_of(user, engagement)) not in rated
        and _enough_work(engagement, approved.get(engagement_id, 0))
    }


def _stars(values: list[int]) -> tuple[int, int, int]:
    if len(values) != 3 or any(not isinstance(v, int) or not 1 <= v <= 5 for v in values):
        raise DomainError(_("Please give 1 to 5 stars for every aspect."))
    return values[0], values[1], values[2]


def rate(engagement: Engagement, *, by: User, stars: list[int], text: str) -> Rating:
    """Submit ``by``'s rating of the other side. Published at once when the other side
    has rated too, else after RATING_PUBLISH_DAYS."""
    side = side_of(by, engagement)
    if side is None:
        raise DomainError(_("You are not part of this engagement."))
    allowed = eligibility(engagement, side)
    if not allowed.allowed:
        raise InvalidTransition(allowed.reason)
    s1, s2, s3 = _stars(stars)
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_("Please keep the text to at most %(max)d characters.", max=TEXT_MAX))
    now = utcnow()
    other_side = RatingSide.COMPANY if side == RatingSide.WORKER else RatingSide.WORKER
    other = rating_of(engagement, other_side)
    rating = Rating(
        engagement_id=engagement.id,
        side=side,
        author_id=by.id,
        company_id=engagement.gig.company_id,
        worker_id=engagement.worker_id,
        stars_1=s1,
        stars_2=s2,
        stars_3=s3,
        text=text,
        created_at=now,
        publish_at=now if other is not None else _publish_after(now),
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError as exc:  # the same side rated in a parallel request
        raise InvalidTransition(_("You have already rated this engagement.")) from exc
    record(
        actor=by,
        action="rating.submit",
        object_type="engagement",
        object_id=engagement.id,
        after={"side": side.value, "stars": [s1, s2, s3]},
    )
    if other is not None:  # both have rated: both are published now and announced
        other.publish_at = min(other.publish_at, now)
        for each in (other, rating):
            if each.notified_at is None:
                each.notified_at = now
                _announce(each)
    return rating


def _publish_after(now: datetime) -> datetime:
    return now + timedelta(days=current_app.config["RATING_PUBLISH_DAYS"])


def answer(rating: Rating, *, by: User, text: str) -> None:
    """The company's one answer to a published rating of itself."""
    text = (text or "").strip()
    if rating.side != RatingSide.WORKER:
        raise InvalidTransition(_("Only ratings of a company can be answered."))
    if not rating.is_published():
        raise InvalidTransition(_("This rating is not published yet."))
    if rating.answer is not None:
        raise InvalidTransition(_("This rating has already been answered."))
    if not text:
        raise DomainError(_("Please write an answer."))
    if len(text) > TEXT_MAX:
        raise DomainError(_("Please keep the text to at most %(max)d characters.", max=TEXT_MAX))
    rating.answer = text
    rating.answered_at = utcnow()
    rating.answered_by_id = by.id
    record(actor=by, action="rating.answer", object_type="rating", object_id=rating.id)
    db.session.flush()


def publish_due(now: datetime | None = None) -> int:
    """Email the rated party of every rating that is published and not yet announced.

    Visibility never waits for this (it is computed from ``publish_at``); this only
    announces it, once: ``flask ratings publish`` from cron (``rate`` announces a pair
    at once). Rows are locked (SKIP LOCKED) so parallel runs never email twice. It also
    publishes pairs whose two sides rated at the same moment, each seeing no other.
    """
    now = now or utcnow()
    # Both sides rated at the same moment (each saw no other rating): publish them now.
    other = aliased(Rating)
    db.session.execute(
        sa.update(Rating)
        .where(
            Rating.publish_at > now,
            sa.exists().where(other.engagement_id == Rating.engagement_id, other.id != Rating.id),
        )
        .values(publish_at=now)
        .execution_options(synchronize_session=False)
    )
    due = db.session.scalars(
        sa.select(Rating)
        .where(Rating.notified_at.is_(None), Rating.publish_at <= now)
        .order_by(Rating.id)
        .with_for_update(skip_locked=True)
    ).all()
    for rating in due:
        rating.notified_at = now
        _announce(rating)
    db.session.flush()
    return len(due)


def _announce(rating: Rating) -> None:
    engagement = rating.engagement
    gig = engagement.gig
    if rating.side == RatingSide.WORKER:
        notify_company_members(
            rating.company,
            "ratings/published_company",
            rating=rating,
            gig=gig,
            link=absolute_url("accounts.company_page", company_id=rating.company_id),
        )
        return
    worker = rating.worker
    if worker.suspended_at is None:
        queue_email(
            to=worker.email,
            template="ratings/published_worker",
            locale=worker.locale,
            user=worker,
            rating=rating,
            gig=gig,
            link=absolute_url("ratings.worker", user_id=worker.id),
        )
