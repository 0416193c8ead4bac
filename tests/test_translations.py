"""Every user-facing string exists in German: the catalog is complete, current
with the code, and keeps every placeholder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "marketplace" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")


@pytest.fixture(scope="module")
def german():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="de")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings in the code right now (as `make messages` extracts them)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "lazy_gettext", "-k", "_l", "-k", "lazy_pgettext:1c,2", "-k", "_lp:1c,2",
         "--ignore-dirs", ".* instance", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def test_catalog_covers_every_string_in_the_code(german, extracted):
    assert len(_ids(extracted)) > 300  # the extraction itself worked
    assert "Please correct the marked fields." in _ids(extracted)  # macros too
    missing = _ids(extracted) - _ids(german)
    assert not missing, f"run `make messages` and translate: {sorted(missing, key=str)[:20]}"


def test_every_message_is_translated(german):
    untranslated = [
        message.id
        for message in german
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert untranslated == []


def test_placeholders_survive_translation(german):
    for message in german:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, message.id
