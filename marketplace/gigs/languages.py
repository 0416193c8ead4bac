"""Languages a gig's work can be done in (ISO 639-1), named in the viewer's language."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask_babel import get_locale

WORK_LANGUAGES: tuple[str, ...] = (
    "de", "en", "fr", "it", "es", "nl", "pl", "tr", "pt", "cs", "uk", "ru", "ar",
)  # fmt: skip


def language_name(code: str) -> str:
    return _language_name(code, str(get_locale() or "en"))


@cache
def _language_name(code: str, locale: str) -> str:
    # Looking a name up in Babel's locale data costs more than rendering a
    # card; the answers never change, and there are few codes and locales.
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, TypeError):
        return code


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in WORK_LANGUAGES]
