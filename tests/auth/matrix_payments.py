"""Authorization matrix, part: the Stripe webhook (payments/webhook_views.py).

test_matrix.py merges every part and fails for a route without a line.
"""

from __future__ import annotations

from tests.auth.matrix_common import BAD, Expectations, everyone

# The webhook takes no session and no CSRF token: only a valid Stripe
# signature, which nobody in the world has (tests/payments/test_webhooks.py).
WEBHOOK_ONLY_SIGNED = everyone(BAD)

PAYMENTS: Expectations = {
    ("stripe_webhook.receive", "POST"): (lambda w: "/stripe/webhook", WEBHOOK_ONLY_SIGNED),
}
