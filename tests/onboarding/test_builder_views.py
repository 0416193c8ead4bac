"""A company builds a gig's onboarding through the builder's pages."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding import quiz_file, services
from marketplace.onboarding.models import QuizOption
from tests.factories import PublishedGigFactory, company_member, make_onboarding
from tests.onboarding.test_builder_services import database_snapshot


@pytest.fixture
def gig_id(app, login_as) -> int:
    """A published gig of the logged-in manager's company."""
    with app.app_context():
        owner = company_member()
        manager = company_member(owner.membership.company, CompanyRole.MANAGER)
        login_as(manager)
        return PublishedGigFactory(company=owner.membership.company, created_by=owner).id


def base(gig_id: int) -> str:
    return f"/company/gigs/{gig_id}/onboarding"


def exported(app, gig_id: int) -> dict:
    with app.app_context():
        return quiz_file.export_quiz(db.session.get(Gig, gig_id))


def question_ids(app, gig_id: int) -> list[int]:
    with app.app_context():
        onboarding = services.onboarding_for(db.session.get(Gig, gig_id))
        return [q.id for q in onboarding.questions] if onboarding else []


def snapshot(app) -> dict:
    with app.app_context():
        return database_snapshot()


def question_form(text="A parcel is late. What do you do?", kind="single", options=None, **extra):
    options = options or [("Look up the tracking", True), ("Promise a refund", False)]
    data = {"text": text, "kind": kind, **extra}
    for i, (option_text, correct) in enumerate(options):
        data[f"options-{i}-text"] = option_text
        if correct:
            data[f"options-{i}-correct"] = "y"
    return data


SETTINGS = {
    "pass_mark_percent": "75",
    "time_limit_minutes": "",
    "max_attempts": "2",
    "retry_delay_minutes": "30",
    "questions_per_attempt": "",
}


