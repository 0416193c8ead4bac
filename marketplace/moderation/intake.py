"""Items coming in through the community API: validate, match the word lists, store.

``validate`` turns one item's JSON into an ``ItemIn`` or a list of field errors;
``store_items`` stores already-validated items of one community, idempotent on
the community's own item id (a known id stores nothing and answers "known").
Authors are created on first sight, by the community's own user id. Word-list
hits (``WordEntry``) are recorded on the item: suspect and blocked words, reports
and questions put the item in the urgent tier; a blocked word holds the item
(the community does not show it yet) when the community asks for
pre-moderation; a disturbing word flags it for the exposure cap.

The service adds and flushes; the caller commits (once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import (
    TIER_NORMAL,
    TIER_URGENT,
    Decision,
    ItemKind,
    ModerationItem,
)
from marketplace.moderation.models import Community, CommunityAuthor, WordEntry, WordKind

ID_MAX = 200
NAME_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 2_000
IMAGES_MAX = 10
URL_MAX = 2_000
CONTEXT_MAX = 50
KINDS = tuple(kind.value for kind in ItemKind)


@dataclass
class FieldError:
    field: str
    message: str
    index: int | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.index is not None:
            body["index"] = self.index
        return body


class IntakeRefused(Exception):
    """The items were refused; nothing is stored. ``errors`` say which field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class ItemIn:
    external_id: str
    kind: ItemKind
    author_id: str
    author_name: str
    author_language: str
    channel: str = ""
    thread: str = ""
    text: str = ""
    images: list[str] = field(default_factory=list)
    context: list[dict[str, Any]] = field(default_factory=list)
    reported_by: str = ""
    report_reason: str = ""
    refers_to: int | None = None
    posted_at: datetime | None = None


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


# --- validation ------------------------------------------------------------------------------


def _an_id(value: Any) -> str | None:
    """The community's ids are strings; whole numbers are taken as their digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and value.strip() and len(value) <= ID_MAX:
        return value.strip()
    return None


def _text(data: dict[str, Any], key: str, errors: list[FieldError], limit: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(key, "must be a string"))
        return ""
    if len(value) > limit:
        errors.append(FieldError(key, f"must be at most {limit} characters"))
    return value


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 ("2026-12-06T10:00:05Z"); without a zone it is taken as UTC."""
    if not isinstance(value, str):
        raise ValueError(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _author(data: dict[str, Any], errors: list[FieldError]) -> tuple[str, str, str]:
    author = data.get("author")
    if not isinstance(author, dict):
        errors.append(FieldError("author", "is required: an object with the author's id"))
        return "", "", ""
    author_id = _an_id(author.get("id"))
    if author_id is None:
        errors.append(FieldError("author.id", f"is required (a string of 1–{ID_MAX} characters)"))
    name = author.get("name") or ""
    if not isinstance(name, str) or len(name) > NAME_MAX:
        errors.append(FieldError("author.name", f"must be a string of at most {NAME_MAX}"))
        name = ""
    language = author.get("language") or ""
    if not isinstance(language, str) or len(language) > 8:
        errors.append(FieldError("author.language", 'must be a language code such as "de"'))
        language = ""
    return author_id or "", name, language.lower()


def _images(data: dict[str, Any], errors: list[FieldError]) -> list[str]:
    images = data.get("images") or []
    if not isinstance(images, list) or len(images) > IMAGES_MAX:
        errors.append(FieldError("images", f"must be a list of at most {IMAGES_MAX} URLs"))
        return []
    for url in images:
        if (
            not isinstance(url, str)
            or len(url) > URL_MAX
            or urlsplit(url).scheme
            not in (
                "http",
                "https",
            )
        ):
            errors.append(FieldError("images", "must hold http:// or https:// URLs"))
            return []
    return images


def _context(data: dict[str, Any], errors: list[FieldError]) -> list[dict[str, Any]]:
    context = data.get("context") or []
    if not isinstance(context, list) or len(context) > CONTEXT_MAX:
        errors.append(FieldError("context", f"must be a list of at most {CONTEXT_MAX} messages"))
        return []
    cleaned = []
    for message in context:
        if not (
            isinstance(message, dict)
            and isinstance(message.get("text", ""), str)
            and isinstance(message.get("author", ""), str)
        ):
            errors.append(FieldError("context", 'messages are objects with "author" and "text"'))
            return []
        entry = {
            "author": message.get("author", "")[:NAME_MAX],
            "text": message.get("text", "")[:TEXT_MAX],
        }
        if message.get("posted_at") is not None:
            try:
                entry["posted_at"] = parse_time(message["posted_at"]).isoformat()
            except ValueError:
                errors.append(FieldError("context", "posted_at must be an ISO 8601 time"))
                return []
        cleaned.append(entry)
    return cleaned


def validate(data: Any) -> ItemIn | list[FieldError]:
    """One item's JSON → ``ItemIn``, or the errors (nothing half-taken)."""
    if not isinstance(data, dict):
        return [FieldError("item", "must be a JSON object")]
    errors: list[FieldError] = []
    external_id = _an_id(data.get("id"))
    if external_id is None:
        errors.append(FieldError("id", f"is required (a string of 1–{ID_MAX} characters)"))
    kind = data.get("kind")
    if kind not in KINDS:
        errors.append(FieldError("kind", f"must be one of {', '.join(KINDS)}"))
    author_id, author_name, author_language = _author(data, errors)
    text = _text(data, "text", errors, TEXT_MAX)
    images = _images(data, errors)
    if "text" not in data or (not text.strip() and not images):
        errors.append(FieldError("text", "is required (or at least one image)"))
    refers_to = data.get("refers_to")
    if refers_to is not None and (
        isinstance(refers_to, bool) or not isinstance(refers_to, int) or refers_to < 1
    ):
        errors.append(FieldError("refers_to", "must be the id (a number) of a decision"))
        refers_to = None
    if refers_to is not None and kind != ItemKind.QUESTION:
        errors.append(FieldError("refers_to", 'is only for items of kind "question"'))
    posted_at = None
    if data.get("created_at") is not None:
        try:
            posted_at = parse_time(data["created_at"])
        except ValueError:
            errors.append(FieldError("created_at", "must be an ISO 8601 time"))
    item = ItemIn(
        external_id=external_id or "",
        kind=ItemKind(kind) if kind in KINDS else ItemKind.MESSAGE,
        author_id=author_id,
        author_name=author_name,
        author_language=author_language,
        channel=_text(data, "channel", errors, ID_MAX),
        thread=_text(data, "thread", errors, ID_MAX),
        text=text,
        images=images,
        context=_context(data, errors),
        reported_by=_text(data, "reported_by", errors, ID_MAX),
        report_reason=_text(data, "report_reason", errors, REASON_MAX),
        refers_to=refers_to,
        posted_at=posted_at,
    )
    return errors or item


def validate_all(items: list[Any]) -> list[ItemIn]:
    """Every item valid, or ``IntakeRefused`` with each error's index."""
    valid: list[ItemIn] = []
    errors: list[FieldError] = []
    for index, data in enumerate(items):
        result = validate(data)
        if isinstance(result, list):
            errors.extend(FieldError(e.field, e.message, index) for e in result)
        else:
            valid.append(result)
    if errors:
        raise IntakeRefused(errors)
    return valid


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
    return results


def store(community: Community, data: Any) -> Stored:
    """One item's JSON, validated and stored (``IntakeRefused`` when it is not valid)."""
    result = validate(data)
    if isinstance(result, list):
        raise IntakeRefused(result)
    return store_items(community, [result])[0]
