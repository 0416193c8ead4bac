"""Authorization matrix, part: the inbound mail API (workpool/api_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import DENIED, Expectations, everyone

# Logged in or not, no session gets in: only the mailbox's token does (tests/workpool).
WORKPOOL_API: Expectations = {
    ("workpool_api.receive_message", "POST"): (
        lambda w: "/api/v1/mailboxes/1/messages",
        everyone(DENIED),
    ),
}
