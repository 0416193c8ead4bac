"""Grading a quiz attempt: a pure function, no database, no clock.

A question counts as right when the chosen options are exactly its correct
options (for a multiple-choice question: all of them and nothing else); the
score is the share of right questions in whole percent, rounded down, so a
pass is never granted by rounding. A question the company marked *must pass*
fails the attempt when it is wrong, whatever the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionKey:
    """What grading needs of a question: its id, the ids of its correct options and
    whether a wrong answer fails the whole attempt."""

    id: int
    correct: frozenset[int]
    must_pass: bool = False


@dataclass(frozen=True)
class Grade:
    score_percent: int
    passed: bool
    wrong_question_ids: tuple[int, ...]
    # The must-pass questions among the wrong ones: any of them fails the attempt.
    must_pass_wrong_ids: tuple[int, ...] = ()


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
    wrong = [q for q in questions if frozenset(answers.get(q.id, ())) != q.correct]
    must_pass_wrong = tuple(q.id for q in wrong if q.must_pass)
    score = (len(questions) - len(wrong)) * 100 // len(questions)
    return Grade(
        score_percent=score,
        passed=score >= pass_mark_percent and not must_pass_wrong,
        wrong_question_ids=tuple(q.id for q in wrong),
        must_pass_wrong_ids=must_pass_wrong,
    )
