"""Forms of conversations: a message, a report, the admin's note on a report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.messaging.services import MESSAGE_MAX
from marketplace.reasons import REASON_MAX


class MessageForm(FlaskForm):
    # Control characters are removed by the service, not refused: pasted text has them.
    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(message=_l("Please write a message.")),
            Length(
                max=MESSAGE_MAX,
                message=_l("Please keep a message to at most %(max)d characters."),
            ),
        ],
    )


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong? An administrator reads this conversation and your reason."),
        validators=[
            DataRequired(
                message=_l("Please say what is wrong, so that an administrator can help.")
            ),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )


class HandleReportForm(FlaskForm):
    note = TextAreaField(
        _l("Note (optional; for the audit log)"),
        validators=[Length(max=REASON_MAX), no_control_characters],
    )
