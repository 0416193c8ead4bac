"""Forms of account standing: the person's appeal, the admin's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.reasons import REASON_MAX
from marketplace.standing.appeals import APPEAL_MAX


class AppealForm(FlaskForm):
    text = TextAreaField(
        _l("Your appeal: why should this measure be lifted?"),
        validators=[
            DataRequired(message=_l("Please write why the measure should be lifted.")),
            Length(
                max=APPEAL_MAX,
                message=_l("Please keep your appeal to at most %(max)d characters."),
            ),
            no_control_characters,
        ],
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            ("uphold", _l("Uphold: the measure stays")),
            ("lift", _l("Lift the measure")),
        ],
        validators=[InputRequired(message=_l("Please choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason (the person and, where a company is a side, the company read it)"),
        validators=[
            DataRequired(message=_l("Please give a reason.")),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )
