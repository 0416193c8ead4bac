"""Forms of the company's side of the email work pool: a mailbox's settings, canned
replies, uploading customer mail, answering an escalation, reviewing answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from marketplace.accounts.models import User
from marketplace.forms_common import AmountField, no_control_characters
from marketplace.payments.company_forms import amount_required
from marketplace.workpool.mailboxes import MailboxSettings
from marketplace.workpool.models import (
    DEFAULT_ACK_DE,
    DEFAULT_ACK_EN,
    DEFAULT_TIME_ZONE,
    Mailbox,
    MailboxMode,
)
from marketplace.workpool.pool import MAX_BODY_CHARS
from marketplace.workpool.signatures import time_zones

TEXT_MAX = 5000


def _whole_number(label: Any) -> IntegerField:
    return IntegerField(
        label, validators=[InputRequired(message=_l("Please enter a whole number."))]
    )


def _worker_id(value: Any) -> int | None:
    """The chosen worker's id; the empty choice ("nobody") is None."""
    if value in (None, "", "None"):
        return None
    return int(value)


class MailboxForm(FlaskForm):
    name = StringField(
        _l("Name of the mailbox"),
        validators=[
            DataRequired(message=_l("Please give the mailbox a name.")),
            Length(max=120),
            no_control_characters,
        ],
    )
    from_address = EmailField(
        _l("Sender address (From)"),
        validators=[
            DataRequired(message=_l("Please enter the address replies are sent from.")),
            Email(check_deliverability=False, message=_l("Please enter a valid email address.")),
            Length(max=254),
        ],
    )
    from_name = StringField(_l("Sender name"), validators=[Length(max=120), no_control_characters])
    reply_to = EmailField(
        _l("Reply-To address"),
        validators=[
            Optional(),
            Email(check_deliverability=False, message=_l("Please enter a valid email address.")),
            Length(max=254),
        ],
    )
    signature = TextAreaField(
        _l("Signature"), validators=[Length(max=TEXT_MAX), no_control_characters]
    )
    mode = RadioField(
        _l("Who answers"),
        choices=[
            SelectChoice(MailboxMode.POOL.value, _l("Pool: any hired worker takes the next email")),
            SelectChoice(
                MailboxMode.FORWARDED.value, _l("Forwarded: every email goes to one worker")
            ),
        ],
        default=MailboxMode.POOL.value,
    )
    forward_to_id = SelectField(
        _l("Worker for forwarded mail"), coerce=_worker_id, validate_choice=False
    )
    ack_de = TextAreaField(
        _l("Acknowledgment in German"),
        validators=[
            DataRequired(message=_l("Both acknowledgment texts (German and English) are needed.")),
            Length(max=TEXT_MAX),
            no_control_characters,
        ],
    )
    ack_en = TextAreaField(
        _l("Acknowledgment in English"),
        validators=[
            DataRequired(message=_l("Both acknowledgment texts (German and English) are needed.")),
            Length(max=TEXT_MAX),
            no_control_characters,
        ],
    )
    first_response_hours = _whole_number(_l("First-response target (hours)"))
    retention_days = _whole_number(_l("Keep messages for (days)"))
    lease_minutes = _whole_number(_l("Time a worker holds an email (minutes)"))
    escalation_rate = AmountField(
        _l("Pay for an escalation in euros"), validators=[amount_required]
    )
    time_zone = SelectField(_l("Time zone"), default=DEFAULT_TIME_ZONE)

    def __init__(self, *args: Any, workers: list[User], mailbox: Mailbox | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(zone, zone) for zone in time_zones()]
        self.forward_to_id.choices = [SelectChoice("", _l("Nobody"))] + [
            SelectChoice(str(worker.id), worker.display_name) for worker in workers
        ]
        if not self.is_submitted():
            for name, value in _initial(mailbox).items():
                getattr(self, name).data = value

    def settings(self) -> MailboxSettings:
        return MailboxSettings(
            name=self.name.data or "",
            from_address=self.from_address.data or "",
            from_name=self.from_name.data or "",
            reply_to=self.reply_to.data or "",
            signature=(self.signature.data or "").replace("\r\n", "\n"),
            mode=MailboxMode(self.mode.data),
            forward_to_id=self.forward_to_id.data,
            ack_de=(self.ack_de.data or "").replace("\r\n", "\n"),
            ack_en=(self.ack_en.data or "").replace("\r\n", "\n"),
            first_response_hours=self.first_response_hours.data,
            retention_days=self.retention_days.data,
            lease_minutes=self.lease_minutes.data,
            escalation_rate_cents=self.escalation_rate.data,
            time_zone=self.time_zone.data or DEFAULT_TIME_ZONE,
        )


def _initial(mailbox: Mailbox | None) -> dict[str, Any]:
    """What the form shows first: the mailbox's settings, or the defaults for a new one."""
    if mailbox is None:
        return {
            "mode": MailboxMode.POOL.value,
            "ack_de": DEFAULT_ACK_DE,
            "ack_en": DEFAULT_ACK_EN,
            "first_response_hours": 24,
            "retention_days": 90,
            "lease_minutes": 15,
            "escalation_rate": 0,
            "time_zone": DEFAULT_TIME_ZONE,
        }
    return {
        "name": mailbox.name,
        "from_address": mailbox.from_address,
        "from_name": mailbox.from_name,
        "reply_to": mailbox.reply_to,
        "signature": mailbox.signature,
        "mode": mailbox.mode.value,
        "forward_to_id": mailbox.forward_to_id,
        "ack_de": mailbox.ack_de,
        "ack_en": mailbox.ack_en,
        "first_response_hours": mailbox.first_response_hours,
        "retention_days": mailbox.retention_days,
        "lease_minutes": mailbox.lease_minutes,
        "escalation_rate": mailbox.escalation_rate_cents,
        "time_zone": mailbox.time_zone,
    }


class CannedReplyForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("A canned reply needs a title and a text.")),
            Length(max=120),
            no_control_characters,
        ],
    )
    body = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(message=_l("A canned reply needs a title and a text.")),
            Length(max=TEXT_MAX),
            no_control_characters,
        ],
    )


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Customer emails: .eml files, or one .mbox file"))


class AnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Your answer to the customer"),
        validators=[
            DataRequired(message=_l("Please write your answer.")),
            Length(max=MAX_BODY_CHARS),
            no_control_characters,
        ],
    )
