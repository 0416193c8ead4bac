"""CSV cells never run as spreadsheet formulas; numbers stay numbers."""

from __future__ import annotations

import pytest

from marketplace import csv_export


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+49 30 1234", "'+49 30 1234"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\tTab", "'\tTab"),
        ("-1.15", "-1.15"),
        ("12.50", "12.50"),
        (-3, "-3"),
        (None, ""),
        ("Anna Kunde", "Anna Kunde"),
    ],
)
def test_cells(value, shown):
    assert csv_export.cell(value) == shown


def test_a_line_quotes_as_csv_does():
    assert csv_export.line(["a,b", "=1", 2]) == '"a,b",\'=1,2\r\n'
