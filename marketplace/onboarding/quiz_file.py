"""Quiz files: export a gig's quiz as JSON, and import one to reuse it on another gig.

Format: {"format": "nebendesk-quiz", "version": 1, "settings": {...}, "questions":
[{"text", "kind", "must_pass" (optional, false when missing), "options": [{"text",
"correct"}]}]}. An import is checked completely before anything changes; the
message names the first problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import Onboarding, QuestionKind, QuizQuestion
from marketplace.onboarding.services import (
    QUESTIONS_MAX,
    QuizSettings,
    clean_question,
    onboarding_for,
    onboarding_to_change,
    option_rows,
)

IMPORT_MAX_BYTES = 1024 * 1024
QUIZ_FORMAT, QUIZ_VERSION = "nebendesk-quiz", 1


def export_quiz(gig: Gig) -> dict[str, Any]:
    """The gig's quiz (settings, questions, options with their correct flags); no rules."""
    onboarding = onboarding_for(gig)
    return {
        "format": QUIZ_FORMAT,
        "version": QUIZ_VERSION,
        "settings": asdict(QuizSettings.of(onboarding)),
        "questions": [
            {
                "text": question.text,
                "kind": question.kind.value,
                "must_pass": question.must_pass,
                "options": [
                    {"text": option.text, "correct": option.is_correct}
                    for option in question.options
                ],
            }
            for question in (onboarding.questions if onboarding else [])
        ],
    }


def read_quiz_file(raw: bytes) -> object:
    """The JSON in an uploaded quiz file, or DomainError (too large, not text, not JSON)."""
    if len(raw) > IMPORT_MAX_BYTES:
        raise _not_importable(_("The file is larger than 1 MB."))
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _not_importable(_("The file is not UTF-8 text.")) from None
    except (ValueError, RecursionError):
        raise _not_importable(_("The file is not valid JSON.")) from None


def _not_importable(problem: str) -> DomainError:
    return DomainError(_("This file cannot be imported. %(problem)s", problem=problem))


@contextmanager
def _within(where: str) -> Iterator[None]:
    """Say where a problem is: "Question 3: Please mark at least one option as correct."."""
    try:
        yield
    except DomainError as exc:
        raise DomainError(_("%(where)s: %(problem)s", where=where, problem=exc.message)) from None


def _typed(container: object, name: str, kind: type, nullable: bool = False) -> Any:
    """``container[name]``, if ``container`` is an object and the value has the right type."""
    if not isinstance(container, dict):
        raise DomainError(_("It must be a JSON object."))
    if name not in container:
        raise DomainError(_("The field “%(field)s” is missing.", field=name))
    value = container[name]
    # bool is an int in Python, but true is not a number of minutes.
    if (value is None and nullable) or (
        isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    ):
        return value
    expected = {
        int: _("a whole number"),
        str: _("a text"),
        bool: _("true or false"),
        list: _("a list"),
        dict: _("a JSON object"),
    }[kind]
    if nullable:
        expected = _("%(type)s or null", type=expected)
    raise DomainError(_("The field “%(field)s” must be %(type)s.", field=name, type=expected))


# field → (type, may be null)
_SETTING_TYPES = {
    "pass_mark_percent": (int, False),
    "time_limit_minutes": (int, True),
    "max_attempts": (int, False),
    "retry_delay_minutes": (int, False),
    "questions_per_attempt": (int, True),
    "shuffle_options": (bool, False),
}


ParsedQuestion = tuple[str, QuestionKind, list[tuple[str, bool]], bool]


def _parse_question(raw: object) -> ParsedQuestion:
    text, kind = _typed(raw, "text", str), _typed(raw, "kind", str)
    # Files exported before must-pass questions existed have no such field.
    must_pass = isinstance(raw, dict) and "must_pass" in raw and _typed(raw, "must_pass", bool)
    options = []
    for number, option in enumerate(_typed(raw, "options", list), start=1):
        with _within(_("Option %(n)d", n=number)):
            options.append((_typed(option, "text", str), _typed(option, "correct", bool)))
    return (*clean_question(text, kind, options), bool(must_pass))


def parse_quiz(data: object) -> tuple[QuizSettings, list[ParsedQuestion]]:
    """Check a quiz file's content completely; DomainError names the first problem."""
    if not isinstance(data, dict) or data.get("format") != QUIZ_FORMAT:
        raise _not_importable(
            _("It is not a Nebendesk quiz (“format” must be “%(format)s”).", format=QUIZ_FORMAT)
        )
    version = data.get("version")
    if version != QUIZ_VERSION or isinstance(version, bool):
        raise _not_importable(
            _("Only version %(version)d of the quiz format can be read.", version=QUIZ_VERSION)
        )
    try:
        raw_settings = _typed(data, "settings", dict)
        with _within(_("Settings")):
            settings = QuizSettings(
                **{
                    name: _typed(raw_settings, name, kind, nullable)
                    for name, (kind, nullable) in _SETTING_TYPES.items()
                }
            )
        raw_questions = _typed(data, "questions", list)
        if len(raw_questions) > QUESTIONS_MAX:
            raise DomainError(
                _(
                    "A quiz can have at most %(max)d questions; this one has %(count)d.",
                    max=QUESTIONS_MAX,
                    count=len(raw_questions),
                )
            )
        questions = []
        for number, raw in enumerate(raw_questions, start=1):
            with _within(_("Question %(n)d", n=number)):
                questions.append(_parse_question(raw))
        with _within(_("Settings")):
            settings.check(len(questions))
    except DomainError as exc:
        raise _not_importable(exc.message) from None
    return settings, questions


def import_quiz(gig: Gig, data: object, *, by: User) -> Onboarding:
    """Replace the gig's questions and quiz settings with those of a quiz file."""
    settings, questions = parse_quiz(data)
    onboarding = onboarding_to_change(gig)
    before = {"questions": len(onboarding.questions), **asdict(QuizSettings.of(onboarding))}
    onboarding.questions = [
        QuizQuestion(
            position=position,
            text=text,
            kind=kind,
            must_pass=must_pass,
            options=option_rows(options),
        )
        for position, (text, kind, options, must_pass) in enumerate(questions)
    ]
    settings.apply_to(onboarding)
    record(
        actor=by,
        action="onboarding.import_quiz",
        object_type="gig",
        object_id=gig.id,
        before=before,
        after={"questions": len(questions), **asdict(settings)},
    )
    db.session.flush()
    for question in onboarding.questions:
        question.options.sort(key=lambda option: option.position)
    return onboarding
