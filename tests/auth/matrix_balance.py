"""Authorization matrix, part: the company's money (payments/company_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import ANY_COMPANY, Expectations

BALANCE: Expectations = {
    ("balance.overview", "GET"): (lambda w: "/company/balance", ANY_COMPANY),
}
