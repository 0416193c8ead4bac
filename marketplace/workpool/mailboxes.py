"""The company's side of a mailbox: create and configure it, its inbound token,
canned replies (macros with placeholders) and the pool/forwarded choice."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigKind
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.workpool import triage
from marketplace.workpool.inbound import new_token
from marketplace.workpool.models import (
    DEFAULT_TIME_ZONE,
    CannedReply,
    Conversation,
    ConversationStatus,
    Mailbox,
    MailboxMode,
)
from marketplace.workpool.signatures import reply_name, valid_time_zone

# Placeholders a canned reply may use; anything else in braces is refused when
# the company saves it, so a worker never sends a literal "{ordernumber}".
PLACEHOLDERS = ("customer_name", "order_number", "subject", "worker_name")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# A keyword (any case), a few words at most, then the number: it must contain a
# digit, so "Bestellung ist noch nicht da" does not give "noch".
_ORDER_NUMBER = re.compile(
    r"(?i:order|bestellung|bestellnummer|auftrag)[^\n]{0,30}?"
    r"(?<![\w-])([A-Z]{0,4}-?\d[\dA-Z-]{2,})"
)


@dataclass
class MailboxSettings:
    name: str
    from_address: str
    from_name: str
    reply_to: str
    signature: str
    mode: MailboxMode
    forward_to_id: int | None
    ack_de: str
    ack_en: str
    first_response_hours: int
    retention_days: int
    lease_minutes: int
    escalation_rate_cents: int
    time_zone: str = DEFAULT_TIME_ZONE


def hired_workers(gig: Gig) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Engagement, Engagement.worker_id == User.id)
            .where(Engagement.gig_id == gig.id, Engagement.status == EngagementStatus.ACTIVE)
            .order_by(User.display_name)
        )
    )


def _check(gig: Gig, settings: MailboxSettings) -> None:
    if gig.kind != GigKind.EMAIL_SUPPORT:
        raise DomainError(_("Only email support gigs can have a mailbox."))
    if not settings.name.strip() or not settings.from_address.strip():
        raise DomainError(_("Please give the mailbox a name and a sender address."))
    if not 1 <= settings.first_response_hours <= 24 * 14:
        raise DomainError(_("The first-response target must be between 1 hour and 14 days."))
    if not 1 <= settings.retention_days <= 3650:
        raise DomainError(_("Keep messages for between 1 and 3650 days."))
    if not 5 <= settings.lease_minutes <= 120:
        raise DomainError(_("A lease must last between 5 and 120 minutes."))
    if not 0 <= settings.escalation_rate_cents <= gig.rate_cents:
        raise DomainError(_("The escalation rate must be between 0 and the gig's rate."))
    if not valid_time_zone(settings.time_zone):
        raise DomainError(_("Please choose a time zone from the list."))
    if not settings.ack_de.strip() or not settings.ack_en.strip():
        raise DomainError(_("Both acknowledgment texts (German and English) are needed."))
    if settings.mode == MailboxMode.FORWARDED:
        hired = {worker.id for worker in hired_workers(gig)}
        if settings.forward_to_id not in hired:
            raise DomainError(_("Please choose a worker hired on this gig to forward to."))


def create_mailbox(gig: Gig, settings: MailboxSettings, *, by: User) -> tuple[Mailbox, str]:
    """A new mailbox for the gig; returns it and its inbound token (shown once)."""
    _check(gig, settings)
    token, token_hash = new_token()
    mailbox = Mailbox(gig_id=gig.id, company_id=gig.company_id, token_hash=token_hash)
    _apply(mailbox, settings)
    db.session.add(mailbox)
    db.session.flush()
    triage.install_default_rules(mailbox)
    record(actor=by, action="mailbox.create", object_type="mailbox", object_id=mailbox.id)
    return mailbox, token


def _apply(mailbox: Mailbox, settings: MailboxSettings) -> None:
    mailbox.name = settings.name.strip()
    mailbox.from_address = settings.from_address.strip()
    mailbox.from_name = settings.from_name.strip()
    mailbox.reply_to = settings.reply_to.strip()
    mailbox.signature = settings.signature.strip()
    mailbox.mode = settings.mode
    mailbox.forward_to_id = (
        settings.forward_to_id if settings.mode == MailboxMode.FORWARDED else None
    )
    mailbox.ack_de = settings.ack_de.strip()
    mailbox.ack_en = settings.ack_en.strip()
    mailbox.first_response_hours = settings.first_response_hours
    mailbox.retention_days = settings.retention_days
    mailbox.lease_minutes = settings.lease_minutes
    mailbox.escalation_rate_cents = settings.escalation_rate_cents
    mailbox.time_zone = settings.time_zone


def update_mailbox(mailbox: Mailbox, settings: MailboxSettings, *, by: User) -> None:
    """Change the settings; switching pool ↔ forwarded re-assigns the waiting queue."""
    _check(mailbox.gig, settings)
    _apply(mailbox, settings)
    db.session.execute(
        sa.update(Conversation)
        .where(
            Conversation.mailbox_id == mailbox.id,
            Conversation.status == ConversationStatus.WAITING,
        )
        .values(assigned_to_id=mailbox.forward_to_id)
        .execution_options(synchronize_session=False)
    )
    record(actor=by, action="mailbox.update", object_type="mailbox", object_id=mailbox.id)


def rotate_token(mailbox: Mailbox, *, by: User) -> str:
    """A new inbound token; the old one stops working at once."""
    token, mailbox.token_hash = new_token()
    record(actor=by, action="mailbox.rotate_token", object_type="mailbox", object_id=mailbox.id)
    return token


def _check_macro(title: str, body: str) -> None:
    if not title.strip() or not body.strip():
        raise DomainError(_("A canned reply needs a title and a text."))
    unknown = sorted(set(_PLACEHOLDER.findall(body)) - set(PLACEHOLDERS))
    if unknown:
        raise DomainError(
            _(
                "Unknown placeholder %(names)s. You can use: %(known)s.",
                names=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            )
        )


def save_canned_reply(
    mailbox: Mailbox, *, title: str, body: str, canned: CannedReply | None = None
) -> CannedReply:
    _check_macro(title, body)
    if canned is None:
        canned = CannedReply(mailbox_id=mailbox.id)
        db.session.add(canned)
    canned.title = title.strip()[:120]
    canned.body = body.strip()
    db.session.flush()
    return canned


def delete_canned_reply(canned: CannedReply) -> None:
    db.session.delete(canned)


def canned_replies(mailbox: Mailbox) -> list[CannedReply]:
    return list(
        db.session.scalars(
            sa.select(CannedReply)
            .where(CannedReply.mailbox_id == mailbox.id)
            .order_by(CannedReply.title)
        )
    )


def order_number(text: str) -> str:
    """The first thing that looks like an order number in the customer's text, or ""."""
    match = _ORDER_NUMBER.search(text)
    return match.group(1) if match else ""


def fill_placeholders(body: str, *, conversation: Conversation, worker: User, text: str) -> str:
    """A canned reply with its placeholders filled for this conversation; a value we
    cannot know stays visible as the placeholder so the worker fills it in."""
    values = {
        "customer_name": conversation.customer_name or "",
        "order_number": order_number(text),
        "subject": conversation.subject,
        # The name the worker signs with (first name by default), never more.
        "worker_name": reply_name(worker),
    }

    def fill(match: re.Match[str]) -> str:
        return values.get(match.group(1)) or match.group(0)

    return _PLACEHOLDER.sub(fill, body)
