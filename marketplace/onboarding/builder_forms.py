"""Forms of the company's onboarding builder: rules, quiz settings, a question, an import.

The services check everything again (an imported file never passes through
these forms); the forms put the same messages next to the fields.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.forms_common import no_control_characters
from marketplace.onboarding.labels import QUESTION_KIND_LABELS
from marketplace.onboarding.models import QuestionKind
from marketplace.onboarding.services import (
    ATTEMPTS_MAX,
    OPTION_TEXT_MAX,
    OPTIONS_MAX,
    QUESTION_TEXT_MAX,
    RETRY_DELAY_MAX,
    RULES_MAX,
    TIME_LIMIT_MAX,
    QuizSettings,
)

OPTION_ROWS_MIN = 4  # rows shown for a new question; blank rows are ignored


class RulesForm(FlaskForm):
    rules = TextAreaField(
        _l("Rules and guidelines (Markdown)"),
        validators=[
            Length(
                max=RULES_MAX,
                message=_l("Please keep the rules to at most %(max)d characters."),
            ),
            no_control_characters,
        ],
    )


class SettingsForm(FlaskForm):
    pass_mark_percent = IntegerField(
        _l("Pass mark in percent"),
        validators=[
            InputRequired(message=_l("Please enter the pass mark in percent.")),
            NumberRange(0, 100, message=_l("The pass mark must be between 0 and 100 percent.")),
        ],
    )
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes"),
        validators=[
            Optional(),
            NumberRange(
                1,
                TIME_LIMIT_MAX,
                message=_l(
                    "The time limit must be between 1 and %(max)d minutes, or empty for no limit."
                ),
            ),
        ],
    )
    max_attempts = IntegerField(
        _l("Maximum number of attempts"),
        validators=[
            InputRequired(message=_l("Please enter the number of attempts.")),
            NumberRange(
                1, ATTEMPTS_MAX, message=_l("The number of attempts must be between 1 and %(max)d.")
            ),
        ],
    )
    retry_delay_minutes = IntegerField(
        _l("Waiting time between attempts, in minutes"),
        validators=[
            InputRequired(message=_l("Please enter the waiting time (0 for none).")),
            NumberRange(
                0,
                RETRY_DELAY_MAX,
                message=_l(
                    "The waiting time between attempts must be between 0 and %(max)d minutes."
                ),
            ),
        ],
    )
    questions_per_attempt = IntegerField(
        _l("Questions drawn at random per attempt"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                message=_l(
                    "Draw at least 1 question, or leave the field empty to ask all of them."
                ),
            ),
        ],
    )
    shuffle_options = BooleanField(_l("Shuffle the options of every question"))

    def settings(self) -> QuizSettings:
        return QuizSettings(
            pass_mark_percent=self.pass_mark_percent.data,
            time_limit_minutes=self.time_limit_minutes.data,
            max_attempts=self.max_attempts.data,
            retry_delay_minutes=self.retry_delay_minutes.data,
            questions_per_attempt=self.questions_per_attempt.data,
            shuffle_options=bool(self.shuffle_options.data),
        )


class OptionForm(Form):
    text = StringField(
        _l("Option"),
        validators=[
            Length(
                max=OPTION_TEXT_MAX,
                message=_l("Please keep each option to at most %(max)d characters."),
            ),
            no_control_characters,
        ],
    )
    correct = BooleanField(_l("correct"))


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Question"),
        validators=[
            InputRequired(message=_l("Please write the question.")),
            Length(
                max=QUESTION_TEXT_MAX,
                message=_l("Please keep the question to at most %(max)d characters."),
            ),
            no_control_characters,
        ],
    )
    kind = RadioField(
        _l("Kind"),
        default=QuestionKind.SINGLE.value,
        validators=[InputRequired(message=_l("Please choose single choice or multiple choice."))],
    )
    must_pass = BooleanField(_l("Must pass: a wrong answer fails the attempt, whatever the score"))
    options = FieldList(FormField(OptionForm), max_entries=OPTIONS_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, label) for kind, label in QUESTION_KIND_LABELS.items()]
        self.add_blank_rows(0)

    def add_blank_rows(self, extra: int) -> None:
        """Room to write: two blank rows after the filled ones (at least OPTION_ROWS_MIN rows,
        at most OPTIONS_MAX), and ``extra`` more rows when asked for."""
        entries = self.options.entries
        filled = sum(1 for entry in entries if (entry.form.text.data or "").strip())
        wanted = min(OPTIONS_MAX, max(OPTION_ROWS_MIN, filled + 2, len(entries) + extra))
        while len(self.options.entries) < wanted:
            self.options.append_entry()

    def option_values(self) -> list[tuple[str, bool]]:
        return [
            (entry.form.text.data or "", bool(entry.form.correct.data))
            for entry in self.options.entries
        ]


class ImportForm(FlaskForm):
    file = FileField(
        _l("Quiz file (JSON, exported from Nebendesk)"),
        validators=[FileRequired(message=_l("Please choose a quiz file to import."))],
    )
