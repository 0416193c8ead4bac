"""Triage like a help desk: priority (rules per mailbox, a customer writing for the
third time, or set by hand), assignment to a hired worker, the company's tags and
internal notes.

Priority at intake (``apply_at_intake``, called by ``inbound.store_parsed``, the one
place every intake path goes through: HTTP, upload, IMAP, forwarding):

- the mailbox's rules: a phrase found (case-insensitive, also inside longer words,
  so "Unfall" finds "Verkehrsunfall") in the subject or text gives its priority; a
  new conversation takes the most urgent match, an existing one is only raised;
- a customer's third email (or more) to the same mailbox within
  ``TRIAGE_REPEAT_DAYS`` days (default 7), in one conversation or several, makes
  the conversation urgent: someone who writes three times is still waiting.

Notes are never part of an email: replies are built from the worker's text, the
signature and the customer's message only (workpool/replies.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.accounts.models import Company, User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.workpool.models import (
    PRIORITY_RANK,
    Conversation,
    Direction,
    Mailbox,
    Message,
    Priority,
)
from marketplace.workpool.triage_models import (
    TAG_COLOURS,
    ConversationNote,
    MailTag,
    TriageRule,
    conversation_mail_tags,
)

MAX_NOTE_CHARS = 5_000
MAX_PHRASE_CHARS = 200
MAX_TAG_CHARS = 40
REPEAT_COUNT = 3

# Installed in every new mailbox (and by the migration in existing ones); the company
# edits them on the mailbox's rules page.
DEFAULT_RULES: tuple[str, ...] = (
    # accidents and injuries
    "Unfall",
    "verletzt",
    "Verletzung",
    "accident",
    "injured",
    "injury",
    # lawyers
    "Anwalt",
    "Rechtsanwalt",
    "lawyer",
    "attorney",
    # data protection requests
    "DSGVO",
    "Auskunft nach Art. 15",
    "Datenschutz",
    "GDPR",
    "data protection",
    # cancellations and withdrawals
    "Kündigung",
    "kündigen",
    "Widerruf",
    "Storno",
    "stornieren",
    "Stornierung",
    "cancel",
    "withdrawal",
)


# --- priority ------------------------------------------------------------------------


def more_urgent(a: Priority, b: Priority) -> Priority:
    return a if PRIORITY_RANK[a] <= PRIORITY_RANK[b] else b


def install_default_rules(mailbox: Mailbox) -> None:
    _forget_rules_read(db.session)
    for phrase in DEFAULT_RULES:
        db.session.add(TriageRule(mailbox_id=mailbox.id, phrase=phrase, priority=Priority.URGENT))


def rules_of(mailbox: Mailbox) -> list[TriageRule]:
    return list(
        db.session.scalars(
            sa.select(TriageRule)
            .where(TriageRule.mailbox_id == mailbox.id)
            .order_by(TriageRule.priority, sa.func.lower(TriageRule.phrase))
        )
    )


# Intake reads a mailbox's rules for every email; within one transaction (an IMAP
# batch of 100) they are read once, as plain (phrase, priority) rows.
_RULES_READ = "triage.rules_read"


def _phrases_of(mailbox_id: int) -> list[sa.Row]:
    read = db.session.info.setdefault(_RULES_READ, {})
    if mailbox_id not in read:
        read[mailbox_id] = list(
            db.session.execute(
                sa.select(TriageRule.phrase, TriageRule.priority).where(
                    TriageRule.mailbox_id == mailbox_id
                )
            )
        )
    return read[mailbox_id]


def _forget_rules_read(session: Session, *_args: object) -> None:
    session.info.pop(_RULES_READ, None)


for _event in ("after_commit", "after_soft_rollback"):
    sa.event.listen(Session, _event, _forget_rules_read)


def matching_priority(rules: Iterable[TriageRule | sa.Row], *texts: str) -> Priority | None:
    """The most urgent priority of the rules whose phrase occurs in the texts."""
    haystack = "\n".join(texts).casefold()
    found: Priority | None = None
    for rule in rules:
        if rule.phrase.casefold() in haystack:
            found = rule.priority if found is None else more_urgent(found, rule.priority)
    return found


def repeat_count(mailbox_id: int, address: str, now: datetime) -> int:
    """The customer's emails to this mailbox within the repeat window."""
    since = now - timedelta(days=current_app.config.get("TRIAGE_REPEAT_DAYS", 7))
    return db.session.scalar(
        sa.select(sa.func.count(Message.id)).where(
            Message.mailbox_id == mailbox_id,
            Message.direction == Direction.INBOUND,
            sa.func.lower(Message.from_address) == address.lower(),
            Message.received_at >= since,
        )
    )


