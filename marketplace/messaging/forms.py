"""Forms of conversations: a message, a report, the admin's note on a report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.reasons import REASON_MAX


class MessageForm(FlaskForm):
    # The service cleans and counts the text (control characters removed, line breaks
    # as one character each) and says when it is too long.
    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(message=_l("Please write a message."))],
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
