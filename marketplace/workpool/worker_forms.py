"""The worker's forms on the workbench: the answer to the customer and the
internal note of an escalation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.reasons import REASON_MAX
from marketplace.workpool.models import ReplyNameMode
from marketplace.workpool.pool import MAX_BODY_CHARS
from marketplace.workpool.signatures import CHOSEN_NAME_MAX


class AnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Your answer to the customer"),
        validators=[
            DataRequired(message=_l("Please write your answer.")),
            Length(
                max=MAX_BODY_CHARS,
                message=_l("Please keep it under %(max)d characters.", max=MAX_BODY_CHARS),
            ),
            no_control_characters,
        ],
    )
    # The newest message the worker's page showed: a newer customer message stops the send.
    last_seen = HiddenField()

    def seen_message_id(self) -> int | None:
        value = (self.last_seen.data or "").strip()
        return int(value) if value.isdigit() else None


class EscalateForm(FlaskForm):
    note = TextAreaField(
        _l("Why should the company take this over? (only the company sees this)"),
        validators=[
            DataRequired(message=_l("Please tell the company why you escalate.")),
            Length(
                max=REASON_MAX,
                message=_l("Please keep the reason to at most %(max)d characters.", max=REASON_MAX),
            ),
            no_control_characters,
        ],
    )


class ReplyNameForm(FlaskForm):
    mode = RadioField(
        _l("Name in my replies"),
        choices=[
            SelectChoice(ReplyNameMode.FIRST.value, _l("My first name")),
            SelectChoice(ReplyNameMode.FULL.value, _l("My full name")),
            SelectChoice(ReplyNameMode.CHOSEN.value, _l("A signature name I choose")),
        ],
        default=ReplyNameMode.FIRST.value,
    )
    chosen_name = StringField(
        _l("Signature name"),
        validators=[
            Length(
                max=CHOSEN_NAME_MAX,
                message=_l(
                    "Please keep the name to at most %(max)d characters.", max=CHOSEN_NAME_MAX
                ),
            ),
            no_control_characters,
        ],
    )
