"""Communities and their moderation history for the company-side tests: rows made
directly (the community API and the decision service are other parts' work), with
the shapes those services give them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import GigKind, PayModel
from marketplace.moderation import netiquette
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    ItemKind,
    ItemStatus,
    ModerationItem,
    Strike,
)
from marketplace.moderation.models import Community, CommunityAuthor, CommunityKind
from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
from marketplace.payments import units
from marketplace.payments.models import UnitKind
from tests.factories import PublishedGigFactory, UserFactory, company_member


def make_community(
    company: Company | None = None, *, name: str = "Lobby", defaults: bool = True
) -> Community:
    """A connected chat community on a published per-item moderation gig of ``company``
    (a new one if None), with the default netiquette unless ``defaults`` is False."""
    owner = company_member(company) if company is None else company.memberships[0].user
    gig = PublishedGigFactory(
        company=owner.company,
        created_by=owner,
        kind=GigKind.CHAT_MODERATION,
        pay_model=PayModel.PER_ITEM,
        rate_cents=30,
        communities=[(name, "Adults", "The community's chat")],
    )
    community = Community(
        gig_id=gig.id,
        company_id=gig.company_id,
        name=name,
        kind=CommunityKind.CHAT,
        token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        webhook_secret=secrets.token_hex(16),
        connected_by_id=owner.id,
    )
    db.session.add(community)
    db.session.flush()
    if defaults:
        netiquette.install_defaults(community)
    db.session.commit()
    return community


def hire_moderator(community: Community, *, name: str = "Mia Moderator") -> Engagement:
    worker = UserFactory(display_name=name)
    application = Application(
        gig_id=community.gig_id,
        seeker_id=worker.id,
        status=ApplicationStatus.HIRED,
        hours_per_week=10,
    )
    db.session.add(application)
    db.session.flush()
    engagement = Engagement(
        gig_id=community.gig_id,
        worker_id=worker.id,
        application_id=application.id,
        rate_cents=community.gig.rate_cents,
        pay_model=PayModel.PER_ITEM,
        started_at=utcnow() - timedelta(days=60),
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


def author(community: Community, external_id: str = "u-1", name: str = "Anna") -> CommunityAuthor:
    found = (
        db.session.query(CommunityAuthor)
        .filter_by(community_id=community.id, external_id=external_id)
        .one_or_none()
    )
    if found:
        return found
    row = CommunityAuthor(
        community_id=community.id, external_id=external_id, display_name=name, language="de"
    )
    db.session.add(row)
    db.session.flush()
    return row


_numbers = iter(range(1, 10**9))


def item(
    community: Community,
    *,
    author_id: str = "u-1",
    text: str = "Hallo zusammen",
    received_at: datetime | None = None,
    status: ItemStatus = ItemStatus.WAITING,
    control_id: int | None = None,
) -> ModerationItem:
    row = ModerationItem(
        community_id=community.id,
        external_id=f"m-{next(_numbers)}",
        kind=ItemKind.MESSAGE,
        author_id=author(community, author_id, f"User {author_id}").id,
        channel="lobby",
        text=text,
        received_at=received_at or utcnow(),
        status=status,
        control_id=control_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def decided(
    community: Community,
    engagement: Engagement | None,
    action: DecisionAction,
    *,
    rule_number: int | None = None,
    waited: timedelta = timedelta(minutes=10),
    decided_at: datetime | None = None,
    status: DecisionStatus = DecisionStatus.EFFECTIVE,
    author_id: str = "u-1",
    strike: bool | None = None,
    pay: bool = True,
    by: User | None = None,
    text: str = "Hallo zusammen",
    **fields,
) -> Decision:
    """An item that waited ``waited`` and was then decided (and paid, as the decision
    service does); restricting effective decisions give the author a strike."""
    decided_at = decided_at or utcnow()
    row = item(
        community,
        author_id=author_id,
        text=text,
        received_at=decided_at - waited,
        status=ItemStatus.ESCALATED if action == DecisionAction.ESCALATE else ItemStatus.DECIDED,
        control_id=fields.pop("control_id", None),
    )
    row.decided_at = decided_at
    rule = None
    if rule_number is not None:
        rule = next(r for r in netiquette.rules_of(community) if r.number == rule_number)
    moderator = by or engagement.worker
    decision = Decision(
        item_id=row.id,
        community_id=community.id,
        author_id=row.author_id,
        action=action,
        status=status,
        decided_by_id=moderator.id,
        engagement_id=engagement.id if engagement else None,
        rule_id=rule.id if rule else None,
        created_at=decided_at,
        **fields,
    )
    db.session.add(decision)
    db.session.flush()
    if (
        strike
        if strike is not None
        else (
            status == DecisionStatus.EFFECTIVE
            and action in (DecisionAction.REMOVE, DecisionAction.WARN, DecisionAction.MUTE)
        )
    ):
        db.session.add(
            Strike(
                community_id=community.id,
                author_id=row.author_id,
                decision_id=decision.id,
                rule_id=decision.rule_id,
                issued_at=decided_at,
                expires_at=decided_at + timedelta(days=community.strike_expiry_days),
            )
        )
    if pay and engagement is not None:
        units.record_units(
            engagement,
            kind=UnitKind.ITEM,
            quantity=Decimal(1),
            source=f"moderation-item:{row.id}",
            work_date=decided_at.date(),
            by=engagement.worker,
            note=f"moderated item · {community.name}",
        )
    db.session.commit()
    return decision
