"""CSV downloads that spreadsheets open safely: one line at a time (so exports
stream), and no cell a spreadsheet would run as a formula. Text starting with
=, +, -, @, a tab or a carriage return gets a leading apostrophe (OWASP's advice
against CSV injection); plain numbers such as -1.15 stay numbers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")


def cell(value: object) -> str:
    """Text as a spreadsheet shows it, never as a formula it would run."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return f"'{text}"
    return text


def line(values: Iterable[object]) -> str:
    """One CSV line (with its line break) of safe cells."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell(value) for value in values])
    return buffer.getvalue()
