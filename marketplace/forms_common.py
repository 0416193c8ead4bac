"""Form fields and validators shared by several features."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectMultipleField, StringField, ValidationError, widgets

from marketplace.money import AmountError, cents_to_input, parse_amount


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; choosing none is a valid answer."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        choices = {str(value) for value, _label in self.choices or []}
        for value in self.data or []:
            if str(value) not in choices:
                raise ValidationError(_l("Please choose only from the list."))


class AmountField(StringField):
    """A euro amount typed as "0,80" or "0.80"; ``data`` is integer cents."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return cents_to_input(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        try:
            self.data = parse_amount(str(valuelist[0]))
        except AmountError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc


class AmountRange:
    """Amount within [minimum, maximum] cents (bounds given as callables for config)."""

    def __init__(self, minimum: int, maximum: Any) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is None:
            return
        maximum = self.maximum() if callable(self.maximum) else self.maximum
        if field.data < self.minimum:
            raise ValidationError(_l("The amount must be greater than zero."))
        if field.data > maximum:
            raise ValidationError(
                _l("The amount is too high (at most %(max)s).", max=cents_to_input(maximum))
            )


def no_control_characters(form: Any, field: Field) -> None:
    if isinstance(field.data, str) and any(
        ord(ch) < 32 and ch not in "\n\r\t" for ch in field.data
    ):
        raise ValidationError(_l("Please remove invisible control characters."))
