"""The rating form (three named aspects, 1–5 stars each, and a text) and the answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.forms_common import no_control_characters
from marketplace.ratings.models import ASPECTS, RatingSide
from marketplace.ratings.services import TEXT_MAX

STAR_CHOICES = [SelectChoice(n, str(n)) for n in range(1, 6)]


def _stars_field() -> RadioField:
    return RadioField(
        choices=STAR_CHOICES,
        coerce=int,
        validators=[InputRequired(message=_l("Please choose 1 to 5 stars."))],
    )


class RatingForm(FlaskForm):
    stars_1 = _stars_field()
    stars_2 = _stars_field()
    stars_3 = _stars_field()
    text = TextAreaField(
        _l("In your words (shown with the rating)"),
        validators=[Length(max=TEXT_MAX), no_control_characters],
    )

    def name_aspects(self, side: RatingSide) -> None:
        """Label the three star fields with the side's named aspects."""
        for field, (_key, label) in zip(
            (self.stars_1, self.stars_2, self.stars_3), ASPECTS[side], strict=True
        ):
            field.label.text = label

    def stars(self) -> list[int]:
        return [self.stars_1.data, self.stars_2.data, self.stars_3.data]


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer (once; shown below the rating)"),
        validators=[
            DataRequired(message=_l("Please write an answer.")),
            Length(max=TEXT_MAX),
            no_control_characters,
        ],
    )
