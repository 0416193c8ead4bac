"""Authorization matrix, part: the company's onboarding builder (builder_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import OWN_COMPANY, Expectations


def _base(w) -> str:
    return f"/company/gigs/{w.published.id}/onboarding"


def _question(w) -> str:
    return f"{_base(w)}/questions/{w.question.id}"


BUILDER: Expectations = {
    ("onboarding_builder.overview", "GET"): (_base, OWN_COMPANY),
    ("onboarding_builder.save_rules", "POST"): (lambda w: f"{_base(w)}/rules", OWN_COMPANY),
    ("onboarding_builder.save_settings", "POST"): (lambda w: f"{_base(w)}/settings", OWN_COMPANY),
    ("onboarding_builder.new_question", "GET"): (
        lambda w: f"{_base(w)}/questions/new",
        OWN_COMPANY,
    ),
    ("onboarding_builder.new_question", "POST"): (
        lambda w: f"{_base(w)}/questions/new",
        OWN_COMPANY,
    ),
    ("onboarding_builder.edit_question", "GET"): (_question, OWN_COMPANY),
    ("onboarding_builder.edit_question", "POST"): (_question, OWN_COMPANY),
    ("onboarding_builder.delete_question", "POST"): (
        lambda w: f"{_question(w)}/delete",
        OWN_COMPANY,
    ),
    ("onboarding_builder.move_question", "POST"): (lambda w: f"{_question(w)}/move", OWN_COMPANY),
    ("onboarding_builder.preview", "GET"): (lambda w: f"{_base(w)}/preview", OWN_COMPANY),
    ("onboarding_builder.export", "GET"): (lambda w: f"{_base(w)}/export", OWN_COMPANY),
    ("onboarding_builder.import_quiz", "POST"): (lambda w: f"{_base(w)}/import", OWN_COMPANY),
}
