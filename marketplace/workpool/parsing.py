"""Reading customer emails: a pure function from raw RFC 822 bytes to what the
pool needs. No database, no I/O.

Handles MIME multipart, quoted-printable and base64, any charset Python knows
(and falls back to Windows-1252 for text that lies about its charset), encoded
words in headers, HTML-only mail (turned into readable text), and attachments
(name, type, size, content). A message without a Message-ID gets a stable one
derived from its content, so the same mail delivered twice is still one.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_HEADER = 998


class NotAnEmail(ValueError):
    """The bytes are not a usable RFC 822 message. ``reason`` is one of REASONS (the
    caller words it for the user, in their language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REASONS = ("empty", "no_headers", "no_sender", "sender_too_long", "no_content", "id_too_long")
MAX_ADDRESS = 254  # RFC 5321


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]
    date: datetime | None
    text: str
    was_html: bool
    attachments: tuple[ParsedAttachment, ...] = field(default_factory=tuple)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The message ids this one answers, nearest first."""
        ids = list(reversed(self.references))
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.insert(0, self.in_reply_to)
        return tuple(ids)


class _TextFromHTML(HTMLParser):
    """Readable text from HTML: paragraphs and line breaks kept, links shown,
    scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "table", "ul", "ol", "hr"}  # fmt: skip
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a" and self.href and self.href.startswith(("http://", "https://")):
            self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        text = "".join(self.parts)
        text = re.sub(r"[ \t]+\n", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text.strip()


def html_to_text(html: str) -> str:
    parser = _TextFromHTML()
    parser.feed(html)
    parser.close()
    return parser.text()


def _decoded(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "windows-1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header too broken to parse
        value = None
    return str(value or "").strip()[:MAX_HEADER]


def _sender(message: EmailMessage) -> tuple[str, str]:
    for name in ("Reply-To", "From", "Sender"):
        raw = _header(message, name)
        for display, address in getaddresses([raw]):
            if "@" in address:
                return address.strip().lower(), display.strip()
    raise NotAnEmail("no_sender")


def _body(message: EmailMessage) -> tuple[str, bool]:
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _decoded(plain).replace("\r\n", "\n").strip(), False
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html_to_text(_decoded(html)), True
    return "", False


def _attachments(message: EmailMessage) -> tuple[ParsedAttachment, ...]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        filename = part.get_filename() or "attachment"
        filename = re.sub(r"[\\/\x00-\x1f]", "_", filename).strip(". ")[:200] or "attachment"
        found.append(
            ParsedAttachment(
                filename=filename,
                content_type=part.get_content_type(),
                content=part.get_payload(decode=True) or b"",
            )
        )
    return tuple(found)


def _date(message: EmailMessage) -> datetime | None:
    raw = _header(message, "Date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def parse(raw: bytes) -> ParsedEmail:
    """Parse one raw message; NotAnEmail if it is unusable."""
    if not raw or not raw.strip():
        raise NotAnEmail("empty")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not message.keys():
        raise NotAnEmail("no_headers")
    from_address, from_name = _sender(message)
    if len(from_address) > MAX_ADDRESS:
        raise NotAnEmail("sender_too_long")
    text, was_html = _body(message)
    attachments = _attachments(message)
    if not text and not attachments:
        raise NotAnEmail("no_content")
    ids = _ids(_header(message, "Message-ID"))
    message_id = (
        ids[0] if ids else (f"<generated-{hashlib.sha256(raw).hexdigest()[:32]}@nebendesk.invalid>")
    )
    if len(message_id) > MAX_HEADER:
        raise NotAnEmail("id_too_long")
    in_reply_to = (_ids(_header(message, "In-Reply-To")) or [None])[0]
    if in_reply_to is not None and len(in_reply_to) > MAX_HEADER:
        in_reply_to = None  # cannot match anything we store
    to = tuple(
        address.lower()
        for _name, address in getaddresses([_header(message, "To")])
        if "@" in address
    )
    return ParsedEmail(
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=tuple(_ids(_header(message, "References")))[-50:],
        subject=_header(message, "Subject") or "",
        from_address=from_address,
        from_name=from_name,
        to_addresses=to,
        date=_date(message),
        text=text,
        was_html=was_html,
        attachments=attachments,
    )
