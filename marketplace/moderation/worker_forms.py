"""The moderator's forms on the item page. One form class for the decisions, each
action's form under its own prefix (so every field has its own id); the service
checks what each action needs (a rule, a message, a category)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from marketplace.forms_common import no_control_characters
from marketplace.moderation.decisions import MESSAGE_MAX_CHARS
from marketplace.moderation.worker_queries import CATEGORY_LABELS


def _optional_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class DecisionForm(FlaskForm):
    rule_id = SelectField(_l("Rule broken"), coerce=_optional_int, validate_choice=False)
    message = TextAreaField(
        _l("Message to the user (in their language)"),
        validators=[
            Optional(),
            Length(max=MESSAGE_MAX_CHARS, message=_l("Please keep it shorter.")),
            no_control_characters,
        ],
    )
    mute_minutes = IntegerField(
        _l("Mute for (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=60 * 24 * 365)],
    )
    category = SelectField(
        _l("Why the company must look at it"),
        choices=[(key.value, label) for key, label in CATEGORY_LABELS.items()],
        validate_choice=False,
    )
    internal_note = TextAreaField(
        _l("Note for the company (only the company sees this)"),
        validators=[Optional(), Length(max=2000), no_control_characters],
    )
    false_positive = BooleanField(_l("The word-list hit was a false positive"))


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Note on this author (for other moderators and the company)"),
        validators=[
            Length(min=1, max=2000, message=_l("Please write a note of at most 2000 characters.")),
            no_control_characters,
        ],
    )


class TeamPostForm(FlaskForm):
    """The live view: a message into the channel as "the moderation team"."""

    channel = StringField(
        _l("Channel"),
        validators=[Length(min=1, max=200, message=_l("Please choose the channel to post in."))],
    )
    text = TextAreaField(
        _l("Message as the moderation team"),
        validators=[
            Length(
                min=1, max=2000, message=_l("Please write a message of at most 2000 characters.")
            ),
            no_control_characters,
        ],
    )
