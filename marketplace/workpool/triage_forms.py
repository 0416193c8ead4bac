"""Forms of triage: priority rules, tags, a conversation's priority, worker, tags
and internal notes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms_common import MultiCheckboxField, no_control_characters
from marketplace.workpool.models import Priority
from marketplace.workpool.triage import MAX_NOTE_CHARS, MAX_PHRASE_CHARS, MAX_TAG_CHARS


def priority_choices() -> list[tuple[str, str]]:
    return [
        (Priority.URGENT.value, _l("Urgent")),
        (Priority.NORMAL.value, _l("Normal")),
        (Priority.LOW.value, _l("Low")),
    ]


def colour_choices() -> list[tuple[str, str]]:
    return [
        ("blue", _l("Blue")),
        ("green", _l("Green")),
        ("red", _l("Red")),
        ("purple", _l("Purple")),
        ("orange", _l("Orange")),
        ("teal", _l("Teal")),
        ("grey", _l("Grey")),
    ]


class RuleForm(FlaskForm):
    phrase = StringField(
        _l("Word or phrase (in the subject or the text)"),
        validators=[
            DataRequired(message=_l("Please enter a word or phrase.")),
            Length(max=MAX_PHRASE_CHARS),
            no_control_characters,
        ],
    )
    priority = SelectField(_l("Priority"), choices=priority_choices, default="urgent")


class TagForm(FlaskForm):
    name = StringField(
        _l("Name of the tag"),
        validators=[
            DataRequired(message=_l("Please enter a name.")),
            Length(max=MAX_TAG_CHARS),
            no_control_characters,
        ],
    )
    colour = SelectField(_l("Colour"), choices=colour_choices, default="blue")


class PriorityForm(FlaskForm):
    priority = SelectField(_l("Priority"), choices=priority_choices)


class AssignForm(FlaskForm):
    worker = SelectField(_l("Worker"), choices=[], validate_choice=False)


class ConversationTagsForm(FlaskForm):
    tags = MultiCheckboxField(_l("Tags"), choices=[], coerce=int, validate_choice=False)


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Internal note (the customer never sees it)"),
        validators=[
            DataRequired(message=_l("Please write your note.")),
            Length(
                max=MAX_NOTE_CHARS,
                message=_l("Please keep it under %(max)d characters.", max=MAX_NOTE_CHARS),
            ),
            no_control_characters,
        ],
    )
