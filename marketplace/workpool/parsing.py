"""Reading customer emails: a pure function from raw RFC 822 bytes to what the
pool needs. No database, no I/O.

Handles MIME multipart, quoted-printable and base64, any charset Python knows
(and falls back to Windows-1252 for text that lies about its charset), encoded
words in headers, HTML-only mail (turned into readable text), and attachments
(name, type, size, content). A message without a Message-ID gets a stable one
derived from its content, so the same mail delivered twice is still one.

Hostile mail ends as readable text or a NotAnEmail, never as another error:
every string that leaves here is free of NUL and other control characters and of
lone surrogates (replacement characters stand for what could not be read), a
charset that is unknown, malformed or not a text encoding falls back as above,
and a message with more than MAX_PARTS parts, a deeper structure than Python can
walk, or absurdly long headers is refused before the expensive work.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_HEADER = 998
MAX_PARTS = 500  # MIME parts in one message; customer mail has a handful
MAX_HEADER_FIELD = 32 * 1024  # one header field, unfolded (a To: of ~1,000 addresses)
MAX_HEADER_TOTAL = 256 * 1024  # all header fields of all parts
REMEMBERED_HEADER_CHARS = 200  # headers this short are parsed once per process
# Kept: tab, line feed, carriage return. Lone surrogates come from undecodable bytes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


class NotAnEmail(ValueError):
    """The bytes are not a usable RFC 822 message. ``reason`` is one of REASONS (the
    caller words it for the user, in their language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REASONS = ("empty", "no_headers", "no_sender", "sender_too_long", "no_content", "id_too_long",
           "too_complex", "header_too_long", "broken")  # fmt: skip
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


def clean_text(value: str) -> str:
    """Text safe to store and show: no control characters but tab and line breaks,
    a replacement character for every lone surrogate."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", value))


def clean_line(value: str) -> str:
    """A header's value on one line (clean_text, line breaks and tabs as spaces)."""
    return _LINE_BREAKS.sub(" ", clean_text(value)).strip()


def _charset(part: EmailMessage) -> str:
    try:
        return part.get_content_charset() or "utf-8"
    except (ValueError, LookupError, TypeError):
        return "utf-8"


def _decoded(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    if not isinstance(payload, bytes):
        return ""
    # A charset may be unknown, not a text encoding (LookupError) or contain a NUL
    # (ValueError): then the usual suspects, and Latin-1, which reads any byte.
    for candidate in (_charset(part), "utf-8", "windows-1252"):
        try:
            return clean_text(payload.decode(candidate))
        except (LookupError, ValueError):
            continue
    return clean_text(payload.decode("latin-1"))


def _ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = str(message.get(name) or "")
    except (ValueError, IndexError, TypeError, LookupError):  # a header too broken to parse
        value = ""
    return clean_line(value)[:MAX_HEADER]


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
        return clean_text(html_to_text(_decoded(html))), True
    return "", False


def _attachments(message: EmailMessage) -> tuple[ParsedAttachment, ...]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        try:
            filename = part.get_filename() or "attachment"
        except (ValueError, LookupError, TypeError):  # e.g. a NUL in its charset
            filename = "attachment"
        filename = re.sub(r"[\\/\x00-\x1f]", "_", clean_line(filename)).strip(". ")[:200]
        content = part.get_payload(decode=True) or b""
        found.append(
            ParsedAttachment(
                filename=filename or "attachment",
                content_type=clean_line(part.get_content_type())[:255],
                content=content if isinstance(content, bytes) else b"",
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


class _LenientPolicy(email.policy.EmailPolicy):
    """The standard policy, except that a header it cannot parse (a NUL in a charset
    parameter raises ValueError deep inside, even while the parser itself asks a
    part for its type) is parsed again without control characters, then as its
    first word only, then as empty: a broken header never breaks the message. An
    absurdly long one is refused before it is parsed (the parser itself asks every
    part for its Content-Type)."""

    def header_fetch_parse(self, name, value):  # type: ignore[no-untyped-def]
        if len(value) > MAX_HEADER_FIELD:  # parsing it would take seconds
            raise NotAnEmail("header_too_long")
        if len(value) <= REMEMBERED_HEADER_CHARS:
            return self._remembered(name, value)
        return self._parse_leniently(name, value)

    # Reading an email asks for the same headers again and again (every part's
    # Content-Type several times), and most emails share the short ones
    # (Content-Type, MIME-Version, Content-Transfer-Encoding): the parsed header, a
    # value nothing changes, is kept for the next time.
    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one policy object, for the process
    def _remembered(self, name, value):  # type: ignore[no-untyped-def]
        return self._parse_leniently(name, value)

    def _parse_leniently(self, name, value):  # type: ignore[no-untyped-def]
        for attempt in (value, clean_text(value), value.split(";")[0]):
            with contextlib.suppress(Exception):  # the header registry's many ways to give up
                return super().header_fetch_parse(name, attempt)
        return super().header_fetch_parse(name, "")


POLICY = _LenientPolicy()


def _check_size(message: EmailMessage) -> None:
    """Refuse absurd structures before reading them: too many parts, too long headers."""
    header_bytes = 0
    for parts, part in enumerate(message.walk(), 1):  # recursive: too deep → RecursionError
        if parts > MAX_PARTS:
            raise NotAnEmail("too_complex")
        for _name, value in part.raw_items():
            if len(value) > MAX_HEADER_FIELD:
                raise NotAnEmail("header_too_long")
            header_bytes += len(value)
    if header_bytes > MAX_HEADER_TOTAL:
        raise NotAnEmail("header_too_long")


def parse(raw: bytes) -> ParsedEmail:
    """Parse one raw message; NotAnEmail if it is unusable."""
    if not raw or not raw.strip():
        raise NotAnEmail("empty")
    # Every part starts at a line "--boundary": far too many means far too many parts,
    # and parsing them all would take minutes.
    if raw.count(b"\n--") > 2 * MAX_PARTS:
        raise NotAnEmail("too_complex")
    try:
        message = email.message_from_bytes(raw, policy=POLICY)
        if not message.keys():
            raise NotAnEmail("no_headers")
        _check_size(message)
        return _read(raw, message)
    except RecursionError:
        raise NotAnEmail("too_complex") from None
    except NotAnEmail:
        raise
    except Exception:  # the email package's many ways to give up on hostile input
        raise NotAnEmail("broken") from None


def _read(raw: bytes, message: EmailMessage) -> ParsedEmail:
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
