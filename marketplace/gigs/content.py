"""The reviewed content of a listing, as one value.

A gig's columns, a pending revision's snapshot and a submitted form all
become a ``GigContent``; comparing two of them says whether an edit needs
review, and rendering one shows the admin exactly what the public would see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.languages import WORK_LANGUAGES
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigCommunity,
    GigKind,
    GigLanguage,
    PayModel,
)

TITLE_MAX = 120
DESCRIPTION_MAX = 20_000
COMMUNITIES_MAX = 20


@dataclass(frozen=True)
class Community:
    name: str
    audience: str
    description: str = ""


@dataclass(frozen=True)
class GigContent:
    title: str
    kind: GigKind
    description: str
    pay_model: PayModel
    rate_cents: int
    languages: tuple[str, ...]
    tag_ids: tuple[int, ...]
    communities: tuple[Community, ...] = field(default_factory=tuple)

    # --- conversions ------------------------------------------------------
    @classmethod
    def of_gig(cls, gig: Gig) -> GigContent:
        return cls(
            title=gig.title,
            kind=gig.kind,
            description=gig.description,
            pay_model=gig.pay_model,
            rate_cents=gig.rate_cents,
            languages=tuple(sorted(gig.languages)),
            tag_ids=tuple(sorted(tag.id for tag in gig.tags)),
            communities=tuple(
                Community(c.name, c.audience, c.description) for c in gig.communities
            ),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GigContent:
        return cls(
            title=data["title"],
            kind=GigKind(data["kind"]),
            description=data["description"],
            pay_model=PayModel(data["pay_model"]),
            rate_cents=int(data["rate_cents"]),
            languages=tuple(data["languages"]),
            tag_ids=tuple(data["tag_ids"]),
            communities=tuple(Community(**c) for c in data.get("communities", [])),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["pay_model"] = self.pay_model.value
        data["languages"] = list(self.languages)
        data["tag_ids"] = list(self.tag_ids)
        data["communities"] = [asdict(c) for c in self.communities]
        return data

    def normalized(self) -> GigContent:
        """Trimmed text, sorted sets, communities without empty rows."""
        return GigContent(
            title=self.title.strip(),
            kind=GigKind(self.kind),
            description=self.description.strip(),
            pay_model=PayModel(self.pay_model),
            rate_cents=self.rate_cents,
            languages=tuple(sorted(set(self.languages))),
            tag_ids=tuple(sorted(set(self.tag_ids))),
            communities=tuple(
                Community(c.name.strip(), c.audience.strip(), c.description.strip())
                for c in self.communities
                if c.name.strip() or c.audience.strip()
            ),
        )

    def with_tags(self, tag_ids: list[int] | tuple[int, ...]) -> GigContent:
        return GigContent(**{**self.__dict__, "tag_ids": tuple(sorted(set(tag_ids)))})

    # --- rules ------------------------------------------------------------
    def tags(self) -> list[ContentTag]:
        if not self.tag_ids:
            return []
        return list(
            db.session.scalars(
                sa.select(ContentTag)
                .where(ContentTag.id.in_(self.tag_ids))
                .order_by(ContentTag.slug)
            )
        )

    def validate(self, *, allow_tag_ids: frozenset[int] = frozenset()) -> None:
        """Raise DomainError with the first problem a person must fix.

        Forms check the same limits field by field; this is the guard for any
        other caller. ``allow_tag_ids`` admits inactive tags already on the gig.
        """
        if not 3 <= len(self.title) <= TITLE_MAX:
            raise DomainError(_("The title must be 3 to %(max)d characters.", max=TITLE_MAX))
        if not 1 <= len(self.description) <= DESCRIPTION_MAX:
            raise DomainError(
                _("The description must be 1 to %(max)d characters.", max=DESCRIPTION_MAX)
            )
        if not 0 < self.rate_cents <= current_app.config["MAX_RATE_CENTS"]:
            raise DomainError(_("The rate is outside the allowed range."))
        if not self.languages or not set(self.languages) <= set(WORK_LANGUAGES):
            raise DomainError(_("Please choose at least one language."))
        if self.kind.is_moderation and not self.communities:
            raise DomainError(
                _("Moderation gigs must name at least one community or chat to be moderated.")
            )
        if len(self.communities) > COMMUNITIES_MAX:
            raise DomainError(_("Please list at most %(max)d communities.", max=COMMUNITIES_MAX))
        for community in self.communities:
            if not community.name or not community.audience:
                raise DomainError(_("Every community needs both a name and an audience."))
        tags = self.tags()
        known = {tag.id for tag in tags if tag.is_active or tag.id in allow_tag_ids}
        if known != set(self.tag_ids):
            raise DomainError(_("Please choose content tags from the list."))

    # --- applying ------------------------------------------------------------
    def apply_to(self, gig: Gig) -> None:
        """Write this content into the gig's columns (and derived flags)."""
        tags = self.tags()  # query before changing anything, so autoflush sees a whole gig
        gig.title = self.title
        gig.kind = self.kind
        gig.description = self.description
        gig.pay_model = self.pay_model
        gig.rate_cents = self.rate_cents
        gig.tags = tags
        gig.is_mature = any(tag.is_mature for tag in tags)
        # Change language rows in place: replacing the list would insert a
        # kept code again before the old row is deleted.
        wanted = set(self.languages)
        for row in [row for row in gig.language_rows if row.code not in wanted]:
            gig.language_rows.remove(row)
        for code in sorted(wanted - {row.code for row in gig.language_rows}):
            gig.language_rows.append(GigLanguage(code=code))
        current = tuple(Community(c.name, c.audience, c.description) for c in gig.communities)
        if current != self.communities:
            gig.communities = [
                GigCommunity(
                    position=i, name=c.name, audience=c.audience, description=c.description
                )
                for i, c in enumerate(self.communities)
            ]


class ListingPreview:
    """A revision's content dressed like a Gig, so the admin sees the listing
    exactly as the public would, through the same template."""

    def __init__(self, content: GigContent, gig: Gig) -> None:
        self.content = content
        self.gig = gig
        self.id = gig.id
        self.company = gig.company
        self.currency = gig.currency
        self.hours_per_week = gig.hours_per_week
        self.openings = gig.openings
        self.published_at = gig.published_at
        self.title = content.title
        self.kind = content.kind
        self.description = content.description
        self.pay_model = content.pay_model
        self.rate_cents = content.rate_cents
        self.languages = list(content.languages)
        self.communities = list(content.communities)
        self.tags = content.tags()
        self.is_mature = any(tag.is_mature for tag in self.tags)
