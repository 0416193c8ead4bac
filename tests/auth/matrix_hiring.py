"""Authorization matrix, part: the company's pipeline and engagements (hiring_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import Expectations

HIRING: Expectations = {}
