"""The worker's forms on the workbench: the answer to the customer and the
internal note of an escalation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.reasons import REASON_MAX
from marketplace.workpool.pool import MAX_BODY_CHARS


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
