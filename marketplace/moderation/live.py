"""The live view of a chat: acting on any message as it is posted, and posting
into the channel as the moderation team.

A moderator in the live view does not take items from the queue one by one:
``decide_live`` leases the very message they act on (a conditional UPDATE on
"waiting and free, or already mine") and decides it at once through the
decision service, in one transaction. Two moderators acting on one message:
on PostgreSQL the second UPDATE waits for the first transaction's row lock and
then finds the message decided (or leased to someone else); either way it
changes nothing and the second moderator is told who was quicker. On SQLite
the writes are serialized anyway.

The team's post goes to the community as an outgoing event ``message.posted``
(the outbox: signed webhook, and polling) and into the live stream.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation import decisions, live_stream, queue
from marketplace.moderation.events import MODERATION_TEAM
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.live_models import LiveEvent, LiveEventKind
from marketplace.moderation.models import Community
from marketplace.onboarding.engagements import rules_to_acknowledge
from marketplace.payments import units
from marketplace.work import outbox, pricing

TEAM_POST_MAX_CHARS = 2000
RECENT_MESSAGES = 50
# What a moderator may do from the live view (escalations and appeals stay on the item page).
LIVE_ACTIONS = (
    DecisionAction.APPROVE,
    DecisionAction.REMOVE,
    DecisionAction.WARN,
    DecisionAction.MUTE,
    DecisionAction.BAN,
    DecisionAction.ANSWER,
)


class AlreadyDecided(InvalidTransition):
    """Another moderator was quicker on this message."""


def _already_decided() -> str:
    return _(
        "Another moderator has already decided on this message; your action was not "
        "applied. The message shows what was decided."
    )


def _held_by_other() -> str:
    return _(
        "Another moderator is working on this message right now; your action was not "
        "applied. Try again in a moment if it is still open."
    )


def lease_for_live(item: ModerationItem, moderator: User, now: datetime) -> None:
    """Lease this one message to the moderator for the decision about to be made."""
    free_or_mine = sa.or_(
        ModerationItem.claimed_by_id.is_(None),
        ModerationItem.lease_expires_at <= now,
        ModerationItem.claimed_by_id == moderator.id,
    )
    taken = db.session.execute(
        sa.update(ModerationItem)
        .where(
            ModerationItem.id == item.id,
            ModerationItem.status == ItemStatus.WAITING,
            ModerationItem.control_id.is_(None),
            free_or_mine,
        )
        .values(
            claimed_by_id=moderator.id,
            lease_expires_at=now + timedelta(minutes=item.community.lease_minutes),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(item)
    if taken != 1:
        if item.status != ItemStatus.WAITING:
            raise AlreadyDecided(_already_decided())
        raise AlreadyDecided(_held_by_other())


def _may_work(moderator: User, community: Community, now: datetime) -> None:
    """What "Next item" checks, for the one message acted on: hired (and consented),
    the current rules accepted, and the company able to pay for one more item."""
    engagement = queue.engagement_for(moderator, community)
    if engagement is None:
        raise InvalidTransition(_("You are not working on this community (any more)."))
    if rules_to_acknowledge(engagement) is not None:
        raise DomainError(
            _("The company has changed its rules. Please read and accept them before you act.")
        )
    if engagement.pay_model == PayModel.PER_ITEM:
        held = queue.QUEUE.held_count([community.id], now)
        balance = units.spendable(community.company_id)
        if not pricing.covers_next(balance, engagement.rate_cents, held):
            raise DomainError(
                _("No funded work right now: the company must add funds first. Try again later.")
            )


def decide_live(
    item: ModerationItem,
    *,
    moderator: User,
    action: DecisionAction,
    now: datetime | None = None,
    **details: Any,
) -> Decision:
    """Lease the message and decide it (decisions.decide does the rest); a message
    someone else decided or holds is an ``AlreadyDecided`` and changes nothing."""
    now = now or utcnow()
    if action not in LIVE_ACTIONS:
        raise DomainError(_("This action is not available in the live view."))
    _may_work(moderator, item.community, now)
    lease_for_live(item, moderator, now)
    return decisions.decide(item, moderator=moderator, action=action, now=now, **details)


def post_as_team(community: Community, *, by: User, channel: str, text: str) -> LiveEvent:
    """The moderation team posts into a channel: the community gets
    ``message.posted`` through the outbox, the watchers see it at once."""
    if queue.engagement_for(by, community) is None:
        raise InvalidTransition(_("You are not working on this community (any more)."))
    text = (text or "").replace("\r\n", "\n").strip()
    channel = (channel or "").strip()[:200]
    if not text:
        raise DomainError(_("Please write the message."))
    if len(text) > TEAM_POST_MAX_CHARS:
        raise DomainError(_("Please keep it under %(max)d characters.", max=TEAM_POST_MAX_CHARS))
    if not channel:
        raise DomainError(_("Please choose the channel to post in."))
    sent = outbox.emit(
        community.id,
        "message.posted",
        {
            "message": {
                "channel": channel,
                "text": text,
                "language": community.default_language,
                "posted_by": MODERATION_TEAM,
            }
        },
        deliver=bool(community.webhook_url),
    )
    return live_stream.append_live_event(
        community,
        LiveEventKind.TEAM_POST,
        {"event_id": sent.public_id, "text": text, "posted_by_id": by.id},
        channel=channel,
    )


# --- reading ----------------------------------------------------------------------------------


def channels_of(community: Community) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ModerationItem.channel)
            .where(
                ModerationItem.community_id == community.id,
                ModerationItem.control_id.is_(None),
                ModerationItem.channel != "",
            )
            .distinct()
            .order_by(ModerationItem.channel)
        )
    )


def recent_entries(community: Community, channel: str = "") -> list[dict[str, Any]]:
    """The last messages of the community (or one channel), oldest first, with the
    latest decision on each, and the team's posts among them."""
    query = (
        sa.select(ModerationItem)
        .where(ModerationItem.community_id == community.id, ModerationItem.control_id.is_(None))
        .order_by(ModerationItem.id.desc())
        .limit(RECENT_MESSAGES)
    )
    if channel:
        query = query.where(ModerationItem.channel == channel)
    items = list(db.session.scalars(query))
    latest: dict[int, Decision] = {}
    if items:
        for decision in db.session.scalars(
            sa.select(Decision)
            .where(Decision.item_id.in_([i.id for i in items]))
            .order_by(Decision.id)
        ):
            latest[decision.item_id] = decision
    entries = [
        {
            "type": "message",
            "at": item.posted_at or item.received_at,
            "item": item,
            "decision": latest.get(item.id),
        }
        for item in items
    ]
    posts = sa.select(LiveEvent).where(
        LiveEvent.community_id == community.id, LiveEvent.kind == LiveEventKind.TEAM_POST
    )
    if items:
        posts = posts.where(LiveEvent.created_at >= min(entry["at"] for entry in entries))
    if channel:
        posts = posts.where(LiveEvent.channel == channel)
    newest = db.session.scalars(posts.order_by(LiveEvent.id.desc()).limit(RECENT_MESSAGES))
    entries += [{"type": "team_post", "at": post.created_at, "post": post} for post in newest]
    return sorted(entries, key=lambda entry: entry["at"])
