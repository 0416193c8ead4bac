from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms_common import (
    AmountField,
    AmountRange,
    MultiCheckboxField,
    no_control_characters,
)
from marketplace.gigs.content import (
    COMMUNITIES_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Community,
    GigContent,
)
from marketplace.gigs.labels import KIND_LABELS, PAY_MODEL_LABELS
from marketplace.gigs.languages import language_choices
from marketplace.gigs.models import ContentTag, GigKind, PayModel
from marketplace.gigs.queries import GigFilters, SortOrder
from marketplace.gigs.search import QUERY_MAX_CHARS
from marketplace.gigs.services import HOURS_PER_WEEK_MAX, OPENINGS_MAX, REPORT_REASON_MAX
from marketplace.money import cents_to_input

BLANK_COMMUNITY_ROWS = 2


class CommunityForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120), no_control_characters])
    audience = StringField(
        _l("Audience"), validators=[Optional(), Length(max=200), no_control_characters]
    )
    description = TextAreaField(
        _l("Short description"), validators=[Optional(), Length(max=1000), no_control_characters]
    )


def _max_rate() -> int:
    return current_app.config["MAX_RATE_CENTS"]


class GigForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(min=3, max=TITLE_MAX), no_control_characters],
    )
    kind = SelectField(_l("Kind of work"), validators=[DataRequired()])
    description = TextAreaField(
        _l("Description (Markdown)"),
        validators=[
            DataRequired(),
            Length(
                max=DESCRIPTION_MAX,
                message=_l("Please keep the description to at most %(max)d characters."),
            ),
            no_control_characters,
        ],
    )
    languages = MultiCheckboxField(
        _l("Languages"),
        validators=[DataRequired(message=_l("Please choose at least one language."))],
    )
    pay_model = SelectField(_l("Pay model"), validators=[DataRequired()])
    rate = AmountField(
        _l("Rate in EUR (what the worker earns per unit)"),
        validators=[
            InputRequired(message=_l("Please enter the rate, for example 0,80.")),
            AmountRange(1, _max_rate),
        ],
    )
    hours_per_week = IntegerField(
        _l("Expected hours per week"),
        validators=[InputRequired(), NumberRange(min=1, max=HOURS_PER_WEEK_MAX)],
    )
    openings = IntegerField(
        _l("Number of openings"), validators=[InputRequired(), NumberRange(min=1, max=OPENINGS_MAX)]
    )
    tags = MultiCheckboxField(_l("Content tags"), coerce=int)
    communities = FieldList(
        FormField(CommunityForm), max_entries=COMMUNITIES_MAX + BLANK_COMMUNITY_ROWS
    )

    def __init__(self, *args: Any, tags: list[ContentTag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, label) for kind, label in KIND_LABELS.items()]
        self.pay_model.choices = [(m.value, label) for m, label in PAY_MODEL_LABELS.items()]
        self.languages.choices = language_choices()
        self.tags.choices = [(tag.id, tag.name) for tag in tags]
        self.available_tags = tags
        if not self.communities.entries:
            for _row in range(BLANK_COMMUNITY_ROWS):
                self.communities.append_entry()

    def validate_communities(self, field: FieldList) -> None:
        # Messages are rendered as plain strings next to the whole list (not lazy).
        rows = [entry.form for entry in field.entries]
        for row in rows:
            if bool((row.name.data or "").strip()) != bool((row.audience.data or "").strip()):
                raise ValidationError(_("Every community needs both a name and an audience."))
        named = [row for row in rows if (row.name.data or "").strip()]
        is_moderation = self.kind.data in {k.value for k in GigKind if k.is_moderation}
        if is_moderation and not named:
            raise ValidationError(
                _("Moderation gigs must name at least one community or chat to be moderated.")
            )

    def content(self) -> GigContent:
        return GigContent(
            title=self.title.data,
            kind=GigKind(self.kind.data),
            description=self.description.data,
            pay_model=PayModel(self.pay_model.data),
            rate_cents=self.rate.data,
            languages=tuple(self.languages.data or ()),
            tag_ids=tuple(self.tags.data or ()),
            communities=tuple(
                Community(
                    entry.form.name.data or "",
                    entry.form.audience.data or "",
                    entry.form.description.data or "",
                )
                for entry in self.communities.entries
            ),
        )

    def fill_from(self, content: GigContent, *, hours_per_week: int, openings: int) -> None:
        """Prefill for editing (GET only)."""
        self.title.data = content.title
        self.kind.data = content.kind.value
        self.description.data = content.description
        self.pay_model.data = content.pay_model.value
        self.rate.data = content.rate_cents
        self.rate.raw_data = [cents_to_input(content.rate_cents)]
        self.languages.data = list(content.languages)
        self.tags.data = list(content.tag_ids)
        self.hours_per_week.data = hours_per_week
        self.openings.data = openings
        while self.communities.entries:
            self.communities.pop_entry()
        for community in content.communities:
            self.communities.append_entry(
                {
                    "name": community.name,
                    "audience": community.audience,
                    "description": community.description,
                }
            )
        for _row in range(BLANK_COMMUNITY_ROWS):
            self.communities.append_entry()


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with this listing?"),
        validators=[DataRequired(), Length(max=REPORT_REASON_MAX), no_control_characters],
    )


class GigSearchForm(Form):
    """The browse page's filters, read from the query string (no CSRF: GET only)."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=QUERY_MAX_CHARS)])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    pay_model = SelectField(_l("Pay model"), validators=[Optional()])
    min_rate = AmountField(_l("Minimum rate (EUR)"), validators=[Optional()])
    include = MultiCheckboxField(_l("Only with these tags"))
    exclude = MultiCheckboxField(_l("Without these tags"))
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10_000)])

    def __init__(self, formdata: Any, *, tags: list[ContentTag]) -> None:
        super().__init__(formdata)
        self.kind.choices = [("", _l("Any kind"))] + [(k.value, v) for k, v in KIND_LABELS.items()]
        self.language.choices = [("", _l("Any language")), *language_choices()]
        self.pay_model.choices = [("", _l("Any pay model"))] + [
            (m.value, label) for m, label in PAY_MODEL_LABELS.items()
        ]
        self.sort.choices = [
            (SortOrder.NEWEST.value, _l("Newest")),
            (SortOrder.PAY.value, _l("Best pay")),
        ]
        tag_choices = [(tag.slug, tag.name) for tag in tags]
        self.include.choices = tag_choices
        self.exclude.choices = tag_choices

    def filters(self) -> GigFilters:
        """The valid filters; a field with an error is left out (and shown with its error)."""

        def valid(field: Any) -> Any:
            return field.data if field.data and not field.errors else None

        kind, pay_model, sort = valid(self.kind), valid(self.pay_model), valid(self.sort)
        return GigFilters(
            q=valid(self.q) or "",
            kind=GigKind(kind) if kind else None,
            language=valid(self.language),
            pay_model=PayModel(pay_model) if pay_model else None,
            min_rate_cents=self.min_rate.data if not self.min_rate.errors else None,
            include_tags=list(valid(self.include) or []),
            exclude_tags=list(valid(self.exclude) or []),
            sort=SortOrder(sort) if sort else SortOrder.NEWEST,
            page=valid(self.page) or 1,
        )
