"""What moderators work on and what they decide: items from a community's feed,
decisions (with the statement of reasons sent back), strikes on the penalty
ladder, evidence kept for appeals, control items and exposure to disturbing
content.

Items wait in one queue per community and are claimed with a lease through the
shared core (work/leases.py), like customer emails.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import enum_column, utcnow
from marketplace.extensions import db
from marketplace.moderation.models import Community, CommunityAuthor, NetiquetteRule


class ItemKind(StrEnum):
    MESSAGE = "message"  # a chat message
    POST = "post"  # a forum post
    REPORT = "report"  # something a community user reported
    QUESTION = "question"  # a user asks the moderation team (or appeals a decision)


class ItemStatus(StrEnum):
    WAITING = "waiting"  # in the queue
    DECIDED = "decided"
    ESCALATED = "escalated"  # with the company (threats, self-harm, minors, illegal content)


ITEM_TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.WAITING: frozenset({ItemStatus.DECIDED, ItemStatus.ESCALATED}),
    ItemStatus.ESCALATED: frozenset({ItemStatus.DECIDED}),
    ItemStatus.DECIDED: frozenset(),
}

# Queue tiers: reported items, word-list hits and questions come before the rest.
TIER_URGENT = 0
TIER_NORMAL = 1


class ModerationItem(db.Model):
    __tablename__ = "moderation_items"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "external_id"),
        sa.Index("ix_moderation_items_queue", "community_id", "status", "tier", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    # The community's own id of the item (control copies: "control:<id>:<moderator>").
    external_id: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("community_authors.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(200), default="")
    thread: Mapped[str] = mapped_column(sa.String(200), default="")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    image_urls: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The preceding messages: [{"author": …, "text": …, "posted_at": …}, …]
    context: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    reported_by: Mapped[str] = mapped_column(sa.String(200), default="")
    report_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # A question that answers a warning or appeals a strike refers to that decision.
    refers_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_decisions.id"))
    posted_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus), default=ItemStatus.WAITING)
    tier: Mapped[int] = mapped_column(default=TIER_NORMAL)
    # Which word-list entries fired: [{"word": …, "kind": "suspect"}, …]
    word_hits: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    # Pre-moderation: a blocked word holds the item until a moderator decides.
    held: Mapped[bool] = mapped_column(default=False)
    disturbing: Mapped[bool] = mapped_column(default=False)
    # Control items: a copy of a past item served to one moderator, graded, never sent back.
    control_id: Mapped[int | None] = mapped_column(sa.ForeignKey("control_items.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lease_expires_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    # Retention: text, images and context are emptied once this passes.
    purged_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    author: Mapped[CommunityAuthor] = relationship()

    @property
    def is_control(self) -> bool:
        return self.control_id is not None


class DecisionAction(StrEnum):
    APPROVE = "approve"  # nothing wrong (a held item is released)
    REMOVE = "remove"
    WARN = "warn"
    MUTE = "mute"
    BAN = "ban"  # proposed by a moderator; effective once the company confirms
    ESCALATE = "escalate"
    ANSWER = "answer"  # a reply to a user's question, sent back as "the moderation team"
    REVERSE = "reverse"  # an earlier decision undone (appeal, overturn): its strike lifted


# Decisions that restrict the author and so carry a statement of reasons (DSA Art. 17).
RESTRICTING = frozenset(
    {DecisionAction.REMOVE, DecisionAction.WARN, DecisionAction.MUTE, DecisionAction.BAN}
)


class DecisionStatus(StrEnum):
    PROPOSED = "proposed"  # waits for the company (bans; actions moderators may not take alone)
    EFFECTIVE = "effective"  # in force and sent back
    DECLINED = "declined"  # the company said no
    EXPIRED = "expired"  # the company did not answer in time
    REVERSED = "reversed"  # undone later


DECISION_TRANSITIONS: dict[DecisionStatus, frozenset[DecisionStatus]] = {
    DecisionStatus.PROPOSED: frozenset(
        {DecisionStatus.EFFECTIVE, DecisionStatus.DECLINED, DecisionStatus.EXPIRED}
    ),
    DecisionStatus.EFFECTIVE: frozenset({DecisionStatus.REVERSED}),
    DecisionStatus.DECLINED: frozenset(),
    DecisionStatus.EXPIRED: frozenset(),
    DecisionStatus.REVERSED: frozenset(),
}


class EscalationCategory(StrEnum):
    THREAT = "threat"
    SELF_HARM = "self_harm"
    MINORS = "minors"
    ILLEGAL = "illegal"
    OTHER = "other"


class Decision(db.Model):
    """What a moderator (or the company) decided about an item or an author."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (sa.Index("ix_moderation_decisions_community_created", "community_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderation_items.id", use_alter=True), index=True
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("community_authors.id"), index=True)
    action: Mapped[DecisionAction] = mapped_column(enum_column(DecisionAction))
    status: Mapped[DecisionStatus] = mapped_column(
        enum_column(DecisionStatus), default=DecisionStatus.EFFECTIVE
    )
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The moderator's engagement (pay, accuracy); None when company staff decided.
    engagement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("engagements.id"))
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("netiquette_rules.id"))
    # What the author (or the asking user) is told, in ``language``.
    message: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="de")
    mute_until: Mapped[datetime | None]
    # Detected automatically (a word-list hit brought the item), as Art. 17 DSA asks to say.
    automated: Mapped[bool] = mapped_column(default=False)
    false_positive: Mapped[bool] = mapped_column(default=False)
    statement: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    category: Mapped[EscalationCategory | None] = mapped_column(enum_column(EscalationCategory))
    internal_note: Mapped[str] = mapped_column(sa.Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_decisions.id"))
    # Proposals: the company answers by this time, else the proposal expires.
    respond_by: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    answer_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Control items: did the moderator decide as the company said is right?
    control_correct: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ModerationItem | None] = relationship(foreign_keys=[item_id])
    community: Mapped[Community] = relationship()
    author: Mapped[CommunityAuthor] = relationship()
    rule: Mapped[NetiquetteRule | None] = relationship()
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    reverses: Mapped[Decision | None] = relationship(remote_side=[id], foreign_keys=[reverses_id])


class Strike(db.Model):
    """A step on the author's penalty ladder; it counts until it expires or is lifted."""

    __tablename__ = "moderation_strikes"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("community_authors.id"), index=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_decisions.id"), unique=True)
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("netiquette_rules.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]

    decision: Mapped[Decision] = relationship()


class Evidence(db.Model):
    """The content of an item as it was when it was removed or restricted, for an
    appeal after the community deleted it. Readable by the company and the deciding
    moderator only, every read logged; deleted after the community's retention period."""

    __tablename__ = "moderation_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_decisions.id"), unique=True)
    content: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delete_after: Mapped[datetime] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]

    decision: Mapped[Decision] = relationship()


class EvidenceRead(db.Model):
    __tablename__ = "moderation_evidence_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_evidence.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class ControlItem(db.Model):
    """A past item the company marked with the correct decision; copies of it are
    mixed into moderators' queues at the community's rate and graded."""

    __tablename__ = "control_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    source_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderation_items.id", use_alter=True), unique=True
    )
    expected_action: Mapped[DecisionAction] = mapped_column(enum_column(DecisionAction))
    expected_rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("netiquette_rules.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(default=True)


class Exposure(db.Model):
    """A moderator was shown an item flagged disturbing: the daily cap counts these."""

    __tablename__ = "moderation_exposures"
    __table_args__ = (sa.UniqueConstraint("moderator_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_items.id"))
    exposed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
