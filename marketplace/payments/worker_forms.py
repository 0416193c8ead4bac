"""The worker's forms: disputing a rejection, entering hours on a timesheet."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.db import utcnow
from marketplace.forms_common import no_control_characters
from marketplace.reasons import REASON_MAX

MAX_HOURS = Decimal("24")
NOTE_MAX = 2000

# ASCII digits only, like money.py: "1,5", "1.5", "7,25", "8".
_HOURS = re.compile(r"^(?P<sign>[-+])?(?P<units>\d{1,6})(?:[.,](?P<fraction>\d+))?$", re.ASCII)


class HoursError(ValueError):
    """The text is not a number of hours we accept. ``str(error)`` is the user's message."""


def parse_hours(text: str | None) -> Decimal:
    """Hours typed by a person: comma or point, at most two decimals, more than 0, at most 24.

    >>> parse_hours("1,5"), parse_hours("1.5"), parse_hours("8")
    (Decimal('1.5'), Decimal('1.5'), Decimal('8'))
    """
    cleaned = (text or "").strip().replace(" ", "")
    if not cleaned:
        raise HoursError(_("Please enter the hours, for example 1,5."))
    match = _HOURS.match(cleaned)
    if not match:
        raise HoursError(_("This is not a number of hours. Please type it like 1,5 or 1.5."))
    if match["sign"] == "-":
        raise HoursError(_("The hours cannot be negative."))
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise HoursError(_("Please use at most two decimal places, for example 1,5 or 7,25."))
    hours = Decimal(f"{match['units']}.{fraction or '0'}").normalize()
    if hours == 0:
        raise HoursError(_("Please enter more than 0 hours."))
    if hours > MAX_HOURS:
        raise HoursError(
            _("One entry can hold at most %(max)d hours. Please split longer work.", max=24)
        )
    return hours


class HoursField(StringField):
    """Hours typed as "1,5" or "1.5"; ``data`` is a Decimal."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        try:
            self.data = parse_hours(str(valuelist[0]) if valuelist else "")
        except HoursError as exc:
            raise ValueError(str(exc)) from exc


class DisputeForm(FlaskForm):
    note = TextAreaField(
        _l("Why should this work be paid?"),
        validators=[
            DataRequired(message=_l("Please explain why the work should be paid.")),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )


def _valid_entry_key(form: Any, field: Field) -> None:
    try:
        uuid.UUID(str(field.data or ""), version=4)
    except ValueError:
        raise ValidationError(_l("This form could not be read. Please try again.")) from None


class TimesheetForm(FlaskForm):
    work_date = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Please enter the date of the work."))]
    )
    hours = HoursField(_l("Hours"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = TextAreaField(
        _l("What did you do? (optional)"), validators=[Length(max=NOTE_MAX), no_control_characters]
    )
    # Names this entry: sending the same form twice records the hours once.
    entry_key = HiddenField(validators=[_valid_entry_key])

    def __init__(self, *args: Any, started_on: date | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("entry_key", str(uuid.uuid4()))
        kwargs.setdefault("work_date", utcnow().date())
        super().__init__(*args, **kwargs)
        self.started_on = started_on

    def validate_work_date(self, field: Field) -> None:
        if field.data is None:
            return
        if field.data > utcnow().date():
            raise ValidationError(_l("Work cannot be recorded for a day in the future."))
        if self.started_on is not None and field.data < self.started_on:
            raise ValidationError(
                _("This is before you were hired (%(date)s).", date=format_date(self.started_on))
            )

    @property
    def source(self) -> str:
        return f"timesheet:{self.entry_key.data}"