def test_company_builds_an_onboarding_through_the_pages(app, client, gig_id):
    page = client.get(f"/company/gigs/{gig_id}").get_data(as_text=True)
    assert f'href="{base(gig_id)}"' in page and "Onboarding (rules and quiz)" in page
    page = client.get(base(gig_id)).get_data(as_text=True)
    assert "No rules yet." in page and "No questions yet." in page

    response = client.post(f"{base(gig_id)}/rules", data={"rules": "Be **kind**.\n\n- no refunds"})
    assert response.status_code == 302
    page = client.get(base(gig_id)).get_data(as_text=True)
    assert "The rules are saved." in page
    assert "<strong>kind</strong>" in page and "<li>no refunds</li>" in page

    assert client.post(f"{base(gig_id)}/questions/new", data=question_form()).status_code == 302
    multiple = question_form(
        "Which belong in every answer?",
        "multiple",
        [("A greeting", True), ("The order number", True), ("Your phone number", False)],
    )
    assert client.post(f"{base(gig_id)}/questions/new", data=multiple).status_code == 302
    first, second = question_ids(app, gig_id)
    response = client.post(f"{base(gig_id)}/settings", data={**SETTINGS, "shuffle_options": "y"})
    assert response.status_code == 302

    edited = question_form(
        "A parcel is very late.", options=[("Apologise", True), ("Hide", False)], must_pass="y"
    )
    response = client.post(f"{base(gig_id)}/questions/{first}", data=edited)
    assert response.headers["Location"].endswith(f"{base(gig_id)}#q-{first}")
    response = client.post(f"{base(gig_id)}/questions/{second}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert question_ids(app, gig_id) == [second, first]

    assert exported(app, gig_id) == {
        "format": "nebendesk-quiz",
        "version": 1,
        "settings": {
            "pass_mark_percent": 75,
            "time_limit_minutes": None,
            "max_attempts": 2,
            "retry_delay_minutes": 30,
            "questions_per_attempt": None,
            "shuffle_options": True,
        },
        "questions": [
            {
                "text": "Which belong in every answer?",
                "kind": "multiple",
                "must_pass": False,
                "options": [
                    {"text": "A greeting", "correct": True},
                    {"text": "The order number", "correct": True},
                    {"text": "Your phone number", "correct": False},
                ],
            },
            {
                "text": "A parcel is very late.",
                "kind": "single",
                "must_pass": True,
                "options": [
                    {"text": "Apologise", "correct": True},
                    {"text": "Hide", "correct": False},
                ],
            },
        ],
    }
    page = client.get(base(gig_id)).get_data(as_text=True)
    assert page.index("Which belong in every answer?") < page.index("A parcel is very late.")

    response = client.post(f"{base(gig_id)}/questions/{first}/delete", follow_redirects=True)
    assert "The question is deleted." in response.get_data(as_text=True)
    assert question_ids(app, gig_id) == [second]


def test_edit_page_shows_the_question_with_its_correct_options(app, client, gig_id):
    with app.app_context():
        question = make_onboarding(db.session.get(Gig, gig_id)).questions[1]
        question_id = question.id
    page = client.get(f"{base(gig_id)}/questions/{question_id}").get_data(as_text=True)
    assert "Which belong in every answer?</textarea>" in page
    assert 'checked id="kind-1" name="kind" required type="radio" value="multiple"' in page
    assert len(re.findall(r'<input checked id="options-\d-correct"', page)) == 2
    assert 'value="A greeting"' in page and 'value="Your private phone"' in page


def test_more_option_rows_are_offered_and_nothing_is_saved(app, client, gig_id):
    page = client.get(f"{base(gig_id)}/questions/new").get_data(as_text=True)
    assert 'name="options-3-text"' in page and 'name="options-4-text"' not in page
    data = question_form(more_rows="1")
    response = client.post(f"{base(gig_id)}/questions/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="options-5-text"' in page
    assert 'value="Look up the tracking"' in page
    assert question_ids(app, gig_id) == []


BAD_SETTINGS = [
    ({"pass_mark_percent": "150"}, "The pass mark must be between 0 and 100 percent."),
    ({"pass_mark_percent": ""}, "Please enter the pass mark in percent."),
    ({"pass_mark_percent": "abc"}, "Not a valid integer value."),
    ({"time_limit_minutes": "0"}, "The time limit must be between 1 and 480 minutes"),
    ({"max_attempts": "0"}, "The number of attempts must be between 1 and 20."),
    ({"retry_delay_minutes": "-1"}, "The waiting time between attempts must be between 0 and"),
    ({"questions_per_attempt": "4"}, "You can draw at most 3 questions: the quiz has 3."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_SETTINGS)
def test_bad_settings_are_explained_and_nothing_changes(app, client, gig_id, changes, message):
    with app.app_context():
        make_onboarding(db.session.get(Gig, gig_id))
    before = snapshot(app)
    response = client.post(f"{base(gig_id)}/settings", data={**SETTINGS, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


BAD_QUESTIONS = [
    ({"options": [("a", False), ("b", False)]}, "Please mark at least one option as correct."),
    (
        {"options": [("a", True), ("b", True)]},
        "A single-choice question has exactly one correct option.",
    ),
    ({"options": [("only one", True)]}, "A question needs at least 2 options with a text."),
    ({"options": [("a", True), ("", True)]}, "An option marked as correct has no text."),
    ({"text": ""}, "Please write the question."),
    ({"kind": "essay"}, "Not a valid choice"),
    ({"kind": "multiple", "options": [("a", False), ("b", False)]}, "at least one option as"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_QUESTIONS)
@pytest.mark.parametrize("target", ["new", "existing"])
def test_bad_questions_are_explained_and_nothing_changes(
    app, client, gig_id, target, changes, message
):
    with app.app_context():
        onboarding = make_onboarding(db.session.get(Gig, gig_id))
        url = f"{base(gig_id)}/questions/" + (
            "new" if target == "new" else str(onboarding.questions[0].id)
        )
    before = snapshot(app)
    response = client.post(url, data=question_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert snapshot(app) == before


def test_rules_are_shown_sanitized(app, client, gig_id):
    rules = 'Hello <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="a()">'
    client.post(f"{base(gig_id)}/rules", data={"rules": rules})
    page = client.get(base(gig_id)).get_data(as_text=True)
    assert "<script>alert" not in page and 'href="javascript:' not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;alert(1)" in page  # shown as text (the form and the rendering)


# --- export and import --------------------------------------------------------------


def test_export_and_import_move_a_quiz_to_another_gig(app, client, gig_id):
    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        make_onboarding(gig, pass_mark_percent=70, questions_per_attempt=2, shuffle_options=False)
        other = PublishedGigFactory(company=gig.company, created_by=gig.created_by)
        old_question = ("Old?", "single", [("a", True), ("b", False)])
        make_onboarding(other, rules="Other rules.", questions=[old_question])
        other_id = other.id
    response = client.get(f"{base(gig_id)}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f"attachment; filename=quiz-{gig_id}.json"
    assert json.loads(response.data) == exported(app, gig_id)

    upload = {"file": (io.BytesIO(response.data), f"quiz-{gig_id}.json")}
    response = client.post(f"{base(other_id)}/import", data=upload, follow_redirects=True)
    assert "The quiz is imported" in response.get_data(as_text=True)
    assert exported(app, other_id) == exported(app, gig_id)
    assert len(exported(app, other_id)["questions"]) == 3
    with app.app_context():
        assert services.onboarding_for(db.session.get(Gig, other_id)).rules == "Other rules."


def _file(data) -> bytes:
    return data if isinstance(data, bytes) else json.dumps(data).encode()


def _quiz(**changes) -> dict:
    data = {
        "format": "nebendesk-quiz",
        "version": 1,
        "settings": {
            "pass_mark_percent": 80,
            "time_limit_minutes": 10,
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


def _settings(**changes) -> dict:
    data = _quiz()
    data["settings"].update(changes)
    return data


NO_CORRECT = [{"text": "Late?", "kind": "single", "options": [
    {"text": "a", "correct": False}, {"text": "b", "correct": False}]}]  # fmt: skip

BAD_FILES = [
    (b"this is not json", "The file is not valid JSON."),
    (_quiz(format="excel"), "It is not a Nebendesk quiz"),
    (_quiz(version=2), "Only version 1 of the quiz format can be read."),
    ({k: v for k, v in _quiz().items() if k != "questions"}, "The field “questions” is missing."),
    (_settings(max_attempts="3"), "The field “max_attempts” must be a whole number."),
    (_quiz(questions=NO_CORRECT), "Question 1: Please mark at least one option as correct."),
    (_settings(pass_mark_percent=150), "The pass mark must be between 0 and 100 percent."),
    (_quiz(questions=_quiz()["questions"] * 201), "A quiz can have at most 200 questions"),
    (b" " * (1024 * 1024 + 1), "The file is larger than 1 MB."),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_bad_import_files_are_explained_and_nothing_changes(app, client, gig_id, content, message):
    with app.app_context():
        make_onboarding(db.session.get(Gig, gig_id))
    before = snapshot(app)
    upload = {"file": (io.BytesIO(_file(content)), "quiz.json")}
    response = client.post(f"{base(gig_id)}/import", data=upload, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This file cannot be imported." in page
    assert message in page
    assert snapshot(app) == before


def test_import_without_a_file_is_explained(app, client, gig_id):
    before = snapshot(app)
    response = client.post(f"{base(gig_id)}/import", data={}, follow_redirects=True)
    assert "Please choose a quiz file to import." in response.get_data(as_text=True)
    assert snapshot(app) == before


# --- the preview never gives the answers away -------------------------------------------

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="[^"]*"')


def test_preview_is_the_same_whichever_options_are_correct(app, client, gig_id):
    with app.app_context():
        make_onboarding(db.session.get(Gig, gig_id), shuffle_options=False)
    first = client.get(f"{base(gig_id)}/preview").get_data(as_text=True)
    with app.app_context():
        for option in db.session.scalars(sa.select(QuizOption)):
            option.is_correct = not option.is_correct  # a different key, the same paper
        db.session.commit()
    second = client.get(f"{base(gig_id)}/preview").get_data(as_text=True)
    assert "A parcel is late. What do you do first?" in first
    assert "Your private phone" in first
    assert CSRF.sub("", first) == CSRF.sub("", second)


def test_preview_draws_and_shuffles_like_an_attempt(app, client, gig_id):
    with app.app_context():
        questions = [(f"Question {i}", "single", [(f"Q{i} option {j}", j == 0) for j in range(5)])
                     for i in range(6)]  # fmt: skip
        make_onboarding(db.session.get(Gig, gig_id), questions=questions, questions_per_attempt=2)
    pages = [client.get(f"{base(gig_id)}/preview").get_data(as_text=True) for _ in range(8)]
    for page in pages:
        assert len(re.findall(r"<legend>Question \d", page)) == 2
        assert "correct" not in page.lower()
    drawn = {tuple(re.findall(r"<legend>(Question \d)", page)) for page in pages}
    orders = {tuple(re.findall(r"Q\d option (\d)", page)) for page in pages}
    assert len(drawn) > 1 and len(orders) > 1


def test_preview_of_an_empty_quiz(client, gig_id):
    page = client.get(f"{base(gig_id)}/preview").get_data(as_text=True)
    assert "This quiz has no questions yet." in page


# --- who may use the builder ------------------------------------------------------------


def builder_requests(gig_id: int, question_id: int) -> list[tuple[str, str, dict]]:
    question = f"{base(gig_id)}/questions/{question_id}"
    upload = {"file": (io.BytesIO(json.dumps(_quiz()).encode()), "quiz.json")}
    return [
        ("GET", base(gig_id), {}),
        ("POST", f"{base(gig_id)}/rules", {"rules": "Mine now"}),
        ("POST", f"{base(gig_id)}/settings", SETTINGS),
        ("GET", f"{base(gig_id)}/questions/new", {}),
        ("POST", f"{base(gig_id)}/questions/new", question_form()),
        ("GET", question, {}),
        ("POST", question, question_form()),
        ("POST", f"{question}/delete", {}),
        ("POST", f"{question}/move", {"direction": "down"}),
        ("GET", f"{base(gig_id)}/preview", {}),
        ("GET", f"{base(gig_id)}/export", {}),
        ("POST", f"{base(gig_id)}/import", upload),
    ]


def test_another_companys_member_gets_404_everywhere_and_changes_nothing(app, client, login_as):
    with app.app_context():
        gig = PublishedGigFactory()
        question_id = make_onboarding(gig).questions[0].id
        gig_id = gig.id
        login_as(company_member())
    before = snapshot(app)
    for method, url, data in builder_requests(gig_id, question_id):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 404, (method, url)
    assert snapshot(app) == before


def test_a_question_of_another_gig_is_not_found(app, client, gig_id):
    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        make_onboarding(gig)
        other = PublishedGigFactory(company=gig.company, created_by=gig.created_by)
        foreign_id = make_onboarding(other).questions[0].id
    before = snapshot(app)
    for method, url, data in builder_requests(gig_id, foreign_id):
        if "/questions/" in url and not url.endswith("/new"):
            response = client.get(url) if method == "GET" else client.post(url, data=data)
            assert response.status_code == 404, (method, url)
    assert snapshot(app) == before


def test_a_suspended_company_sees_its_onboarding_but_cannot_change_it(app, client, gig_id):
    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        question_id = make_onboarding(gig).questions[0].id
        gig.company.suspended_at = utcnow()
        db.session.commit()
    page = client.get(base(gig_id)).get_data(as_text=True)
    assert "you can look at the onboarding but not change it" in page
    assert "Save the rules" not in page and "Add a question" not in page
    before = snapshot(app)
    for method, url, data in builder_requests(gig_id, question_id):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == (200 if method == "GET" else 404), (method, url)
    assert snapshot(app) == before
