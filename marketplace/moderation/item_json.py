"""The community API's item JSON, checked field by field: ``validate`` gives an
``ItemIn`` or a list of ``FieldError`` (which field, and why, in English: the API's
readers are developers). Nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from marketplace.moderation.item_models import ItemKind

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
