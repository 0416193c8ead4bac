"""Gig cards: what a listing shows of each gig, read in three small queries.

Listings are the busiest pages of the site. A card needs a dozen columns of a
gig, its company's name, its languages and its tags, never the description;
reading just those as plain rows, and putting every label into the viewer's
language once per page, costs a fraction of loading ORM objects and asking
for translations card by card.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import get_locale

from marketplace.accounts.models import Company
from marketplace.extensions import db
from marketplace.gigs.labels import KIND_LABELS, PAY_MODEL_LABELS
from marketplace.gigs.languages import language_name
from marketplace.gigs.models import ContentTag, Gig, GigKind, GigLanguage, PayModel, gig_tags
from marketplace.money import format_money


@dataclass(frozen=True)
class TagChip:
    slug: str
    name: str
    description: str
    is_mature: bool


@dataclass(frozen=True)
class GigCard:
    id: int
    title: str
    kind: GigKind
    kind_label: str
    company_id: int
    company_name: str
    company_verified: bool
    languages: str
    rate: str
    pay_label: str
    hours_per_week: int
    tags: tuple[TagChip, ...]


def tag_chip(tag: ContentTag | sa.Row, german: bool) -> TagChip:
    return TagChip(
        slug=tag.slug,
        name=tag.name_de if german else tag.name_en,
        description=tag.description_de if german else tag.description_en,
        is_mature=tag.is_mature,
    )


def load_cards(ids: list[int]) -> list[GigCard]:
    """Cards for these gig ids, in the same order. Ids that vanished are skipped."""
    if not ids:
        return []
    german = str(get_locale()) == "de"
    gigs = db.session.execute(
        sa.select(
            Gig.id, Gig.title, Gig.kind, Gig.pay_model, Gig.rate_cents, Gig.currency,
            Gig.hours_per_week, Gig.company_id, Company.name.label("company_name"),
            Company.verified_at,
        )
        .join(Company, Company.id == Gig.company_id)
        .where(Gig.id.in_(ids))
    ).all()  # fmt: skip
    languages: dict[int, list[str]] = defaultdict(list)
    for gig_id, code in db.session.execute(
        sa.select(GigLanguage.gig_id, GigLanguage.code)
        .where(GigLanguage.gig_id.in_(ids))
        .order_by(GigLanguage.gig_id, GigLanguage.code)
    ):
        languages[gig_id].append(language_name(code))
    tags: dict[int, list[TagChip]] = defaultdict(list)
    for row in db.session.execute(
        sa.select(
            gig_tags.c.gig_id, ContentTag.slug, ContentTag.name_en, ContentTag.name_de,
            ContentTag.description_en, ContentTag.description_de, ContentTag.is_mature,
        )
        .join(ContentTag, ContentTag.id == gig_tags.c.tag_id)
        .where(gig_tags.c.gig_id.in_(ids))
        .order_by(gig_tags.c.gig_id, ContentTag.slug)
    ):  # fmt: skip
        tags[row.gig_id].append(tag_chip(row, german))

    kind_labels = {kind: str(label) for kind, label in KIND_LABELS.items()}
    pay_labels = {model: str(label) for model, label in PAY_MODEL_LABELS.items()}
    cards = {
        gig.id: GigCard(
            id=gig.id,
            title=gig.title,
            kind=GigKind(gig.kind),
            kind_label=kind_labels[GigKind(gig.kind)],
            company_id=gig.company_id,
            company_name=gig.company_name,
            company_verified=gig.verified_at is not None,
            languages=", ".join(languages[gig.id]),
            rate=format_money(gig.rate_cents, gig.currency),
            pay_label=pay_labels[PayModel(gig.pay_model)],
            hours_per_week=gig.hours_per_week,
            tags=tuple(tags[gig.id]),
        )
        for gig in gigs
    }
    return [cards[gig_id] for gig_id in ids if gig_id in cards]
