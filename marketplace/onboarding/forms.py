"""Forms of the seeker's side: applying and acknowledging the rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from marketplace.forms_common import MultiCheckboxField, no_control_characters
from marketplace.gigs.languages import language_choices
from marketplace.onboarding.applications import NOTE_MAX
from marketplace.reasons import REASON_MAX


class ApplyForm(FlaskForm):
    note = TextAreaField(
        _l("A short note to the company"),
        validators=[Length(max=NOTE_MAX), no_control_characters],
    )
    hours_per_week = IntegerField(
        _l("Hours per week you can work"), validators=[InputRequired(), NumberRange(min=1, max=60)]
    )
    languages = MultiCheckboxField(
        _l("Languages you can work in"),
        validators=[DataRequired(message=_l("Please choose at least one language."))],
    )
    # For gigs with mature content: the confirmation and what it was about.
    consent = BooleanField(_l("I am an adult and I agree to see and handle exactly this content."))
    consent_fingerprint = HiddenField()

    def __init__(self, *args: Any, mature: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices()
        self.mature = mature

    def validate_consent(self, field: BooleanField) -> None:
        if self.mature and not field.data:
            raise ValidationError(_l("Please confirm the content you would work with."))


class RulesForm(FlaskForm):
    rules_hash = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(
        _l("I have read these rules and will follow them."),
        validators=[DataRequired(message=_l("Please confirm that you have read the rules."))],
    )


class DecisionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Please give a reason.")),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )
