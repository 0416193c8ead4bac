"""Forms of the company's money pages: add funds, withdraw, review work, log work."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.forms_common import AmountField, no_control_characters
from marketplace.payments import funding
from marketplace.payments.models import UnitKind
from marketplace.payments.units import QUANTITY_MAX
from marketplace.reasons import REASON_MAX

NOTE_MAX = 2000


def amount_required(form: Any, field: Field) -> None:
    """An empty amount is refused (a badly typed one already carries its own message)."""
    if field.data is None and not field.process_errors:
        raise StopValidation(_l("Please enter an amount, for example 0,80."))


def positive_amount(form: Any, field: Field) -> None:
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("Please enter an amount greater than zero."))


def funding_range(form: Any, field: Field) -> None:
    """Between MIN_FUNDING_CENTS and MAX_FUNDING_CENTS: the service's own check."""
    if field.data is None:
        return
    try:
        funding.check_amount(field.data)
    except DomainError as exc:
        raise ValidationError(exc.message) from None


class FundForm(FlaskForm):
    amount = AmountField(_l("Amount in euros"), validators=[amount_required, funding_range])
    # Where to go once the payment is credited (a local path, checked with safe_next).
    next = HiddenField()


class WithdrawForm(FlaskForm):
    amount = AmountField(_l("Amount in euros"), validators=[amount_required, positive_amount])


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you reject this work?"),
        validators=[
            DataRequired(message=_l("Please tell the worker why.")),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )


class BulkApproveForm(FlaskForm):
    unit_ids = SelectMultipleField(
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Please tick the work you want to approve."))],
    )


# --- logging work by hand -------------------------------------------------------------

_QUANTITY = re.compile(r"^\d{1,6}(?:[.,]\d+)?$", re.ASCII)


class QuantityField(StringField):
    """A quantity typed as "1,5" or "1.5"; ``data`` is a Decimal."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            return
        if not _QUANTITY.match(text):
            raise ValueError(_l("Please enter a number, for example 3 or 1,5."))
        self.data = Decimal(text.replace(",", "."))


def _no_future(form: Any, field: Field) -> None:
    if field.data is not None and field.data > utcnow().date():
        raise ValidationError(_l("Work cannot be recorded for a day in the future."))


def _uuid(form: Any, field: Field) -> None:
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("This form is incomplete. Please reload the page.")) from None


class UnitForm(FlaskForm):
    quantity = QuantityField(_l("Quantity"))
    work_date = DateField(
        _l("Day of the work"),
        validators=[InputRequired(message=_l("Please enter the day of the work.")), _no_future],
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE_MAX), no_control_characters])
    # Names this entry: a form sent twice records the work once.
    token = HiddenField(validators=[_uuid])

    def __init__(self, *args: Any, kind: UnitKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if not self.is_submitted():
            self.token.data = str(uuid.uuid4())
            self.work_date.data = utcnow().date()

    def validate_quantity(self, field: QuantityField) -> None:
        if field.data is None:
            if not field.process_errors:
                raise StopValidation(_l("Please enter the quantity."))
            return
        if not Decimal("0") < field.data <= QUANTITY_MAX:
            raise ValidationError(
                _l("The quantity must be more than 0 and at most %(max)s.", max=QUANTITY_MAX)
            )
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("Please use at most two decimal places for the quantity."))
        if self.kind != UnitKind.HOUR and field.data != field.data.to_integral_value():
            raise ValidationError(_l("Please enter a whole number."))

    @property
    def source(self) -> str:
        return f"manual:{self.token.data}"
