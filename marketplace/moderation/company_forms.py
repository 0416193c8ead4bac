"""Forms of the company's community pages: a netiquette rule, the penalty ladder,
the word lists, the settings, marking a control item and answering a proposal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.forms_common import MultiCheckboxField, no_control_characters
from marketplace.moderation import netiquette
from marketplace.moderation.item_models import DecisionAction
from marketplace.moderation.models import (
    Community,
    ModeratorAction,
    NetiquetteRule,
    PenaltyAction,
    PenaltyStep,
    WordKind,
)

TEXT_MAX = 5000
LADDER_ROWS = 8


class WholeNumberField(IntegerField):
    """An integer field whose "not a number" error speaks like the rest of our pages."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(_l("Please enter a whole number.")) from exc


def _text(label: Any, *, required: str | None = None, max_length: int = TEXT_MAX) -> Any:
    validators: list[Any] = [Length(max=max_length), no_control_characters]
    if required:
        validators.insert(0, InputRequired(message=required))
    field_class = StringField if max_length <= 200 else TextAreaField
    return field_class(label, validators=validators)


class RuleForm(FlaskForm):
    title_de = _text(
        _l("Title (German)"), required=_l("Please give the rule a German title."), max_length=200
    )
    title_en = _text(
        _l("Title (English)"), required=_l("Please give the rule an English title."), max_length=200
    )
    text_de = _text(_l("What the rule means (German)"))
    text_en = _text(_l("What the rule means (English)"))
    warning_de = _text(
        _l("Warning to the author (German)"), required=_l("Please write the German warning.")
    )
    warning_en = _text(
        _l("Warning to the author (English)"), required=_l("Please write the English warning.")
    )

    def load(self, rule: NetiquetteRule) -> None:
        for name in vars(self.rule_text()):
            getattr(self, name).data = getattr(rule, name)

    def rule_text(self) -> netiquette.RuleText:
        return netiquette.RuleText(
            **{
                name: getattr(self, name).data or ""
                for name in (
                    "title_de",
                    "title_en",
                    "text_de",
                    "text_en",
                    "warning_de",
                    "warning_en",
                )
            }
        )


PENALTY_LABELS = {
    PenaltyAction.WARN: _l("Warning"),
    PenaltyAction.MUTE: _l("Mute"),
    PenaltyAction.BAN_PROPOSAL: _l("Ban proposal (you confirm)"),
}


class StepForm(Form):
    strike = WholeNumberField(
        _l("Strike"),
        validators=[Optional(), NumberRange(min=1, max=99, message=_l("1 to 99, please."))],
    )
    action = SelectField(
        _l("Measure"),
        choices=[
            SelectChoice("", _l("— none —")),
            *(SelectChoice(action.value, label) for action, label in PENALTY_LABELS.items()),
        ],
        validators=[Optional()],
    )
    mute_minutes = WholeNumberField(
        _l("Mute for (minutes)"),
        validators=[Optional(), NumberRange(min=1, message=_l("At least one minute, please."))],
    )


class LadderForm(FlaskForm):
    steps = FieldList(FormField(StepForm), min_entries=LADDER_ROWS, max_entries=LADDER_ROWS)

    def load(self, steps: list[PenaltyStep]) -> None:
        for row, step in zip(self.steps, steps, strict=False):
            row.form.strike.data = step.strike
            row.form.action.data = step.action.value
            row.form.mute_minutes.data = step.mute_minutes

    def values(self) -> list[netiquette.Step]:
        """The filled rows (a row without a measure is ignored); a row with a measure
        but no strike number counts as strike 0, which the service refuses."""
        return [
            netiquette.Step(
                row.form.strike.data or 0,
                PenaltyAction(row.form.action.data),
                row.form.mute_minutes.data,
            )
            for row in self.steps
            if row.form.action.data
        ]


WORD_LABELS = {
    WordKind.BLOCKED: _l("Blocked words"),
    WordKind.SUSPECT: _l("Suspect words"),
    WordKind.DISTURBING: _l("Disturbing words"),
}


class WordListForm(FlaskForm):
    blocked = TextAreaField(WORD_LABELS[WordKind.BLOCKED], validators=[Length(max=100_000)])
    suspect = TextAreaField(WORD_LABELS[WordKind.SUSPECT], validators=[Length(max=100_000)])
    disturbing = TextAreaField(WORD_LABELS[WordKind.DISTURBING], validators=[Length(max=100_000)])

    def load(self, lists: dict[WordKind, list[str]]) -> None:
        for kind, words in lists.items():
            getattr(self, kind.value).data = "\n".join(words)

    def values(self) -> dict[WordKind, str]:
        return {kind: getattr(self, kind.value).data or "" for kind in WordKind}


def _number(label: Any) -> IntegerField:
    return WholeNumberField(
        label, validators=[InputRequired(message=_l("Please enter a whole number."))]
    )


MODERATOR_ACTION_LABELS = {
    ModeratorAction.REMOVE: _l("Remove an item"),
    ModeratorAction.WARN: _l("Warn an author"),
    ModeratorAction.MUTE: _l("Mute an author"),
}


class SettingsForm(FlaskForm):
    strike_expiry_days = _number(_l("Strikes expire after (days)"))
    ban_response_hours = _number(_l("Time to answer a ban proposal (hours)"))
    evidence_retention_days = _number(_l("Keep evidence for (days)"))
    pre_moderation = BooleanField(_l("Pre-moderation: hold items with blocked words for review"))
    lease_minutes = _number(_l("Time a moderator holds an item (minutes)"))
    disturbing_daily_cap = _number(_l("Disturbing items per moderator and day"))
    control_rate_percent = _number(_l("Share of control items (percent)"))
    moderators_may = MultiCheckboxField(
        _l("Moderators may do alone (without your confirmation)"),
        choices=[(action.value, label) for action, label in MODERATOR_ACTION_LABELS.items()],
    )

    def load(self, community: Community) -> None:
        for name, value in vars(netiquette.settings_of(community)).items():
            getattr(self, name).data = value

    def values(self) -> netiquette.Settings:
        return netiquette.Settings(
            **{name: getattr(self, name).data for name in netiquette.Settings.__dataclass_fields__}
        )


# Decisions a control item can expect: what a moderator can decide about an item.
CONTROL_ACTIONS = (
    DecisionAction.APPROVE,
    DecisionAction.REMOVE,
    DecisionAction.WARN,
    DecisionAction.MUTE,
    DecisionAction.BAN,
    DecisionAction.ESCALATE,
)


class ControlItemForm(FlaskForm):
    expected_action = SelectField(
        _l("The correct decision"),
        validators=[InputRequired(message=_l("Please choose the correct decision."))],
    )
    expected_rule = SelectField(_l("The rule broken"), coerce=int)

    def __init__(
        self, rules: list[tuple[int, str]], action_labels: dict[Any, Any], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.expected_action.choices = [
            SelectChoice(action.value, action_labels[action]) for action in CONTROL_ACTIONS
        ]
        self.expected_rule.choices = [
            SelectChoice(0, _l("— no rule —")),
            *(SelectChoice(value, label) for value, label in rules),
        ]


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why you decline (the moderator reads this)"),
        validators=[
            InputRequired(message=_l("Please give a reason.")),
            Length(max=2000),
            no_control_characters,
        ],
    )
