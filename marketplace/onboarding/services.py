"""The company builds a gig's onboarding: rules, quiz settings, questions, import/export;
and the seeker's paper drawn from it.

Every change is validated completely before anything is touched, so a refused
change leaves the onboarding as it was. The Onboarding row is created the first
time the company saves something for the gig (one per gig, by constraint).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import Onboarding, QuestionKind, QuizOption, QuizQuestion

RULES_MAX = 50_000
QUESTION_TEXT_MAX = 2_000
OPTION_TEXT_MAX = 500
OPTIONS_MIN, OPTIONS_MAX = 2, 10
QUESTIONS_MAX = 200
TIME_LIMIT_MAX = 480  # minutes
ATTEMPTS_MAX = 20
RETRY_DELAY_MAX = 30 * 24 * 60  # minutes: 30 days

# Option rows are inserted in a random order, so that their ids (which the
# seeker's form carries) say nothing about the order the company wrote them in.
_id_shuffle = random.SystemRandom()

Options = Sequence[tuple[str, bool]]


def onboarding_for(gig: Gig) -> Onboarding | None:
    return db.session.scalar(sa.select(Onboarding).where(Onboarding.gig_id == gig.id))


def onboarding_to_change(gig: Gig) -> Onboarding:
    """The gig's onboarding, created on the company's first save."""
    onboarding = onboarding_for(gig)
    if onboarding is not None:
        return onboarding
    try:
        with db.session.begin_nested():
            onboarding = Onboarding(gig_id=gig.id, rules="", rules_hash="")
            db.session.add(onboarding)
    except IntegrityError:  # a colleague saved the first piece at the same moment
        onboarding = onboarding_for(gig)
        assert onboarding is not None
    return onboarding


def rules_hash_of(rules: str) -> str:
    """What an acknowledgment records: sha256 of the stripped text, "" for no rules."""
    rules = rules.strip()
    return hashlib.sha256(rules.encode()).hexdigest() if rules else ""


def save_rules(gig: Gig, *, rules: str, by: User) -> bool:
    """Save the rules document (Markdown). Returns False when nothing changed."""
    rules = (rules or "").replace("\r\n", "\n").strip()
    if len(rules) > RULES_MAX:
        raise DomainError(_("Please keep the rules to at most %(max)d characters.", max=RULES_MAX))
    onboarding = onboarding_for(gig)
    if rules == (onboarding.rules if onboarding else ""):
        return False
    onboarding = onboarding_to_change(gig)
    before = onboarding.rules_hash
    onboarding.rules = rules
    onboarding.rules_hash = rules_hash_of(rules)
    onboarding.rules_changed_at = utcnow()
    record(
        actor=by,
        action="onboarding.rules_change",
        object_type="gig",
        object_id=gig.id,
        before={"rules_hash": before},
        after={"rules_hash": onboarding.rules_hash},
    )
    db.session.flush()
    return True


# --- settings ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuizSettings:
    pass_mark_percent: int
    time_limit_minutes: int | None
    max_attempts: int
    retry_delay_minutes: int
    questions_per_attempt: int | None
    shuffle_options: bool

    @classmethod
    def of(cls, onboarding: Onboarding | None) -> QuizSettings:
        """The onboarding's settings, or the defaults of a new one."""
        if onboarding is None:
            columns = Onboarding.__table__.c
            return cls(
                **{f.name: getattr(columns[f.name].default, "arg", None) for f in fields(cls)}
            )
        return cls(**{f.name: getattr(onboarding, f.name) for f in fields(cls)})

    def check(self, question_count: int) -> None:
        """DomainError unless every setting is in range (drawing at most ``question_count``)."""
        time_limit, draw = self.time_limit_minutes, self.questions_per_attempt
        problems = (
            (
                not 0 <= self.pass_mark_percent <= 100,
                _("The pass mark must be between 0 and 100 percent."),
            ),
            (
                time_limit is not None and not 1 <= time_limit <= TIME_LIMIT_MAX,
                _(
                    "The time limit must be between 1 and %(max)d minutes, or empty for no limit.",
                    max=TIME_LIMIT_MAX,
                ),
            ),
            (
                not 1 <= self.max_attempts <= ATTEMPTS_MAX,
                _("The number of attempts must be between 1 and %(max)d.", max=ATTEMPTS_MAX),
            ),
            (
                not 0 <= self.retry_delay_minutes <= RETRY_DELAY_MAX,
                _(
                    "The waiting time between attempts must be between 0 and %(max)d minutes.",
                    max=RETRY_DELAY_MAX,
                ),
            ),
            (
                draw is not None and draw < 1,
                _("Draw at least 1 question, or leave the field empty to ask all of them."),
            ),
            (
                draw is not None and draw > question_count,
                _(
                    "You can draw at most %(count)d questions: the quiz has %(count)d.",
                    count=question_count,
                ),
            ),
        )
        for failed, message in problems:
            if failed:
                raise DomainError(message)

    def apply_to(self, onboarding: Onboarding) -> None:
        for name, value in asdict(self).items():
            setattr(onboarding, name, value)


def save_settings(gig: Gig, *, settings: QuizSettings) -> Onboarding:
    existing = onboarding_for(gig)
    settings.check(len(existing.questions) if existing else 0)
    onboarding = onboarding_to_change(gig)
    settings.apply_to(onboarding)
    db.session.flush()
    return onboarding


# --- questions --------------------------------------------------------------------


