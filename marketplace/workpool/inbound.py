"""Customer mail arriving: stored once per Message-ID, threaded into its
conversation, and a follow-up reopens an answered conversation."""

from __future__ import annotations

import hashlib
import hmac
import mailbox as stdlib_mailbox
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import triage
from marketplace.workpool.models import (
    Attachment,
    Conversation,
    ConversationStatus,
    Direction,
    Mailbox,
    Message,
)
from marketplace.workpool.parsing import NotAnEmail, ParsedEmail, parse


def new_token() -> tuple[str, str]:
    """A mailbox's inbound token and the hash we keep of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(mailbox: Mailbox, token: str) -> bool:
    return hmac.compare_digest(mailbox.token_hash, hash_token(token))


def unreadable_reason(reason: str) -> str:
    messages = {
        "empty": _("This is not an email we can read: it is empty."),
        "no_headers": _("This is not an email we can read: it has no headers."),
        "no_sender": _("This is not an email we can read: it has no sender address."),
        "sender_too_long": _("This is not an email we can read: its sender address is too long."),
        "no_content": _("This is not an email we can read: it has neither text nor attachments."),
        "id_too_long": _("This is not an email we can read: its Message-ID is too long."),
        "too_complex": _(
            "This is not an email we can read: it has too many parts, or parts nested too deeply."
        ),
        "header_too_long": _("This is not an email we can read: a header is far too long."),
        "broken": _("This is not an email we can read: its structure is broken."),
    }
    return messages.get(reason, _("This is not an email we can read."))


def unsaveable_reason() -> str:
    return _("It could not be saved: some of it is too long.")


def _thread_of(mailbox: Mailbox, parsed: ParsedEmail) -> Conversation | None:
    """The conversation this mail answers: by In-Reply-To, then References. Its row
    is locked until the email is committed, so that a worker's answer sent meanwhile
    waits for it and sees it (``pool.answer``'s collision check)."""
    for message_id in parsed.thread_ids:
        conversation_id = db.session.scalar(
            sa.select(Message.conversation_id).where(
                Message.mailbox_id == mailbox.id, Message.message_id == message_id
            )
        )
        if conversation_id is not None:
            return db.session.get(
                Conversation, conversation_id, with_for_update=True, populate_existing=True
            )
    return None


def _due(mailbox: Mailbox):
    return utcnow() + timedelta(hours=mailbox.first_response_hours)


def store(mailbox: Mailbox, raw: bytes) -> tuple[Message, bool]:
    """Store one raw email. Returns (message, created); an email already stored
    (same Message-ID in this mailbox) is returned with created=False."""
    try:
        parsed = parse(raw)
    except NotAnEmail as exc:
        raise DomainError(unreadable_reason(exc.reason)) from None
    return store_parsed(mailbox, parsed, size=len(raw))


def store_parsed(
    mailbox: Mailbox, parsed: ParsedEmail, *, size: int, savepoint: bool = True
) -> tuple[Message, bool]:
    """``store`` for an email parsed already (IMAP parses a batch before storing it).

    The message is inserted in a savepoint, so that the same email arriving twice at
    the same moment ends as one. ``savepoint=False`` saves those two round trips for a
    caller that handles the database's refusal itself (IMAP stores a batch again, each
    email in a savepoint, when the batch fails)."""
    existing = db.session.scalar(
        sa.select(Message).where(
            Message.mailbox_id == mailbox.id, Message.message_id == parsed.message_id
        )
    )
    if existing is not None:
        return existing, False
    conversation = _thread_of(mailbox, parsed)
    now = utcnow()
    new = conversation is None
    if conversation is None:
        conversation = Conversation(
            mailbox_id=mailbox.id,
            subject=parsed.subject[:998],
            customer_email=parsed.from_address,
            customer_name=parsed.from_name[:200],
            status=ConversationStatus.WAITING,
            assigned_to_id=mailbox.forward_to_id,
            waiting_since=now,
            first_response_due_at=_due(mailbox),
        )
        db.session.add(conversation)
    elif conversation.status == ConversationStatus.ANSWERED:
        # The customer writes again: back into the queue, with a fresh target.
        conversation.status = ConversationStatus.WAITING
        conversation.waiting_since = now
        conversation.first_response_due_at = _due(mailbox)
        conversation.first_responded_at = None
    db.session.flush()  # the conversation's id, for the message
    message = Message(
        conversation_id=conversation.id,
        mailbox_id=mailbox.id,
        direction=Direction.INBOUND,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        from_address=parsed.from_address,
        from_name=parsed.from_name[:200],
        subject=parsed.subject[:998],
        sent_at=parsed.date,
        received_at=now,
        body_text=parsed.text,
        was_html=parsed.was_html,
        size_bytes=size,
    )
    message.attachments = [
        Attachment(
            filename=attachment.filename,
            content_type=attachment.content_type[:255],
            size_bytes=attachment.size,
            sha256=hashlib.sha256(attachment.content).hexdigest(),
            content=attachment.content,
        )
        for attachment in parsed.attachments
    ]
    if savepoint:
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:  # the same email arrived twice at the same moment
            db.session.expire_all()
            existing = db.session.scalar(
                sa.select(Message).where(
                    Message.mailbox_id == mailbox.id, Message.message_id == parsed.message_id
                )
            )
            return existing, False
    else:
        db.session.add(message)
        db.session.flush()
    triage.apply_at_intake(conversation, message, new=new, now=now)
    return message, True


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def store_batch(mailbox: Mailbox, emails: Iterable[tuple[str, bytes]]) -> BatchResult:
    """Store many named raw emails (an upload), each in its own savepoint: one that
    fails leaves nothing behind and is named with the reason; the others are kept."""
    result = BatchResult()
    for name, raw in emails:
        try:
            with db.session.begin_nested():
                _message, created = store(mailbox, raw)
        except DomainError as exc:
            result.unreadable.append((name, exc.message))
            continue
        except DBAPIError:  # e.g. a header longer than the database accepts
            result.unreadable.append((name, unsaveable_reason()))
            continue
        if created:
            result.stored += 1
        else:
            result.duplicates.append(name)
    return result


def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox file, read by the standard library's mbox parser."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.mbox"
        path.write_bytes(raw)
        box = stdlib_mailbox.mbox(path, create=False)
        try:
            return [box.get_bytes(key) for key in box.iterkeys()]
        finally:
            box.close()
