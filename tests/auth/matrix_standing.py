"""Authorization matrix, part: account standing (standing/views.py, standing/admin_views.py).

test_matrix.py merges every part and fails for a route without a line. ``w.measure``
is the seeker's (over, not appealed); ``w.appeal`` the worker's, whom no role is.
"""

from __future__ import annotations

from tests.auth.matrix_common import ADMIN_ONLY, LOGGED_IN, LOGIN, NF, Expectations

OWN_MEASURE = {"anonymous": LOGIN, "seeker": "ok", "other_company": NF, "company": NF, "admin": NF}

STANDING: Expectations = {
    ("standing.overview", "GET"): (lambda w: "/account/standing", LOGGED_IN),
    ("standing.appeal", "POST"): (
        lambda w: f"/account/standing/measures/{w.measure.id}/appeal",
        OWN_MEASURE,
    ),
    ("standing_admin.queue", "GET"): (lambda w: "/admin/appeals/?status=decided", ADMIN_ONLY),
    ("standing_admin.detail", "GET"): (lambda w: f"/admin/appeals/{w.appeal.id}", ADMIN_ONLY),
    ("standing_admin.decide", "POST"): (
        lambda w: f"/admin/appeals/{w.appeal.id}/decide",
        ADMIN_ONLY,
    ),
}
