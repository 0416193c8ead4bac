"""Items coming in through the community API: validate, match the word lists, store.

``validate`` (moderation/item_json.py) turns one item's JSON into an ``ItemIn`` or
a list of field errors; ``store_items`` stores already-validated items of one
community, idempotent on the community's own item id (a known id stores nothing
and answers "known"). Authors are created on first sight, by the community's own
user id. Word-list hits (``WordEntry``) are recorded on the item: suspect and
blocked words, reports and questions put the item in the urgent tier; a blocked
word holds the item (the community does not show it yet) when the community asks
for pre-moderation; a disturbing word flags it for the exposure cap.

The service adds and flushes; the caller commits (once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import live_stream
from marketplace.moderation.item_json import (
    FieldError,
    IntakeRefused,
    ItemIn,
    validate,
    validate_all,
)
from marketplace.moderation.item_models import (
    TIER_NORMAL,
    TIER_URGENT,
    Decision,
    ItemKind,
    ModerationItem,
)
from marketplace.moderation.models import Community, CommunityAuthor, WordEntry, WordKind

__all__ = [
    "FieldError",
    "IntakeRefused",
    "ItemIn",
    "Stored",
    "store",
    "store_items",
    "validate",
    "validate_all",
]


@dataclass
class Stored:
    item: ModerationItem
    created: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.item.external_id,
            "status": "created" if self.created else "known",
            "held": self.item.held,
        }


# --- word lists --------------------------------------------------------------------------------


@dataclass
class WordList:
    kinds: dict[str, WordKind]
    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, community: Community) -> WordList:
        kinds = {
            entry.word.casefold(): entry.kind
            for entry in db.session.scalars(
                sa.select(WordEntry).where(WordEntry.community_id == community.id)
            )
            if entry.word.strip()
        }
        if not kinds:
            return cls(kinds, None)
        words = sorted(kinds, key=len, reverse=True)  # longest first: "idiotisch" before "idiot"
        alternatives = "|".join(re.escape(word) for word in words)
        return cls(kinds, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"))

    def hits(self, text: str) -> list[dict[str, str]]:
        if self.pattern is None or not text:
            return []
        found = dict.fromkeys(match.group(0) for match in self.pattern.finditer(text.casefold()))
        return [{"word": word, "kind": self.kinds[word].value} for word in found]


# --- storing -----------------------------------------------------------------------------------


def _authors(community: Community, items: list[ItemIn]) -> dict[str, CommunityAuthor]:
    wanted = {item.author_id: item for item in items}
    authors = {
        author.external_id: author
        for author in db.session.scalars(
            sa.select(CommunityAuthor).where(
                CommunityAuthor.community_id == community.id,
                CommunityAuthor.external_id.in_(list(wanted)),
            )
        )
    }
    for external_id, item in wanted.items():
        author = authors.get(external_id)
        if author is None:
            author = CommunityAuthor(community_id=community.id, external_id=external_id)
            db.session.add(author)
            authors[external_id] = author
        # The community knows its users best: keep the name and language it sends last.
        if item.author_name and author.display_name != item.author_name:
            author.display_name = item.author_name
        if item.author_language and author.language != item.author_language:
            author.language = item.author_language
    db.session.flush()
    return authors


def _check_references(community: Community, items: list[ItemIn]) -> None:
    wanted = {item.refers_to for item in items if item.refers_to is not None}
    if not wanted:
        return
    found = set(
        db.session.scalars(
            sa.select(Decision.id).where(
                Decision.id.in_(wanted), Decision.community_id == community.id
            )
        )
    )
    errors = [
        FieldError("refers_to", f"there is no decision {item.refers_to} in this community", index)
        for index, item in enumerate(items)
        if item.refers_to is not None and item.refers_to not in found
    ]
    if errors:
        raise IntakeRefused(errors)


def _item(community: Community, data: ItemIn, author: CommunityAuthor, words: WordList):
    hits = words.hits(data.text)
    kinds = {hit["kind"] for hit in hits}
    urgent = (
        data.kind in (ItemKind.REPORT, ItemKind.QUESTION)
        or bool(data.reported_by)
        or bool(kinds & {WordKind.SUSPECT.value, WordKind.BLOCKED.value})
    )
    return ModerationItem(
        community_id=community.id,
        external_id=data.external_id,
        kind=data.kind,
        author_id=author.id,
        channel=data.channel,
        thread=data.thread,
        text=data.text,
        image_urls=data.images,
        context=data.context,
        reported_by=data.reported_by,
        report_reason=data.report_reason,
        refers_to_id=data.refers_to,
        posted_at=data.posted_at,
        received_at=utcnow(),
        tier=TIER_URGENT if urgent else TIER_NORMAL,
        word_hits=hits,
        held=community.pre_moderation and WordKind.BLOCKED.value in kinds,
        disturbing=WordKind.DISTURBING.value in kinds,
    )


def store_items(community: Community, items: list[ItemIn]) -> list[Stored]:
    """Store valid items; known ids store nothing. Raises ``IntakeRefused`` (nothing
    stored) when a question refers to a decision not of this community."""
    _check_references(community, items)
    ids = list({item.external_id for item in items})
    known = {
        item.external_id: item
        for item in db.session.scalars(
            sa.select(ModerationItem).where(
                ModerationItem.community_id == community.id,
                ModerationItem.external_id.in_(ids),
            )
        )
    }
    new = [item for item in items if item.external_id not in known]
    authors = _authors(community, new) if new else {}
    words = WordList.of(community) if new else WordList({}, None)
    results: list[Stored] = []
    for data in items:
        existing = known.get(data.external_id)
        if existing is not None:
            results.append(Stored(existing, created=False))
            continue
        item = _item(community, data, authors[data.author_id], words)
        db.session.add(item)
        known[data.external_id] = item  # the same id twice in one batch: the first counts
        results.append(Stored(item, created=True))
    db.session.flush()
    # The live view sees new chat messages in this same transaction.
    live_stream.items_stored(community, [result.item for result in results if result.created])
    return results


def store(community: Community, data: Any) -> Stored:
    """One item's JSON, validated and stored (``IntakeRefused`` when it is not valid)."""
    result = validate(data)
    if isinstance(result, list):
        raise IntakeRefused(result)
    return store_items(community, [result])[0]
