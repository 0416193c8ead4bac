"""Grading a quiz attempt: a pure function, no database, no clock.

A question counts as right when the chosen options are exactly its correct
options (for a multiple-choice question: all of them and nothing else); the
score is the share of right questions in whole percent, rounded down, so a
pass is never granted by rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionKey:
    """What grading needs of a question: its id and the ids of its correct options."""

    id: int
    correct: frozenset[int]


@dataclass(frozen=True)
class Grade:
    score_percent: int
    passed: bool
    wrong_question_ids: tuple[int, ...]


def grade(
    questions: Sequence[QuestionKey],
    answers: Mapping[int, frozenset[int] | set[int]],
    pass_mark_percent: int,
) -> Grade:
    """Grade ``answers`` (question id → chosen option ids) against ``questions``.

    Answers to questions that are not in ``questions`` are ignored; an
    unanswered question is wrong. An empty quiz scores 100.
    """
    if not questions:
        return Grade(score_percent=100, passed=True, wrong_question_ids=())
    wrong = tuple(q.id for q in questions if frozenset(answers.get(q.id, ())) != q.correct)
    right = len(questions) - len(wrong)
    score = right * 100 // len(questions)
    return Grade(score_percent=score, passed=score >= pass_mark_percent, wrong_question_ids=wrong)
