"""A company's communities and what moderating them follows: the netiquette
(numbered rules with warning texts), the penalty ladder, word lists, and the
community's own users (authors) with the notes moderators leave on them.

A ``Community`` is the connection of one community named on a moderation gig
(``GigCommunity`` rows of the gig, matched by name: the gig's communities are
what applicants consented to) to Nebendesk: its items arrive through the
community API with a per-community token, decisions go back as signed
webhooks (work/outbox.py) and can be polled.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Company, User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig


class CommunityKind(StrEnum):
    CHAT = "chat"  # messages as people talk (live view, hourly sessions)
    FORUM = "forum"  # posts and threads


class CommunitySource(StrEnum):
    API = "api"  # the company's software posts items and receives webhooks
    SANDBOX = "sandbox"  # the bundled sandbox community (development, demo)
    MATRIX = "matrix"  # a room on a Matrix homeserver, through the bridge


class ModeratorAction(StrEnum):
    """What a moderator may do to an item's author alone, if the company allows it;
    otherwise it becomes a proposal the company confirms. Bans are always proposals."""

    REMOVE = "remove"
    WARN = "warn"
    MUTE = "mute"


class Community(TimestampMixin, db.Model):
    __tablename__ = "communities"
    __table_args__ = (sa.UniqueConstraint("gig_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    # The name of the community as the gig lists it (GigCommunity.name).
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[CommunityKind] = mapped_column(enum_column(CommunityKind))
    source: Mapped[CommunitySource] = mapped_column(
        enum_column(CommunitySource), default=CommunitySource.API
    )
    # sha256 of the API token; the token itself is shown once to the company.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Where decisions are POSTed (empty: polling only), and the secret that signs them.
    webhook_url: Mapped[str] = mapped_column(sa.String(500), default="")
    webhook_secret: Mapped[str] = mapped_column(sa.String(200))
    # After a new secret is made, the old one signs as well until this moment, so the
    # community can switch over without refusing a single webhook (as Stripe rolls).
    previous_webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    previous_webhook_secret_until: Mapped[datetime | None]
    default_language: Mapped[str] = mapped_column(sa.String(8), default="de")
    # Blocked words hold an item for review before the community shows it.
    pre_moderation: Mapped[bool] = mapped_column(default=False)
    lease_minutes: Mapped[int] = mapped_column(default=5)
    strike_expiry_days: Mapped[int] = mapped_column(default=90)
    ban_response_hours: Mapped[int] = mapped_column(default=48)
    evidence_retention_days: Mapped[int] = mapped_column(default=180)
    # Items flagged disturbing one moderator gets per day; never above the
    # platform's MODERATION_DISTURBING_DAILY_MAX.
    disturbing_daily_cap: Mapped[int] = mapped_column(default=50)
    control_rate_percent: Mapped[int] = mapped_column(default=5)
    moderators_may: Mapped[list[str]] = mapped_column(
        sa.JSON, default=lambda: [ModeratorAction.REMOVE, ModeratorAction.WARN]
    )
    connected_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    gig: Mapped[Gig] = relationship()
    company: Mapped[Company] = relationship()

    @property
    def is_mature(self) -> bool:
        """Mature content is tagged on the gig; its communities carry it."""
        return self.gig.is_mature

    def may_act_alone(self, action: ModeratorAction | str) -> bool:
        return str(action) in self.moderators_may

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a webhook now: the current one, and the previous one
        while it overlaps."""
        until = self.previous_webhook_secret_until
        if self.previous_webhook_secret and until is not None and until > now:
            return [self.webhook_secret, self.previous_webhook_secret]
        return [self.webhook_secret]


class NetiquetteRule(TimestampMixin, db.Model):
    """One numbered rule of a community's netiquette, in German and English, with
    the warning an author gets for breaking it ({author}, {rule}, {community})."""

    __tablename__ = "netiquette_rules"
    __table_args__ = (sa.UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    title_de: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    text_de: Mapped[str] = mapped_column(sa.Text, default="")
    text_en: Mapped[str] = mapped_column(sa.Text, default="")
    warning_de: Mapped[str] = mapped_column(sa.Text)
    warning_en: Mapped[str] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)

    def title(self, language: str) -> str:
        return self.title_de if language == "de" else self.title_en

    def warning(self, language: str) -> str:
        return self.warning_de if language == "de" else self.warning_en


class PenaltyAction(StrEnum):
    WARN = "warn"
    MUTE = "mute"
    BAN_PROPOSAL = "ban_proposal"  # the company confirms or declines


class PenaltyStep(db.Model):
    """The ladder: the n-th active strike of an author leads to this measure."""

    __tablename__ = "penalty_steps"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "strike"),
        sa.CheckConstraint("strike >= 1", name="strike_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    strike: Mapped[int]
    action: Mapped[PenaltyAction] = mapped_column(enum_column(PenaltyAction))
    mute_minutes: Mapped[int | None]


class WordKind(StrEnum):
    BLOCKED = "blocked"  # holds the item for review (pre-moderation) and raises it
    SUSPECT = "suspect"  # raises the item's priority; highlighted for the moderator
    DISTURBING = "disturbing"  # flags the item as disturbing (exposure cap)


class WordEntry(db.Model):
    __tablename__ = "word_list_entries"
    __table_args__ = (sa.UniqueConstraint("community_id", "word"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    word: Mapped[str] = mapped_column(sa.String(100))  # lower case
    kind: Mapped[WordKind] = mapped_column(enum_column(WordKind))
    # How often moderators marked a hit of this word a false positive.
    false_positives: Mapped[int] = mapped_column(default=0)


class CommunityAuthor(db.Model):
    """A user of the community, known by the community's own id. Community users
    never learn a moderator's name, and we know only what the community sends."""

    __tablename__ = "community_authors"
    __table_args__ = (sa.UniqueConstraint("community_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship()


class AuthorNote(db.Model):
    """A note a moderator or company member leaves on an author, for the next one."""

    __tablename__ = "author_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(
        sa.ForeignKey("community_authors.id", ondelete="CASCADE"), index=True
    )
    written_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    written_by: Mapped[User] = relationship()
