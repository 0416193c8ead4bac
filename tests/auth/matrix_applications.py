"""Authorization matrix, part: the seeker's side (onboarding/views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import Expectations

APPLICATIONS: Expectations = {}
