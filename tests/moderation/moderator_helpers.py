"""Moderation situations for the moderator's tests: a funded company with a chat
moderation gig, a connected community with rules and a ladder, hired moderators,
and items waiting in the queue (made as the community API would store them)."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import GigKind, PayModel
from marketplace.moderation.item_models import (
    TIER_NORMAL,
    TIER_URGENT,
    ItemKind,
    ModerationItem,
)
from marketplace.moderation.models import (
    Community,
    CommunityAuthor,
    CommunityKind,
    NetiquetteRule,
    PenaltyAction,
    PenaltyStep,
    WordEntry,
    WordKind,
)
from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
from tests.factories import MatureTagFactory, PublishedGigFactory, UserFactory, company_member
from tests.payments.helpers import funded

_numbers = itertools.count(1)

LADDER = (
    (1, PenaltyAction.WARN, None),
    (2, PenaltyAction.MUTE, 60),
    (3, PenaltyAction.MUTE, 24 * 60),
    (4, PenaltyAction.BAN_PROPOSAL, None),
)


def community(
    *,
    rate_cents: int = 30,
    funds_cents: int = 10_000,
    mature: bool = False,
    moderators_may=("remove", "warn", "mute"),
    **settings,
) -> Community:
    """A funded company's chat moderation gig (per item) with one connected community,
    two rules, the usual ladder and a word list (committed)."""
    owner = company_member()
    tags = [MatureTagFactory()] if mature else []
    gig = PublishedGigFactory(
        company=owner.company,
        created_by=owner,
        kind=GigKind.CHAT_MODERATION,
        pay_model=PayModel.PER_ITEM,
        rate_cents=rate_cents,
        tags=tags,
    )
    token = secrets.token_urlsafe(16)
    found = Community(
        gig_id=gig.id,
        company_id=gig.company_id,
        name=gig.communities[0].name,
        kind=CommunityKind.CHAT,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        webhook_url="",
        webhook_secret=secrets.token_hex(16),
        connected_by_id=owner.id,
        moderators_may=list(moderators_may),
        control_rate_percent=0,
        **settings,
    )
    db.session.add(found)
    db.session.flush()
    for number, title, warning in (
        (1, "Be respectful", "{author}, please stay respectful (rule {rule})."),
        (2, "No spam", "{author}, no advertising here (rule {rule})."),
    ):
        db.session.add(
            NetiquetteRule(
                community_id=found.id,
                number=number,
                title_de=f"Regel {number}",
                title_en=title,
                warning_de="{author}, bitte beachten Sie Regel {rule} in {community}.",
                warning_en=warning,
            )
        )
    for strike, action, minutes in LADDER:
        db.session.add(
            PenaltyStep(community_id=found.id, strike=strike, action=action, mute_minutes=minutes)
        )
    db.session.add(WordEntry(community_id=found.id, word="idiot", kind=WordKind.SUSPECT))
    db.session.add(WordEntry(community_id=found.id, word="gore", kind=WordKind.DISTURBING))
    if funds_cents:
        funded(owner.company, funds_cents, commit=False)
    db.session.commit()
    return found


def hire(found: Community, *, consent: bool = True, worker=None) -> Engagement:
    """A hired moderator on the community's gig (consent naming the community)."""
    worker = worker or UserFactory()
    application = Application(
        gig_id=found.gig_id,
        seeker_id=worker.id,
        status=ApplicationStatus.HIRED,
        hours_per_week=10,
        consent={"communities": [{"name": found.name}]} if consent else None,
        consented_at=utcnow() if consent else None,
    )
    db.session.add(application)
    db.session.flush()
    gig = found.gig
    engagement = Engagement(
        gig_id=gig.id,
        worker_id=worker.id,
        application_id=application.id,
        rate_cents=gig.rate_cents,
        pay_model=gig.pay_model,
        started_at=utcnow() - timedelta(days=60),
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


def author(found: Community, external_id: str = "u-1", name: str = "Anna", language: str = "de"):
    existing = db.session.scalar(
        db.select(CommunityAuthor).filter_by(community_id=found.id, external_id=external_id)
    )
    if existing is not None:
        return existing
    made = CommunityAuthor(
        community_id=found.id, external_id=external_id, display_name=name, language=language
    )
    db.session.add(made)
    db.session.flush()
    return made


def item(
    found: Community,
    text: str = "Hallo zusammen!",
    *,
    kind: ItemKind = ItemKind.MESSAGE,
    by: str = "u-1",
    word_hits=None,
    disturbing: bool = False,
    refers_to=None,
    images=None,
    commit: bool = True,
) -> ModerationItem:
    """An item waiting in the queue, as the community API stores it."""
    number = next(_numbers)
    hits = word_hits if word_hits is not None else []
    made = ModerationItem(
        community_id=found.id,
        external_id=f"m-{number}",
        kind=kind,
        author_id=author(found, by).id,
        channel="lobby",
        text=text,
        image_urls=list(images or []),
        context=[{"author": "Ben", "text": "Vorher", "posted_at": "2026-12-06T10:00:00Z"}],
        refers_to_id=refers_to.id if refers_to is not None else None,
        received_at=utcnow(),
        tier=TIER_URGENT if hits or kind == ItemKind.QUESTION else TIER_NORMAL,
        word_hits=hits,
        disturbing=disturbing,
    )
    db.session.add(made)
    db.session.flush()
    if commit:
        db.session.commit()
    return made


def rule(found: Community, number: int = 1) -> NetiquetteRule:
    return db.session.scalar(
        db.select(NetiquetteRule).filter_by(community_id=found.id, number=number)
    )