def apply_at_intake(
    conversation: Conversation, message: Message, *, new: bool, now: datetime
) -> None:
    """Set or raise the priority of a conversation a customer's email just arrived in
    (the message is flushed already)."""
    rules = _phrases_of(conversation.mailbox_id)
    matched = matching_priority(rules, message.subject, message.body_text)
    if (
        matched != Priority.URGENT
        and repeat_count(conversation.mailbox_id, message.from_address, now) >= REPEAT_COUNT
    ):
        matched = Priority.URGENT
    if matched is None:
        return
    if new:
        conversation.priority = matched
    else:
        conversation.priority = more_urgent(conversation.priority, matched)


def set_priority(conversation: Conversation, priority: Priority, *, by: User) -> None:
    before = conversation.priority
    if before == priority:
        return
    conversation.priority = priority
    record(
        actor=by,
        action="conversation.priority",
        object_type="conversation",
        object_id=conversation.id,
        before={"priority": str(before)},
        after={"priority": str(priority)},
    )


def add_rule(mailbox: Mailbox, phrase: str, priority: Priority, *, by: User) -> TriageRule:
    phrase = " ".join((phrase or "").split())
    if not phrase:
        raise DomainError(_("Please enter a word or phrase."))
    if len(phrase) > MAX_PHRASE_CHARS:
        raise DomainError(_("Please keep it under %(max)d characters.", max=MAX_PHRASE_CHARS))
    exists = db.session.scalar(
        sa.select(TriageRule.id).where(
            TriageRule.mailbox_id == mailbox.id,
            sa.func.lower(TriageRule.phrase) == phrase.lower(),
        )
    )
    if exists is not None:
        raise DomainError(_("This mailbox has a rule for “%(phrase)s” already.", phrase=phrase))
    rule = TriageRule(mailbox_id=mailbox.id, phrase=phrase, priority=priority)
    _forget_rules_read(db.session)
    db.session.add(rule)
    db.session.flush()
    record(
        actor=by,
        action="triage_rule.create",
        object_type="mailbox",
        object_id=mailbox.id,
        after={"phrase": phrase, "priority": str(priority)},
    )
    return rule


def delete_rule(rule: TriageRule, *, by: User) -> None:
    record(
        actor=by,
        action="triage_rule.delete",
        object_type="mailbox",
        object_id=rule.mailbox_id,
        before={"phrase": rule.phrase, "priority": str(rule.priority)},
    )
    _forget_rules_read(db.session)
    db.session.delete(rule)


# --- assignment ----------------------------------------------------------------------


def hired_workers(mailbox: Mailbox) -> list[User]:
    """The workers with an active engagement on the mailbox's gig."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Engagement, Engagement.worker_id == User.id)
            .where(
                Engagement.gig_id == mailbox.gig_id,
                Engagement.status == EngagementStatus.ACTIVE,
            )
            .order_by(User.display_name, User.id)
        )
    )


def assign(conversation: Conversation, worker_id: int | None, *, by: User) -> None:
    """Give the conversation to one hired worker (their "Next" takes it first, nobody
    else gets it), or back to the whole pool (None)."""
    if worker_id is not None and worker_id not in {
        u.id for u in hired_workers(conversation.mailbox)
    }:
        raise DomainError(_("Please choose a worker hired on this gig."))
    before = conversation.assigned_to_id
    if before == worker_id:
        return
    conversation.assigned_to_id = worker_id
    record(
        actor=by,
        action="conversation.assign",
        object_type="conversation",
        object_id=conversation.id,
        before={"assigned_to_id": before},
        after={"assigned_to_id": worker_id},
    )


def customer_history(conversation: Conversation, limit: int = 10) -> list[Conversation]:
    """The same customer's other conversations in this mailbox, newest first."""
    return list(
        db.session.scalars(
            sa.select(Conversation)
            .where(
                Conversation.mailbox_id == conversation.mailbox_id,
                sa.func.lower(Conversation.customer_email) == conversation.customer_email.lower(),
                Conversation.id != conversation.id,
            )
            .order_by(Conversation.created_at.desc(), Conversation.id.desc())
            .limit(limit)
        )
    )


