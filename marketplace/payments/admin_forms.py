"""The admin's money forms: deciding a dispute, and the buttons that only post."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.reasons import REASON_MAX

PAY_WORKER, FOR_COMPANY = "worker", "company"
CHOOSE = _l("Please choose: pay the worker or agree with the company.")


class DisputeDecisionForm(FlaskForm):
    """Two submit buttons named ``decision`` carry the outcome; the note is required."""

    decision = StringField(
        _l("Decision"),
        validators=[
            InputRequired(message=CHOOSE),
            AnyOf([PAY_WORKER, FOR_COMPANY], message=CHOOSE),
        ],
    )
    note = TextAreaField(
        _l("Note (the worker reads it)"),
        validators=[
            DataRequired(message=_l("Please write a note explaining the decision.")),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )

    @property
    def pay_worker(self) -> bool:
        return self.decision.data == PAY_WORKER


class ActionForm(FlaskForm):
    """For buttons that only post (run payouts, check the ledger): the CSRF token."""
