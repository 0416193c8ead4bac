"""Authorization matrix, part: payments (marketplace/payments/*_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import ANY_COMPANY, BAD, SEEKER_ONLY, Expectations, everyone

# The webhook takes no session and no CSRF token: only a valid Stripe
# signature, which nobody in the world has (tests/payments/test_webhooks.py).
WEBHOOK_ONLY_SIGNED = everyone(BAD)

PAYMENTS: Expectations = {
    ("stripe_webhook.receive", "POST"): (lambda w: "/stripe/webhook", WEBHOOK_ONLY_SIGNED),
    ("balance.overview", "GET"): (lambda w: "/company/balance", ANY_COMPANY),
    ("earnings.overview", "GET"): (lambda w: "/earnings", SEEKER_ONLY),
    ("earnings.connect", "POST"): (lambda w: "/earnings/connect", SEEKER_ONLY),
    ("earnings.connect_return", "GET"): (lambda w: "/earnings/connect/return", SEEKER_ONLY),
    ("earnings.connect_refresh", "GET"): (lambda w: "/earnings/connect/refresh", SEEKER_ONLY),
}
