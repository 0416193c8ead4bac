"""Authorization matrix, part: the admin's money pages (payments/admin_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from marketplace.payments.models import UnitStatus
from tests.auth.matrix_common import ADMIN_ONLY, Expectations
from tests.auth.matrix_earnings import unit_of_worker

PAYMENTS_ADMIN: Expectations = {
    ("payments_admin.overview", "GET"): (lambda w: "/admin/payments/", ADMIN_ONLY),
    ("payments_admin.disputes", "GET"): (lambda w: "/admin/payments/disputes", ADMIN_ONLY),
    ("payments_admin.decide_dispute", "POST"): (
        lambda w: f"/admin/payments/disputes/{unit_of_worker(w, UnitStatus.DISPUTED).id}/decide",
        ADMIN_ONLY,
    ),
    ("payments_admin.runs", "GET"): (lambda w: "/admin/payments/runs", ADMIN_ONLY),
    ("payments_admin.start_run", "POST"): (lambda w: "/admin/payments/runs", ADMIN_ONLY),
    ("payments_admin.failed", "GET"): (lambda w: "/admin/payments/failed", ADMIN_ONLY),
    ("payments_admin.check", "POST"): (lambda w: "/admin/payments/check", ADMIN_ONLY),
    ("payments_admin.rejections", "GET"): (lambda w: "/admin/payments/rejections", ADMIN_ONLY),
}
