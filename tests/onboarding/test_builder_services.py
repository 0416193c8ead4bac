"""The onboarding builder's services: rules, settings, questions, import/export, the paper."""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.errors import DomainError
from marketplace.extensions import db as _db
from marketplace.onboarding import quiz_file as quiz_files
from marketplace.onboarding import services
from marketplace.onboarding.models import Onboarding, QuestionKind, QuizOption, QuizQuestion
from marketplace.onboarding.services import QuizSettings
from tests.factories import PublishedGigFactory, company_member, make_onboarding


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused change changed nothing."""
    _db.session.expire_all()
    return {
        table.name: sorted(tuple(map(repr, row)) for row in _db.session.execute(sa.select(table)))
        for table in _db.metadata.sorted_tables
    }


def settings(**changes) -> QuizSettings:
    values = dict(
        pass_mark_percent=75,
        time_limit_minutes=15,
        max_attempts=2,
        retry_delay_minutes=30,
        questions_per_attempt=None,
        shuffle_options=False,
    )
    values.update(changes)
    return QuizSettings(**values)


SINGLE = [("Look up the tracking", True), ("Promise a refund", False), ("", False)]


@pytest.fixture
def gig(db):
    owner = company_member()
    return PublishedGigFactory(company=owner.membership.company, created_by=owner)


@pytest.fixture
def owner(gig):
    return gig.created_by


def audit_actions() -> list[str]:
    return list(_db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- rules ------------------------------------------------------------------------


def test_saving_rules_creates_the_onboarding_and_records_the_version(gig, owner, travel):
    travel("2030-03-01 09:00")
    assert services.onboarding_for(gig) is None
    assert services.save_rules(gig, rules="  Be **kind**.\r\nNo refunds.\n", by=owner) is True
    onboarding = services.onboarding_for(gig)
    assert onboarding.rules == "Be **kind**.\nNo refunds."
    assert onboarding.rules_hash == hashlib.sha256(b"Be **kind**.\nNo refunds.").hexdigest()
    assert onboarding.rules_changed_at == datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    assert audit_actions() == ["onboarding.rules_change"]


def test_unchanged_rules_change_nothing_and_empty_rules_mean_no_rules(gig, owner, travel):
    travel("2030-03-01 09:00")
    services.save_rules(gig, rules="Be kind.", by=owner)
    travel("2030-03-02 09:00")
    assert services.save_rules(gig, rules="Be kind.\n", by=owner) is False
    onboarding = services.onboarding_for(gig)
    assert onboarding.rules_changed_at == datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    assert services.save_rules(gig, rules="   ", by=owner) is True
    assert (onboarding.rules, onboarding.rules_hash, onboarding.has_rules) == ("", "", False)
    assert onboarding.rules_changed_at == datetime(2030, 3, 2, 9, 0, tzinfo=UTC)
    assert audit_actions() == ["onboarding.rules_change", "onboarding.rules_change"]


def test_too_long_rules_are_refused(gig, owner):
    before = database_snapshot()
    with pytest.raises(DomainError, match="at most 50000 characters"):
        services.save_rules(gig, rules="x" * 50_001, by=owner)
    assert database_snapshot() == before


# --- settings ---------------------------------------------------------------------


def test_settings_are_saved(gig):
    services.save_settings(gig, settings=settings(time_limit_minutes=None))
    assert QuizSettings.of(services.onboarding_for(gig)) == settings(time_limit_minutes=None)


def test_a_new_quiz_starts_with_the_default_settings(gig):
    assert QuizSettings.of(None) == QuizSettings(
        pass_mark_percent=80,
        time_limit_minutes=20,
        max_attempts=3,
        retry_delay_minutes=60,
        questions_per_attempt=None,
        shuffle_options=True,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pass_mark_percent": 150}, "The pass mark must be between 0 and 100 percent."),
        ({"pass_mark_percent": -1}, "The pass mark must be between 0 and 100 percent."),
        ({"time_limit_minutes": 0}, "The time limit must be between 1 and 480 minutes"),
        ({"max_attempts": 0}, "The number of attempts must be between 1 and 20."),
        ({"retry_delay_minutes": -5}, "waiting time between attempts must be between 0 and"),
        ({"questions_per_attempt": 0}, "Draw at least 1 question"),
        ({"questions_per_attempt": 4}, "You can draw at most 3 questions: the quiz has 3."),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(gig, changes, message):
    make_onboarding(gig)
    before = database_snapshot()
    with pytest.raises(DomainError, match=message.replace("(", r"\(")):
        services.save_settings(gig, settings=settings(**changes))
    assert database_snapshot() == before


def test_settings_of_a_gig_without_onboarding_refused_create_nothing(gig):
    with pytest.raises(DomainError, match="You can draw at most 0 questions"):
        services.save_settings(gig, settings=settings(questions_per_attempt=1))
    assert services.onboarding_for(gig) is None


# --- questions --------------------------------------------------------------------


def test_adding_and_editing_questions(gig):
    first = services.save_question(gig, text=" Parcel late? ", kind="single", options=SINGLE)
    second = services.save_question(
        gig,
        text="Every answer has…",
        kind=QuestionKind.MULTIPLE,
        options=[("a greeting", True), ("the order number", True), ("a joke", False)],
    )
    assert [q.position for q in (first, second)] == [0, 1]
    assert first.text == "Parcel late?"
    assert [(o.text, o.is_correct) for o in first.options] == SINGLE[:2]

    services.save_question(
        gig,
        question=first,
        text="Parcel late!",
        kind="multiple",
        options=[("a", True), ("b", True)],
    )
    _db.session.expire_all()
    onboarding = services.onboarding_for(gig)
    assert [(q.text, q.kind) for q in onboarding.questions] == [
        ("Parcel late!", QuestionKind.MULTIPLE),
        ("Every answer has…", QuestionKind.MULTIPLE),
    ]
    assert [(o.text, o.is_correct) for o in onboarding.questions[0].options] == [
        ("a", True),
        ("b", True),
    ]
    assert _db.session.scalar(sa.select(sa.func.count(QuizOption.id))) == 5  # old ones are gone


BAD_QUESTIONS = [
    ({"options": [("a", False), ("b", False)]}, "Please mark at least one option as correct."),
    ({"options": [("a", True), ("b", True)]}, "A single-choice question has exactly one correct"),
    ({"options": [("a", True), ("", False), ("  ", False)]}, "at least 2 options with a text"),
    ({"options": [("a", True), ("", True)]}, "An option marked as correct has no text."),
    ({"options": [(f"o{i}", i == 0) for i in range(11)]}, "at most 10 options"),
    ({"options": [("Same", True), ("same", False)]}, "Two options have the same text"),
    ({"options": [("a", True), ("b" * 501, False)]}, "each option to at most 500 characters"),
    ({"text": "  "}, "Please write the question."),
    ({"text": "q" * 2001}, "the question to at most 2000 characters"),
    ({"kind": "essay"}, "Please choose single choice or multiple choice."),
    ({"kind": "multiple", "options": [("a", False), ("b", False)]}, "at least one option as"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_QUESTIONS)
def test_bad_questions_are_refused_and_nothing_changes(gig, changes, message):
    onboarding = make_onboarding(gig)
    question = onboarding.questions[0]
    fields = {"text": "A question?", "kind": "single", "options": SINGLE, **changes}
    before = database_snapshot()
    for target in (None, question):  # neither a new question nor an edit
        with pytest.raises(DomainError, match=message):
            services.save_question(gig, question=target, **fields)
        assert database_snapshot() == before


def test_a_quiz_holds_at_most_200_questions(gig):
    make_onboarding(gig, questions=[(f"Q{i}", "single", SINGLE[:2]) for i in range(200)])
    with pytest.raises(DomainError, match="at most 200 questions"):
        services.save_question(gig, text="One more", kind="single", options=SINGLE)


def test_option_ids_do_not_reveal_the_order_they_were_written_in(gig, monkeypatch):
    monkeypatch.setattr(services, "_id_shuffle", random.Random(7))
    options = [(f"option {i}", i == 0) for i in range(10)]
    question = services.save_question(gig, text="Which?", kind="single", options=options)
    _db.session.expire_all()
    ids = [option.id for option in question.options]  # in the written order
    assert [option.text for option in question.options] == [text for text, _c in options]
    assert ids != sorted(ids)


def test_moving_and_deleting_questions(gig):
    onboarding = make_onboarding(gig, questions_per_attempt=3)
    first, second, third = onboarding.questions
    assert services.move_question(first, -1) is False  # already at the top
    assert services.move_question(third, -1) is True
    assert services.move_question(first, 1) is True
    _db.session.expire_all()
    assert [q.id for q in services.onboarding_for(gig).questions] == [third.id, first.id, second.id]

    services.delete_question(first)
    _db.session.expire_all()
    onboarding = services.onboarding_for(gig)
    assert [(q.id, q.position) for q in onboarding.questions] == [(third.id, 0), (second.id, 1)]
    assert onboarding.questions_per_attempt == 2  # never more than there are


# --- export and import ------------------------------------------------------------


def test_export_and_import_round_trip(gig, owner):
    make_onboarding(gig)
    services.save_settings(
        gig,
        settings=settings(
            pass_mark_percent=70,
            time_limit_minutes=None,
            max_attempts=3,
            retry_delay_minutes=60,
            questions_per_attempt=2,
            shuffle_options=True,
        ),
    )
    exported = quiz_files.export_quiz(gig)
    assert exported["format"] == "nebendesk-quiz" and exported["version"] == 1
    assert exported["settings"] == {
        "pass_mark_percent": 70,
        "time_limit_minutes": None,
        "max_attempts": 3,
        "retry_delay_minutes": 60,
        "questions_per_attempt": 2,
        "shuffle_options": True,
    }
    assert exported["questions"][1] == {
        "text": "Which belong in every answer?",
        "kind": "multiple",
        "must_pass": False,
        "options": [
            {"text": "A greeting", "correct": True},
            {"text": "The customer's order number", "correct": True},
            {"text": "Your private phone", "correct": False},
        ],
    }
    other = PublishedGigFactory(company=gig.company, created_by=owner)
    make_onboarding(other, rules="Other rules.", questions=[("Old?", "single", SINGLE[:2])])
    quiz_files.import_quiz(other, copy.deepcopy(exported), by=owner)
    _db.session.expire_all()
    assert quiz_files.export_quiz(other) == exported
    assert services.onboarding_for(other).rules == "Other rules."  # not part of a quiz
    assert audit_actions() == ["onboarding.import_quiz"]
    assert _db.session.scalar(sa.select(sa.func.count(QuizQuestion.id))) == 6


def test_export_of_a_gig_without_onboarding_is_an_empty_quiz(gig):
    assert quiz_files.export_quiz(gig) == {
        "format": "nebendesk-quiz",
        "version": 1,
        "settings": {**vars(QuizSettings.of(None))},
        "questions": [],
    }


def quiz_file(**changes) -> dict:
    data = {
        "format": "nebendesk-quiz",
        "version": 1,
        "settings": {
            "pass_mark_percent": 80,
            "time_limit_minutes": None,
            "max_attempts": 3,
            "retry_delay_minutes": 0,
            "questions_per_attempt": None,
            "shuffle_options": True,
        },
        "questions": [
            {
                "text": "Late parcel?",
                "kind": "single",
                "options": [
                    {"text": "Track it", "correct": True},
                    {"text": "Cry", "correct": False},
                ],
            }
        ],
    }
    data.update(changes)
    return data


def _with_setting(**changes) -> dict:
    data = quiz_file()
    data["settings"].update(changes)
    return data


def _with_question(**changes) -> dict:
    data = quiz_file()
    data["questions"][0].update(changes)
    return data


BAD_FILES = [
    ([1, 2], "It is not a Nebendesk quiz"),
    (quiz_file(format="something-else"), "It is not a Nebendesk quiz"),
    (quiz_file(version=2), "Only version 1 of the quiz format can be read."),
    (quiz_file(version=True), "Only version 1"),
    ({k: v for k, v in quiz_file().items() if k != "settings"}, "The field “settings” is missing."),
    (quiz_file(questions={"a": 1}), "The field “questions” must be a list."),
    (_with_setting(pass_mark_percent=150), "Settings: The pass mark must be between 0 and 100"),
    (_with_setting(pass_mark_percent="80"), "Settings: The field “pass_mark_percent” must be a"),
    (_with_setting(max_attempts=True), "The field “max_attempts” must be a whole number."),
    (_with_setting(max_attempts=2.5), "The field “max_attempts” must be a whole number."),
    (_with_setting(time_limit_minutes="x"), "must be a whole number or null"),
    (_with_setting(shuffle_options=1), "The field “shuffle_options” must be true or false."),
    (_with_setting(questions_per_attempt=2), "You can draw at most 1 questions"),
    (quiz_file(settings={"pass_mark_percent": 80}), "The field “time_limit_minutes” is missing."),
    (quiz_file(questions=["text"]), "Question 1: It must be a JSON object."),
    (_with_question(kind="essay"), "Question 1: Please choose single choice or multiple choice."),
    (_with_question(text=None), "Question 1: The field “text” must be a text."),
    (_with_question(options=[{"text": "a"}]), "Question 1: Option 1: The field “correct” is"),
    (
        _with_question(options=[{"text": "a", "correct": False}, {"text": "b", "correct": False}]),
        "Question 1: Please mark at least one option as correct.",
    ),
    (
        quiz_file(questions=quiz_file()["questions"] * 201),
        "A quiz can have at most 200 questions; this one has 201.",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_bad_quiz_files_are_refused_and_nothing_changes(gig, owner, data, message):
    make_onboarding(gig)
    before = database_snapshot()
    with pytest.raises(DomainError) as refused:
        quiz_files.import_quiz(gig, data, by=owner)
    assert refused.value.message.startswith("This file cannot be imported.")
    assert message in refused.value.message
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "The file is not valid JSON."),
        (b"\xff\xfe\x00garbage", "The file is not UTF-8 text."),
        (b"[" * 100_000, "The file is not valid JSON."),
        (b'{"version": 1' + b" " * (1024 * 1024) + b"}", "The file is larger than 1 MB."),
    ],
)
def test_unreadable_files_are_refused(raw, message):
    with pytest.raises(DomainError, match=message):
        quiz_files.read_quiz_file(raw)


def test_a_file_with_a_byte_order_mark_is_read():
    assert quiz_files.read_quiz_file(b"\xef\xbb\xbf" + b'{"format": 1}') == {"format": 1}


# --- the paper ----------------------------------------------------------------------


def test_paper_shows_questions_and_options_without_the_key(gig):
    onboarding = make_onboarding(gig, shuffle_options=False)
    paper, key = services.paper_for(onboarding, random.Random(1))
    assert [q["text"] for q in paper] == [q.text for q in onboarding.questions]
    first = onboarding.questions[0]
    assert paper[0] == {
        "id": first.id,
        "text": first.text,
        "kind": "single",
        "must_pass": False,
        "options": [{"id": o.id, "text": o.text} for o in first.options],
    }
    assert key == {
        str(q.id): sorted(o.id for o in q.options if o.is_correct) for q in onboarding.questions
    }
    assert key == services.answer_key(onboarding.questions)


def test_paper_draws_and_shuffles(gig):
    questions = [(f"Q{i}", "single", [(f"{i}-{j}", j == 0) for j in range(6)]) for i in range(8)]
    onboarding = make_onboarding(gig, questions=questions, questions_per_attempt=3)
    position = {q.id: q.position for q in onboarding.questions}
    papers = [services.paper_for(onboarding, random.Random(seed)) for seed in range(20)]
    for paper, key in papers:
        ids = [q["id"] for q in paper]
        assert len(ids) == 3 and ids == sorted(ids, key=position.get)  # the company's order
        assert set(key) == {str(i) for i in ids}  # the key of exactly the drawn questions
    assert len({tuple(q["id"] for q in paper) for paper, _key in papers}) > 1
    option_orders = {tuple(o["text"] for o in q["options"]) for p, _k in papers for q in p}
    assert any(list(order) != sorted(order) for order in option_orders)
    assert all(sorted(order) == [f"{order[0][0]}-{j}" for j in range(6)] for order in option_orders)


def test_paper_of_an_onboarding_without_questions_is_empty(gig):
    onboarding = Onboarding(gig_id=gig.id)
    _db.session.add(onboarding)
    _db.session.flush()
    assert services.paper_for(onboarding, random.Random(1)) == ([], {})
