"""Authorization matrix, part: the company's pipeline and engagements (hiring_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import ANY_COMPANY, OWN_COMPANY, Expectations

HIRING: Expectations = {
    ("hiring.pipeline", "GET"): (
        lambda w: f"/company/gigs/{w.published.id}/applicants?status=onboarding",
        OWN_COMPANY,
    ),
    ("hiring.applicant", "GET"): (
        lambda w: f"/company/applications/{w.application.id}",
        OWN_COMPANY,
    ),
    ("hiring.hire", "POST"): (
        lambda w: f"/company/applications/{w.application.id}/hire",
        OWN_COMPANY,
    ),
    ("hiring.reject", "POST"): (
        lambda w: f"/company/applications/{w.application.id}/reject",
        OWN_COMPANY,
    ),
    ("hiring.engagement_list", "GET"): (lambda w: "/company/engagements", ANY_COMPANY),
    ("hiring.pause", "POST"): (
        lambda w: f"/company/engagements/{w.engagement.id}/pause",
        OWN_COMPANY,
    ),
    ("hiring.resume", "POST"): (
        lambda w: f"/company/engagements/{w.engagement.id}/resume",
        OWN_COMPANY,
    ),
    ("hiring.end", "POST"): (
        lambda w: f"/company/engagements/{w.engagement.id}/end",
        OWN_COMPANY,
    ),
}
