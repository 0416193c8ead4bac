"""Authorization matrix, part: the admin's money pages (payments/admin_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import Expectations

PAYMENTS_ADMIN: Expectations = {}