# --- tags ----------------------------------------------------------------------------


def company_tags(company: Company | int) -> list[MailTag]:
    company_id = company if isinstance(company, int) else company.id
    return list(
        db.session.scalars(
            sa.select(MailTag)
            .where(MailTag.company_id == company_id)
            .order_by(sa.func.lower(MailTag.name))
        )
    )


def create_tag(company: Company, name: str, colour: str, *, by: User) -> MailTag:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Please enter a name."))
    if len(name) > MAX_TAG_CHARS:
        raise DomainError(_("Please keep it under %(max)d characters.", max=MAX_TAG_CHARS))
    if colour not in TAG_COLOURS:
        raise DomainError(_("Please choose a colour."))
    exists = db.session.scalar(
        sa.select(MailTag.id).where(
            MailTag.company_id == company.id, sa.func.lower(MailTag.name) == name.lower()
        )
    )
    if exists is not None:
        raise DomainError(_("You have a tag “%(name)s” already.", name=name))
    tag = MailTag(company_id=company.id, name=name, colour=colour)
    db.session.add(tag)
    db.session.flush()
    record(actor=by, action="mail_tag.create", object_type="mail_tag", object_id=tag.id)
    return tag


def delete_tag(tag: MailTag, *, by: User) -> None:
    db.session.execute(
        sa.delete(conversation_mail_tags).where(conversation_mail_tags.c.tag_id == tag.id)
    )
    record(
        actor=by,
        action="mail_tag.delete",
        object_type="mail_tag",
        object_id=tag.id,
        before={"name": tag.name},
    )
    db.session.delete(tag)


def tags_of(conversation: Conversation) -> list[MailTag]:
    return list(
        db.session.scalars(
            sa.select(MailTag)
            .join(conversation_mail_tags, conversation_mail_tags.c.tag_id == MailTag.id)
            .where(conversation_mail_tags.c.conversation_id == conversation.id)
            .order_by(sa.func.lower(MailTag.name))
        )
    )


def set_tags(conversation: Conversation, tag_ids: Iterable[int], *, by: User) -> None:
    """Put exactly these of the company's tags on the conversation (others' ids: refused)."""
    company_id = conversation.mailbox.company_id
    own = {t.id for t in company_tags(company_id)}
    wanted = set(tag_ids)
    if not wanted <= own:
        raise DomainError(_("Please choose your own tags."))
    before = {t.id for t in tags_of(conversation)}
    if before == wanted:
        return
    table = conversation_mail_tags
    db.session.execute(
        sa.delete(table).where(
            table.c.conversation_id == conversation.id, table.c.tag_id.in_(before - wanted)
        )
    )
    for tag_id in sorted(wanted - before):
        db.session.execute(sa.insert(table).values(conversation_id=conversation.id, tag_id=tag_id))
    record(
        actor=by,
        action="conversation.tags",
        object_type="conversation",
        object_id=conversation.id,
        before={"tags": sorted(before)},
        after={"tags": sorted(wanted)},
    )


# --- notes ---------------------------------------------------------------------------


def notes_of(conversation: Conversation) -> list[ConversationNote]:
    return list(
        db.session.scalars(
            sa.select(ConversationNote)
            .where(ConversationNote.conversation_id == conversation.id)
            .order_by(ConversationNote.id)
        )
    )


def add_note(conversation: Conversation, body: str, *, by: User) -> ConversationNote:
    """An internal note (company staff, or the worker holding the conversation)."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(_("Please write your note."))
    if len(body) > MAX_NOTE_CHARS:
        raise DomainError(_("Please keep it under %(max)d characters.", max=MAX_NOTE_CHARS))
    note = ConversationNote(conversation_id=conversation.id, author_id=by.id, body=body)
    db.session.add(note)
    db.session.flush()
    return note
