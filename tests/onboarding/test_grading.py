"""Grading is a pure function: properties that must hold for every quiz."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from marketplace.onboarding.grading import QuestionKey, grade


@st.composite
def quizzes(draw):
    """Questions with 2–6 options each, at least one correct, and some answers."""
    count = draw(st.integers(min_value=1, max_value=12))
    questions, answers = [], {}
    next_option = 1
    for qid in range(1, count + 1):
        options = list(range(next_option, next_option + draw(st.integers(2, 6))))
        next_option += len(options)
        correct = frozenset(draw(st.sets(st.sampled_from(options), min_size=1)))
        questions.append(QuestionKey(id=qid, correct=correct))
        answers[qid] = set(draw(st.sets(st.sampled_from(options))))
    return questions, answers


@given(quizzes(), st.integers(min_value=0, max_value=100))
def test_score_is_a_percentage(quiz, pass_mark):
    questions, answers = quiz
    result = grade(questions, answers, pass_mark)
    assert 0 <= result.score_percent <= 100
    assert result.passed == (result.score_percent >= pass_mark)


@given(quizzes(), st.integers(min_value=0, max_value=100), st.randoms())
def test_order_of_questions_and_options_does_not_matter(quiz, pass_mark, rnd: random.Random):
    questions, answers = quiz
    shuffled_questions = list(questions)
    rnd.shuffle(shuffled_questions)
    shuffled_answers = {
        qid: set(rnd.sample(sorted(chosen), len(chosen))) for qid, chosen in answers.items()
    }
    assert (
        grade(questions, answers, pass_mark).score_percent
        == grade(shuffled_questions, shuffled_answers, pass_mark).score_percent
    )


@given(quizzes(), st.integers(min_value=0, max_value=100))
def test_fully_correct_answers_always_pass(quiz, pass_mark):
    questions, _answers = quiz
    perfect = {q.id: set(q.correct) for q in questions}
    result = grade(questions, perfect, pass_mark)
    assert result.score_percent == 100 and result.passed and result.wrong_question_ids == ()


@given(quizzes())
def test_wrong_questions_are_exactly_those_not_answered_exactly(quiz):
    questions, answers = quiz
    result = grade(questions, answers, 50)
    expected = {q.id for q in questions if frozenset(answers.get(q.id, ())) != q.correct}
    assert set(result.wrong_question_ids) == expected
    assert result.score_percent == (len(questions) - len(expected)) * 100 // len(questions)


def test_partial_multiple_choice_is_wrong_and_rounding_never_passes():
    questions = [QuestionKey(1, frozenset({1, 2})), QuestionKey(2, frozenset({3})),
                 QuestionKey(3, frozenset({5}))]  # fmt: skip
    result = grade(questions, {1: {1}, 2: {3}, 3: {5}}, pass_mark_percent=67)
    assert result.wrong_question_ids == (1,)
    assert result.score_percent == 66  # 2 of 3, rounded down
    assert not result.passed


def test_answers_to_unknown_questions_are_ignored():
    result = grade([QuestionKey(1, frozenset({1}))], {1: {1}, 99: {7}}, 100)
    assert result.passed
