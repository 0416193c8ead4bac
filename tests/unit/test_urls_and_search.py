from __future__ import annotations

import pytest

from marketplace.gigs.search import sqlite_fts_query
from marketplace.urls import safe_next


@pytest.mark.parametrize(
    "target",
    ["https://evil.test/", "//evil.test", "/\\evil.test", "javascript:alert(1)", "evil", ""],
)
def test_unsafe_next_falls_back(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/gigs", "/gigs?q=x&page=2", "/company/gigs/3"])
def test_local_next_is_kept(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize(
    ("query", "fts"),
    [
        ("retouren fahrrad", '"retouren" AND "fahrrad"'),
        ('"quoted" NEAR(x y) col:val *', '"quoted" AND "NEAR" AND "x" AND "y" AND "col" AND "val"'),
        ("' OR 1=1 --", '"OR" AND "1" AND "1"'),
        ("!!! ---", ""),
        ("Grüße", '"Grüße"'),
    ],
)
def test_sqlite_fts_query_keeps_only_words(query, fts):
    assert sqlite_fts_query(query) == fts
