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


# --- must-pass questions -----------------------------------------------------------


@st.composite
def quizzes_with_must_pass(draw):
    """A quiz as above in which some questions (any, all or none) must be right."""
    questions, answers = draw(quizzes())
    flags = draw(st.lists(st.booleans(), min_size=len(questions), max_size=len(questions)))
    marked = [
        QuestionKey(id=q.id, correct=q.correct, must_pass=flag)
        for q, flag in zip(questions, flags, strict=True)
    ]
    return marked, answers


@given(quizzes_with_must_pass(), st.integers(min_value=0, max_value=100))
def test_a_wrong_must_pass_question_fails_the_attempt_whatever_the_score(quiz, pass_mark):
    questions, answers = quiz
    result = grade(questions, answers, pass_mark)
    must_pass_wrong = {
        q.id for q in questions if q.must_pass and frozenset(answers.get(q.id, ())) != q.correct
    }
    assert set(result.must_pass_wrong_ids) == must_pass_wrong
    assert set(result.must_pass_wrong_ids) <= set(result.wrong_question_ids)
    assert result.passed == (result.score_percent >= pass_mark and not must_pass_wrong)


@given(quizzes_with_must_pass(), st.integers(min_value=0, max_value=100))
def test_must_pass_marks_never_change_the_score_or_the_wrong_questions(quiz, pass_mark):
    questions, answers = quiz
    plain = [QuestionKey(id=q.id, correct=q.correct) for q in questions]
    marked, unmarked = grade(questions, answers, pass_mark), grade(plain, answers, pass_mark)
    assert marked.score_percent == unmarked.score_percent
    assert marked.wrong_question_ids == unmarked.wrong_question_ids
    assert unmarked.must_pass_wrong_ids == ()
    assert marked.passed <= unmarked.passed  # a mark can only take a pass away


@given(quizzes_with_must_pass(), st.randoms())
def test_one_wrong_must_pass_question_fails_even_a_zero_pass_mark(quiz, rnd: random.Random):
    questions, _answers = quiz
    target = rnd.choice(questions)
    questions = [
        QuestionKey(id=q.id, correct=q.correct, must_pass=q.must_pass or q.id == target.id)
        for q in questions
    ]
    answers = {q.id: set(q.correct) for q in questions}
    answers[target.id] = set()  # nothing chosen: wrong, since every question has a right option
    result = grade(questions, answers, pass_mark_percent=0)
    assert not result.passed
    assert result.must_pass_wrong_ids == (target.id,)


def test_all_right_but_one_must_pass_question_scores_high_and_still_fails():
    questions = [QuestionKey(i, frozenset({i * 10})) for i in range(1, 10)]
    questions.append(QuestionKey(10, frozenset({100}), must_pass=True))
    answers = {i: {i * 10} for i in range(1, 10)} | {10: {101}}
    result = grade(questions, answers, pass_mark_percent=80)
    assert result.score_percent == 90
    assert not result.passed and result.must_pass_wrong_ids == (10,)
