"""Authorization matrix, part: the seeker's side (onboarding/views.py).

test_matrix.py merges every part and fails for a route without a line.
``w.application`` is the world's seeker's; ``w.engagement`` is another seeker's.
"""

from __future__ import annotations

from tests.auth.matrix_common import LOGIN, NF, SEEKER_ONLY, Expectations, everyone

WORKER_ONLY = {**everyone(NF), "anonymous": LOGIN}  # none of the roles is the hired worker

APPLICATIONS: Expectations = {
    ("applications.apply", "GET"): (lambda w: f"/gigs/{w.published.id}/apply", SEEKER_ONLY),
    ("applications.apply", "POST"): (lambda w: f"/gigs/{w.published.id}/apply", SEEKER_ONLY),
    ("applications.mine", "GET"): (lambda w: "/applications", SEEKER_ONLY),
    ("applications.detail", "GET"): (lambda w: f"/applications/{w.application.id}", SEEKER_ONLY),
    ("applications.withdraw", "POST"): (
        lambda w: f"/applications/{w.application.id}/withdraw",
        SEEKER_ONLY,
    ),
    ("applications.rules", "GET"): (
        lambda w: f"/applications/{w.application.id}/rules",
        SEEKER_ONLY,
    ),
    ("applications.rules", "POST"): (
        lambda w: f"/applications/{w.application.id}/rules",
        SEEKER_ONLY,
    ),
    ("applications.start_quiz", "POST"): (
        lambda w: f"/applications/{w.application.id}/quiz",
        SEEKER_ONLY,
    ),
    ("applications.attempt", "GET"): (
        lambda w: f"/applications/{w.application.id}/quiz/{w.attempt.number}",
        SEEKER_ONLY,
    ),
    ("applications.attempt", "POST"): (
        lambda w: f"/applications/{w.application.id}/quiz/{w.attempt.number}",
        SEEKER_ONLY,
    ),
    ("applications.work_rules", "GET"): (
        lambda w: f"/work/{w.engagement.id}/rules",
        WORKER_ONLY,
    ),
    ("applications.work_rules", "POST"): (
        lambda w: f"/work/{w.engagement.id}/rules",
        WORKER_ONLY,
    ),
}
