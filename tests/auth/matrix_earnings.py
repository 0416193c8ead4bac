"""Authorization matrix, part: the worker's money (payments/worker_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import SEEKER_ONLY, Expectations

EARNINGS: Expectations = {
    ("earnings.overview", "GET"): (lambda w: "/earnings", SEEKER_ONLY),
    ("earnings.connect", "POST"): (lambda w: "/earnings/connect", SEEKER_ONLY),
    ("earnings.connect_return", "GET"): (lambda w: "/earnings/connect/return", SEEKER_ONLY),
    ("earnings.connect_refresh", "GET"): (lambda w: "/earnings/connect/refresh", SEEKER_ONLY),
}
