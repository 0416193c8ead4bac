"""Demo data for the email work pool: Radwerk's support mailbox on Shop Demo GmbH's
German email gig, with customer emails in German and English and some work done.

Made through the services, as in ``marketplace.seed.demo``: the company's balance
was paid by card through Stripe before the seeker was hired (``marketplace.seed.money``;
funded here only if an older demo hired without it), the mailbox and its canned replies are
saved by ``mailboxes``, every customer email is built as raw RFC 822 bytes and
stored by ``inbound.store`` (so parsing, threading and attachments are the real
thing), and seeker@demo.test claims, answers and escalates through ``pool``.
The owner approves the first answers (``units.approve``), so the seeker has earnings
for the next payout run and the review queue keeps the rest. Queued replies are then
sent with ``outgoing.send_due_replies`` over the app's ``MAIL_URL`` (``console://`` in
development: they are logged, nothing leaves).

Runs once: when the gig already has a mailbox, nothing happens (every email also
has a fixed Message-ID, which ``inbound.store`` keeps once).

Shortcuts, acceptable for demo data only:
- arrival times are moved into the past after storing (received, waiting since,
  first-response target), so the queue has old and overdue conversations; the
  worked conversations arrived a few hours ago and are answered at seeding time;
- the mailbox gets a known inbound token (``DEMO_INBOUND_TOKEN``, printed like the
  demo password) instead of the random one ``create_mailbox`` shows once;
- ``send_due_replies`` commits (one transaction per reply, as from cron), so this
  step commits the demo seeded so far; the CLI's final commit takes the rest.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.payments import units
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.seed import money, workpool_triage
from marketplace.seed.demo_data import (
    RADWERK_EMAIL_GIG,
    SEEKER_EMAIL,
    SHOP_COMPANY,
    SHOP_OWNER_EMAIL,
)
from marketplace.seed.workpool_data import (
    ACK_DE,
    ACK_EN,
    APPROVED_ANSWERS,
    CANNED_REPLIES,
    DEMO_INBOUND_TOKEN,
    ESCALATION_RATE_CENTS,
    FIRST_RESPONSE_HOURS,
    FOLLOW_UP_TO_ANSWER,
    FROM_ADDRESS,
    FUNDING_CENTS,
    MAILBOX_NAME,
    SIGNATURE,
    WAITING,
    WORKED,
    CustomerMail,
)
from marketplace.workpool import inbound, mailboxes, outgoing, pool
from marketplace.workpool.connections import forwarding_address
from marketplace.workpool.models import Conversation, Mailbox, MailboxMode, Message, Reply


@dataclass
class WorkpoolSeed:
    created: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)


def seed_workpool() -> WorkpoolSeed:
    """Create the demo mailbox and its mail unless the gig has a mailbox already."""
    result = WorkpoolSeed()
    company = db.session.scalar(sa.select(Company).where(Company.name == SHOP_COMPANY))
    gig = db.session.scalar(
        sa.select(Gig).where(Gig.company_id == company.id, Gig.title == RADWERK_EMAIL_GIG)
    )
    mailbox = db.session.scalar(
        sa.select(Mailbox).where(Mailbox.gig_id == gig.id).order_by(Mailbox.id).limit(1)
    )
    if mailbox is None:
        owner = accounts.find_user_by_email(SHOP_OWNER_EMAIL)
        seeker = accounts.find_user_by_email(SEEKER_EMAIL)
        mailbox = _Run(company, gig, owner, seeker, result).play()
    result.lines[:0] = [
        f"Email work pool: mailbox {mailbox.name!r} (id {mailbox.id}) of {SHOP_COMPANY}; "
        f"{SEEKER_EMAIL} takes its emails under “Next email”.",
        f"  Post mail: curl -H 'Authorization: Bearer {DEMO_INBOUND_TOKEN}' "
        f"--data-binary @mail.eml http://127.0.0.1:5000/api/v1/mailboxes/{mailbox.id}/messages",
    ]
    address = forwarding_address(mailbox)
    if address:
        result.lines.insert(
            2,
            f"  Or forward to {address}: run `flask mailboxes smtpd` (127.0.0.1:2525) "
            "and send there (README: Feeding a mailbox)",
        )
    return result


class _Run:
    def __init__(
        self, company: Company, gig: Gig, owner: User, seeker: User, result: WorkpoolSeed
    ) -> None:
        self.company, self.gig, self.owner, self.seeker = company, gig, owner, seeker
        self.result = result
        self.created = result.created
        self.conversations: dict[str, Conversation] = {}

    def play(self) -> Mailbox:
        self._fund()
        self.mailbox = self._mailbox()
        for title, body in CANNED_REPLIES:
            mailboxes.save_canned_reply(self.mailbox, title=title, body=body)
            self.created["canned replies"] += 1
        self.created["priority rules"] += workpool_triage.add_rules(self.mailbox, self.owner)
        # The worked mails first and alone, worked in the order the pool hands them
        # out: urgent ones (the data-protection request) first, then by arrival.
        for mail in WORKED:
            self._store(mail)
        for mail in sorted(WORKED, key=lambda m: self.conversations[m.key].priority != "urgent"):
            if not self._work(mail):
                break
        self._approve_first_answers()
        for mail in WAITING:
            self._store(mail)
        db.session.flush()
        self.created.update(
            workpool_triage.play(self.mailbox, self.conversations, self.owner, self.seeker)
        )
        outgoing.send_due_replies()  # commits, one reply at a time
        self._follow_up(FOLLOW_UP_TO_ANSWER, WORKED[0])
        db.session.flush()
        return self.mailbox

    def _fund(self) -> None:
        if not money.has_funds(self.company):
            money.fund(self.company, by=self.owner, amount_cents=FUNDING_CENTS)
            self.created["payments"] += 1

    def _approve_first_answers(self) -> None:
        """The owner approves the first answers; the rest wait in the review queue."""
        answers = db.session.scalars(
            sa.select(WorkUnit)
            .where(
                WorkUnit.worker_id == self.seeker.id,
                WorkUnit.gig_id == self.gig.id,
                WorkUnit.status == UnitStatus.PENDING,
                WorkUnit.source.like("email:reply:%"),
            )
            .order_by(WorkUnit.id)
            .limit(APPROVED_ANSWERS)
        ).all()
        for unit in answers:
            units.approve(unit, by=self.owner)
            self.created["approved units"] += 1

    def _mailbox(self) -> Mailbox:
        settings = mailboxes.MailboxSettings(
            name=MAILBOX_NAME,
            from_address=FROM_ADDRESS,
            from_name=MAILBOX_NAME,
            reply_to="",
            signature=SIGNATURE,
            mode=MailboxMode.POOL,
            forward_to_id=None,
            ack_de=ACK_DE,
            ack_en=ACK_EN,
            first_response_hours=FIRST_RESPONSE_HOURS,
            retention_days=90,
            lease_minutes=15,
            escalation_rate_cents=ESCALATION_RATE_CENTS,
        )
        mailbox, _token = mailboxes.create_mailbox(self.gig, settings, by=self.owner)
        mailbox.token_hash = inbound.hash_token(DEMO_INBOUND_TOKEN)
        self.created["mailboxes"] += 1
        return mailbox

    # --- customer mail ------------------------------------------------------------------
    def _store(self, mail: CustomerMail, *, in_reply_to: str | None = None) -> Message:
        """Store the mail as it arrived ``mail.hours_ago`` hours ago."""
        arrived = utcnow() - timedelta(hours=mail.hours_ago)
        if mail.in_reply_to:
            earlier = next(m for m in (*WORKED, *WAITING) if m.key == mail.in_reply_to)
            in_reply_to = earlier.message_id
        raw = customer_email(mail, to=self.mailbox, sent=arrived, in_reply_to=in_reply_to)
        before = utcnow()
        message, created = inbound.store(self.mailbox, raw)
        if not created:
            return message
        self.created["customer emails"] += 1
        message.received_at = arrived
        conversation = message.conversation
        if conversation.waiting_since >= before:  # opened (or reopened) by this mail
            conversation.waiting_since = arrived
            conversation.first_response_due_at = arrived + timedelta(hours=FIRST_RESPONSE_HOURS)
            if conversation.created_at >= before:
                conversation.created_at = arrived
        self.conversations[mail.key] = conversation
        db.session.flush()
        return message

    def _follow_up(self, mail: CustomerMail, answered: CustomerMail) -> None:
        """The customer answers our reply (threaded by In-Reply-To on its Message-ID)."""
        reply_id = db.session.scalar(
            sa.select(Reply.message_id)
            .where(Reply.conversation_id == self.conversations[answered.key].id)
            .order_by(Reply.id.desc())
            .limit(1)
        )
        if reply_id is not None:
            self._store(mail, in_reply_to=reply_id)

    # --- the worker ---------------------------------------------------------------------
    def _work(self, mail: CustomerMail) -> bool:
        """Take the next email as the demo seeker and answer or escalate it. False (and
        nothing done) when the pool would hand out something else, which happens only
        when the demo was changed by hand (the seeker not hired, or holding other work)."""
        expected = self.conversations[mail.key]
        claim = None if pool.held_by(self.seeker) else pool.claim_next(self.seeker)
        if claim is None or claim.conversation is not expected:
            if claim is not None and claim.conversation is not None:
                pool.release(claim.conversation, worker=self.seeker)
            self.result.lines.append(
                f"  (no demo work played: the pool would not hand {SEEKER_EMAIL} "
                f"{expected.subject!r})"
            )
            return False
        if mail.work == "answer":
            pool.answer(expected, worker=self.seeker, body=mail.reply)
            self.created["answers"] += 1
        else:
            pool.escalate(expected, worker=self.seeker, note=mail.reply)
            self.created["escalations"] += 1
        return True


def customer_email(
    mail: CustomerMail, *, to: Mailbox, sent: datetime, in_reply_to: str | None = None
) -> bytes:
    """The raw RFC 822 bytes of ``mail`` as a customer's mail program sends them."""
    message = EmailMessage()
    message["From"] = formataddr((mail.name, mail.address))
    message["To"] = formataddr((to.from_name, to.from_address))
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(sent - timedelta(minutes=1))
    message["Message-ID"] = mail.message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if mail.html:
        message.set_content(mail.body, subtype="html")
    else:
        message.set_content(mail.body)
    if mail.attachment:
        message.add_attachment(
            photo_png(), maintype="image", subtype="png", filename=mail.attachment
        )
    return message.as_bytes(policy=SMTP)


def photo_png(width: int = 48, height: int = 32) -> bytes:
    """A small valid PNG (a grey frame tube with a dark scratch), made without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            scratch = abs((x - 10) - (y - 8) * 2) < 2 and 6 < y < 24
            tube = 10 <= y <= 21
            rgb = (60, 40, 40) if scratch else (170, 175, 180) if tube else (235, 235, 230)
            row += bytes(rgb)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
