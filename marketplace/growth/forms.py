"""Forms of levels and offers: a gig's level settings, a company's offer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.forms_common import AmountField, no_control_characters
from marketplace.growth.gig_levels import LevelSettings
from marketplace.growth.labels import LEVEL_LABELS, OFFER_KIND_LABELS
from marketplace.growth.models import LEVEL_ORDER, Level, OfferKind
from marketplace.growth.offers import MAX_WEEKLY_HOURS, MESSAGE_MAX, OfferTerms


class GigLevelsForm(FlaskForm):
    min_level = SelectField(_l("Who may apply"), validators=[InputRequired()])
    experienced_rate = AmountField(
        _l("Rate in EUR for Experienced workers (empty: the gig's rate)"), validators=[Optional()]
    )
    top_rate = AmountField(
        _l("Rate in EUR for Top workers (empty: as for Experienced)"), validators=[Optional()]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.min_level.choices = [
            (Level.NEW.value, _l("Everyone (any level)")),
            *[(level.value, LEVEL_LABELS[level]) for level in LEVEL_ORDER[1:]],
        ]

    def values(self) -> LevelSettings:
        return LevelSettings(
            min_level=Level(self.min_level.data),
            experienced_rate_cents=self.experienced_rate.data,
            top_rate_cents=self.top_rate.data,
        )


class OfferForm(FlaskForm):
    kind = RadioField(
        _l("What do you offer?"),
        choices=[(kind.value, label) for kind, label in OFFER_KIND_LABELS.items()],
        validators=[InputRequired(message=_l("Please choose what you offer."))],
    )
    weekly_hours = IntegerField(
        _l("Weekly hours (more hours)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_WEEKLY_HOURS)],
    )
    rate = AmountField(
        _l("New rate in EUR (higher rate; optional for team lead)"), validators=[Optional()]
    )
    review_rate = AmountField(
        _l("Rate in EUR per reviewed unit (team lead)"), validators=[Optional()]
    )
    message = TextAreaField(
        _l("Message to the worker"),
        validators=[Optional(), Length(max=MESSAGE_MAX), no_control_characters],
    )
    terms_text = TextAreaField(
        _l("Salary and terms (full-time position)"),
        validators=[Optional(), Length(max=MESSAGE_MAX), no_control_characters],
    )

    def values(self) -> OfferTerms:
        kind = OfferKind(self.kind.data)
        with_rate = kind in (OfferKind.HIGHER_RATE, OfferKind.TEAM_LEAD)
        return OfferTerms(
            kind=kind,
            message=self.message.data or "",
            weekly_hours=self.weekly_hours.data,
            rate_cents=self.rate.data if with_rate else None,
            review_rate_cents=self.review_rate.data,
            terms_text=self.terms_text.data or "",
        )
