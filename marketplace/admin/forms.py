from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.forms_common import MultiCheckboxField, no_control_characters
from marketplace.gigs.models import ContentTag

REASON_MAX = 2000


def _reason_field(label: Any, *, required: bool = True) -> TextAreaField:
    validators = [DataRequired(message=_l("Please give a reason."))] if required else [Optional()]
    return TextAreaField(
        label, validators=[*validators, Length(max=REASON_MAX), no_control_characters]
    )


class ApproveForm(FlaskForm):
    tags = MultiCheckboxField(_l("Content tags (correct them if needed)"), coerce=int)
    note = _reason_field(_l("Note to the company (optional)"), required=False)

    def __init__(self, *args: Any, tags: list[ContentTag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tags.choices = [(tag.id, tag.name) for tag in tags]


class RejectForm(FlaskForm):
    reason = _reason_field(_l("Reason for the company"))


class ReasonForm(FlaskForm):
    reason = _reason_field(_l("Reason"))

    @property
    def text(self) -> str:
        return self.reason.data or ""


SUSPENSION_CHOICES = [
    ("7", _l("7 days")),
    ("30", _l("30 days")),
    ("90", _l("90 days")),
    ("365", _l("365 days")),
    ("ban", _l("Ban: no end date, until lifted")),
]


class SuspendForm(FlaskForm):
    reason = _reason_field(_l("Reason (the person reads it)"))
    duration = SelectField(_l("How long"), choices=SUSPENSION_CHOICES, default="ban")

    @property
    def days(self) -> int | None:
        return None if self.duration.data == "ban" else int(self.duration.data)


class NoteForm(FlaskForm):
    note = _reason_field(_l("Note (optional)"), required=False)

    @property
    def text(self) -> str:
        return self.note.data or ""


class TagForm(FlaskForm):
    slug = StringField(
        _l("Short name (e.g. adult-chat)"), validators=[DataRequired(), Length(max=40)]
    )
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(), Length(max=60), no_control_characters]
    )
    name_de = StringField(
        _l("Name in German"), validators=[DataRequired(), Length(max=60), no_control_characters]
    )
    description_en = TextAreaField(
        _l("What it means, in English"), validators=[Length(max=1000), no_control_characters]
    )
    description_de = TextAreaField(
        _l("What it means, in German"), validators=[Length(max=1000), no_control_characters]
    )
    is_mature = BooleanField(_l("Mature content (only adults who opted in see such gigs)"))
    is_active = BooleanField(_l("Active (companies can choose it)"), default=True)


class AuditFilterForm(Form):
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    object_type = SelectField(_l("Object"), validators=[Optional()])
    object_id = IntegerField(_l("Object id"), validators=[Optional(), NumberRange(min=1)])
    actor = StringField(_l("Admin email"), validators=[Optional(), Length(max=254)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])

    def __init__(self, formdata: Any) -> None:
        super().__init__(formdata)
        self.object_type.choices = [
            ("", _l("Any object")),
            ("gig", _l("Gig")),
            ("company", _l("Company")),
            ("user", _l("User")),
            ("tag", _l("Tag")),
            ("report", _l("Report")),
        ]


class SearchForm(Form):
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])
