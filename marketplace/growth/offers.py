"""Offers to a hired worker: more weekly hours, a higher rate, a team-lead role or a
full-time position. The company makes one (the worker is emailed); the worker
accepts or declines it within OFFER_DAYS (the company's members are emailed). Only
accepting changes the engagement: a new terms version from that day on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.services import notify_company_members
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, require_transition
from marketplace.extensions import db
from marketplace.growth import terms
from marketplace.growth.models import (
    OFFER_TRANSITIONS,
    EngagementTerms,
    Offer,
    OfferKind,
    OfferStatus,
    TermsRole,
)
from marketplace.mail.services import queue_email
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.urls import absolute_url

OFFER_DAYS = 14  # an offer not answered by then expires
MAX_WEEKLY_HOURS = 60
MESSAGE_MAX = 2000


@dataclass(frozen=True)
class OfferTerms:
    kind: OfferKind
    message: str = ""
    weekly_hours: int | None = None
    rate_cents: int | None = None
    review_rate_cents: int | None = None
    terms_text: str = ""


def _check(engagement: Engagement, proposal: OfferTerms) -> None:
    now_terms = terms.current(engagement)
    highest = current_app.config["MAX_RATE_CENTS"]
    if len(proposal.message) > MESSAGE_MAX or len(proposal.terms_text) > MESSAGE_MAX:
        raise DomainError(
            _("Please keep each text to at most %(max)d characters.", max=MESSAGE_MAX)
        )
    if proposal.kind == OfferKind.MORE_HOURS:
        hours = proposal.weekly_hours or 0
        if not (now_terms.weekly_hours or 0) < hours <= MAX_WEEKLY_HOURS:
            raise DomainError(
                _(
                    "Please offer more weekly hours than now (%(now)d), at most %(max)d.",
                    now=now_terms.weekly_hours or 0,
                    max=MAX_WEEKLY_HOURS,
                )
            )
    wants_rate = proposal.kind == OfferKind.HIGHER_RATE or proposal.rate_cents is not None
    if wants_rate and not now_terms.rate_cents < (proposal.rate_cents or 0) <= highest:
        raise DomainError(_("Please offer a rate higher than the current one."))
    if (
        proposal.kind == OfferKind.TEAM_LEAD
        and not 0 < (proposal.review_rate_cents or 0) <= highest
    ):
        raise DomainError(_("Please give the rate per reviewed unit."))
    if proposal.kind == OfferKind.FULL_TIME and not (
        proposal.message.strip() and proposal.terms_text.strip()
    ):
        raise DomainError(_("Please write a message and the salary and terms of the position."))


def open_offer(engagement: Engagement) -> Offer | None:
    return db.session.scalar(
        sa.select(Offer).where(
            Offer.engagement_id == engagement.id,
            Offer.status == OfferStatus.PENDING,
            Offer.expires_at > utcnow(),
        )
    )


def make_offer(engagement: Engagement, proposal: OfferTerms, *, by: User) -> Offer:
    if engagement.status == EngagementStatus.ENDED:
        raise InvalidTransition(_("This engagement has ended; it cannot get an offer."))
    if open_offer(engagement) is not None:
        raise DomainError(
            _("This worker has an offer waiting for an answer. Wait for it or until it expires.")
        )
    _check(engagement, proposal)
    offer = Offer(
        engagement_id=engagement.id,
        kind=proposal.kind,
        weekly_hours=proposal.weekly_hours if proposal.kind == OfferKind.MORE_HOURS else None,
        rate_cents=proposal.rate_cents,
        review_rate_cents=(
            proposal.review_rate_cents if proposal.kind == OfferKind.TEAM_LEAD else None
        ),
        message=proposal.message.strip(),
        terms_text=proposal.terms_text.strip() if proposal.kind == OfferKind.FULL_TIME else "",
        made_by_id=by.id,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=OFFER_DAYS),
    )
    db.session.add(offer)
    db.session.flush()
    record(
        actor=by,
        action="offer.make",
        object_type="engagement",
        object_id=engagement.id,
        after={"offer_id": offer.id, "kind": offer.kind.value},
    )
    worker = engagement.worker
    queue_email(
        to=worker.email,
        template="growth/offer_made",
        locale=worker.locale,
        user=worker,
        offer=offer,
        gig=engagement.gig,
        link=absolute_url("growth.offers_page"),
    )
    return offer


def _answer(offer: Offer, target: OfferStatus, *, by: User) -> None:
    db.session.refresh(offer, with_for_update=True)  # one answer, even from two tabs
    require_transition(offer.status, target, OFFER_TRANSITIONS)
    if not offer.is_open:
        raise InvalidTransition(_("This offer has expired; it can no longer be answered."))
    offer.status = target
    offer.decided_at = utcnow()
    record(
        actor=by,
        action=f"offer.{target.value}",
        object_type="offer",
        object_id=offer.id,
        before={"status": OfferStatus.PENDING.value},
        after={"status": target.value},
    )


def accept(offer: Offer, *, by: User) -> EngagementTerms:
    """The worker accepts: a new terms version, valid from today."""
    engagement = offer.engagement
    if engagement.status == EngagementStatus.ENDED:
        raise InvalidTransition(_("This engagement has ended; the offer cannot be accepted."))
    _answer(offer, OfferStatus.ACCEPTED, by=by)
    role = {OfferKind.TEAM_LEAD: TermsRole.TEAM_LEAD, OfferKind.FULL_TIME: TermsRole.FULL_TIME}
    version = terms.add_version(
        engagement,
        valid_from=utcnow().date(),
        offer=offer,
        rate_cents=offer.rate_cents,
        weekly_hours=offer.weekly_hours,
        role=role.get(offer.kind),
        review_rate_cents=offer.review_rate_cents,
        terms_text=offer.terms_text or None,
    )
    _tell_company(offer, accepted=True)
    return version


def decline(offer: Offer, *, by: User) -> None:
    _answer(offer, OfferStatus.DECLINED, by=by)
    _tell_company(offer, accepted=False)


def _tell_company(offer: Offer, *, accepted: bool) -> None:
    engagement = offer.engagement
    notify_company_members(
        engagement.gig.company,
        "growth/offer_answered",
        offer=offer,
        accepted=accepted,
        worker=engagement.worker,
        gig=engagement.gig,
        link=absolute_url("growth_company.engagement_offers", engagement_id=engagement.id),
    )


def expire_due(now: datetime | None = None) -> int:
    """Mark pending offers past their time expired (cron-safe; returns how many)."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Offer)
        .where(Offer.status == OfferStatus.PENDING, Offer.expires_at <= now)
        .order_by(Offer.id)
        .with_for_update(skip_locked=True)
    ).all()
    for offer in due:
        offer.status = OfferStatus.EXPIRED
    return len(due)


def offers_for_worker(worker: User) -> list[Offer]:
    return list(
        db.session.scalars(
            sa.select(Offer)
            .join(Engagement, Engagement.id == Offer.engagement_id)
            .where(Engagement.worker_id == worker.id)
            .order_by(Offer.created_at.desc(), Offer.id.desc())
        )
    )


def offers_for_engagement(engagement: Engagement) -> list[Offer]:
    return list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.engagement_id == engagement.id)
            .order_by(Offer.created_at.desc(), Offer.id.desc())
        )
    )
