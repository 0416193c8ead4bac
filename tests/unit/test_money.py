"""Amounts typed by people become integer cents, or a clear refusal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.money import AmountError, cents_to_input, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0,80", 80),
        ("0.80", 80),
        ("0,8", 80),
        ("12", 1200),
        ("12,05", 1205),
        (" 3,50 € ", 350),
        ("EUR 4.00", 400),
        ("1 000,00", 100_000),
        ("0", 0),
    ],
)
def test_accepted_amounts(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please enter an amount"),
        ("abc", "This is not an amount in euros"),
        ("-1", "cannot be negative"),
        ("-0,50", "cannot be negative"),
        ("1.234", "at most two decimal places"),
        ("0,805", "at most two decimal places"),
        ("1,2.3", "This is not an amount in euros"),
        ("1e3", "This is not an amount in euros"),
        ("NaN", "This is not an amount in euros"),
        ("１２", "This is not an amount in euros"),  # full-width digits
        ("1" * 12, "This is not an amount in euros"),
    ],
)
def test_refused_amounts_say_why(text, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text)


@given(st.integers(min_value=0, max_value=10**11 - 1))
def test_input_form_round_trips(cents):
    assert parse_amount(cents_to_input(cents)) == cents


@given(st.integers(min_value=0, max_value=10**11 - 1), st.sampled_from([",", "."]))
def test_either_decimal_mark_means_the_same(cents, mark):
    assert parse_amount(cents_to_input(cents).replace(".", mark)) == cents