def clean_question(
    text: str, kind: str | QuestionKind, options: Options
) -> tuple[str, QuestionKind, list[tuple[str, bool]]]:
    """The question as it will be saved, or DomainError saying what is wrong.

    Option rows without a text are dropped (blank rows of the form).
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("Please write the question."))
    if len(text) > QUESTION_TEXT_MAX:
        raise DomainError(
            _("Please keep the question to at most %(max)d characters.", max=QUESTION_TEXT_MAX)
        )
    if kind not in {k.value for k in QuestionKind}:
        raise DomainError(_("Please choose single choice or multiple choice."))
    kind = QuestionKind(kind)
    cleaned: list[tuple[str, bool]] = []
    for option_text, correct in options:
        option_text = (option_text or "").strip()
        if not option_text:
            if correct:
                raise DomainError(_("An option marked as correct has no text."))
            continue
        if len(option_text) > OPTION_TEXT_MAX:
            raise DomainError(
                _("Please keep each option to at most %(max)d characters.", max=OPTION_TEXT_MAX)
            )
        cleaned.append((option_text, bool(correct)))
    if len(cleaned) < OPTIONS_MIN:
        raise DomainError(
            _("A question needs at least %(min)d options with a text.", min=OPTIONS_MIN)
        )
    if len(cleaned) > OPTIONS_MAX:
        raise DomainError(_("A question can have at most %(max)d options.", max=OPTIONS_MAX))
    folded = [option_text.casefold() for option_text, _correct in cleaned]
    if len(set(folded)) < len(folded):
        raise DomainError(_("Two options have the same text. Please make every option different."))
    correct_count = sum(correct for _text, correct in cleaned)
    if correct_count == 0:
        raise DomainError(_("Please mark at least one option as correct."))
    if kind == QuestionKind.SINGLE and correct_count > 1:
        raise DomainError(
            _(
                "A single-choice question has exactly one correct option. "
                "Mark only one, or make it a multiple-choice question."
            )
        )
    return text, kind, cleaned


def option_rows(options: list[tuple[str, bool]]) -> list[QuizOption]:
    rows = [
        QuizOption(position=position, text=text, is_correct=correct)
        for position, (text, correct) in enumerate(options)
    ]
    _id_shuffle.shuffle(rows)
    return rows


def save_question(
    gig: Gig,
    *,
    question: QuizQuestion | None = None,
    text: str,
    kind: str | QuestionKind,
    options: Options,
    must_pass: bool = False,
) -> QuizQuestion:
    """Add a question to the gig's quiz (``question`` None) or replace one of its questions.
    ``must_pass``: a wrong answer to it fails the attempt, whatever the score."""
    text, kind, cleaned = clean_question(text, kind, options)
    if question is None:
        existing = onboarding_for(gig)
        if existing is not None and len(existing.questions) >= QUESTIONS_MAX:
            raise DomainError(_("A quiz can have at most %(max)d questions.", max=QUESTIONS_MAX))
        onboarding = onboarding_to_change(gig)
        question = QuizQuestion(position=len(onboarding.questions))
        onboarding.questions.append(question)
    elif question.onboarding.gig_id != gig.id:
        raise DomainError(_("This question belongs to another gig."))
    question.text = text
    question.kind = kind
    question.must_pass = bool(must_pass)
    question.options = option_rows(cleaned)
    db.session.flush()
    question.options.sort(key=lambda option: option.position)
    return question


def delete_question(question: QuizQuestion) -> None:
    onboarding = question.onboarding
    onboarding.questions.remove(question)
    for position, each in enumerate(onboarding.questions):
        each.position = position
    count = len(onboarding.questions)
    if onboarding.questions_per_attempt is not None and onboarding.questions_per_attempt > count:
        onboarding.questions_per_attempt = count or None  # drawing all that are left
    db.session.flush()


def move_question(question: QuizQuestion, offset: int) -> bool:
    """Move the question ``offset`` places (-1 up, +1 down). False at either end."""
    questions = list(question.onboarding.questions)
    index = questions.index(question)
    target = index + offset
    if offset == 0 or not 0 <= target < len(questions):
        return False
    questions.insert(target, questions.pop(index))
    for position, each in enumerate(questions):
        each.position = position
    db.session.flush()
    question.onboarding.questions.sort(key=lambda each: each.position)
    return True


# --- the seeker's paper -------------------------------------------------------------


def answer_key(questions: Sequence[QuizQuestion]) -> dict[str, list[int]]:
    """Question id (as text) → the sorted ids of its correct options."""
    return {
        str(question.id): sorted(option.id for option in question.options if option.is_correct)
        for question in questions
    }


def paper_for(
    onboarding: Onboarding, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    """A sitting's paper (what the seeker sees, no correctness) and its answer key.

    Draws ``questions_per_attempt`` questions at random (kept in the company's
    order) and shuffles each question's options if the company asked for it.
    """
    questions = list(onboarding.questions)
    draw = onboarding.questions_per_attempt
    if draw is not None and draw < len(questions):
        drawn = sorted(rng.sample(range(len(questions)), draw))
        questions = [questions[i] for i in drawn]
    paper = []
    for question in questions:
        options = list(question.options)
        if onboarding.shuffle_options:
            rng.shuffle(options)
        paper.append(
            {
                "id": question.id,
                "text": question.text,
                "kind": question.kind.value,
                # Shown to the seeker: which questions must be right. Not an answer.
                "must_pass": question.must_pass,
                "options": [{"id": option.id, "text": option.text} for option in options],
            }
        )
    return paper, answer_key(questions)
