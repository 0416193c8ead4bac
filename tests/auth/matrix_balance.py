"""Authorization matrix, part: the company's money (payments/company_views.py).

test_matrix.py merges every part and fails for a route without a line.
The world company's objects are made on demand (a card payment whose intent
exists, so no Stripe call is needed; a funded, recorded work unit).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marketplace.extensions import db
from marketplace.payments import units
from marketplace.payments.models import Payment, UnitKind
from tests.auth.matrix_common import ANY_COMPANY, OWN_COMPANY, Expectations, UrlFor
from tests.payments.helpers import funded
from tests.world import World


def _payment(w: World) -> int:
    payment = Payment(
        company_id=w.company.id,
        created_by_id=w.owner.id,
        amount_cents=5000,
        stripe_payment_intent_id="pi_world_matrix",
        client_secret="pi_world_matrix_secret_x",
    )
    db.session.add(payment)
    db.session.commit()
    return payment.id


def _unit(w: World) -> int:
    funded(w.company, 10_000)
    unit = units.record_units(
        w.engagement,
        kind=UnitKind.EMAIL,
        quantity=Decimal(1),
        source="matrix:1",
        work_date=date.today(),
        by=w.owner,
    )
    db.session.commit()
    return unit.id


BALANCE: Expectations = {
    ("balance.overview", "GET"): (lambda w: "/company/balance?page=1", ANY_COMPANY),
    ("balance.fund", "POST"): (lambda w: "/company/balance/fund", ANY_COMPANY),
    ("balance.pay", "GET"): (
        lambda w: f"/company/balance/payments/{_payment(w)}",
        OWN_COMPANY,
    ),
    ("balance.payment_done", "GET"): (
        lambda w: f"/company/balance/payments/{_payment(w)}/done",
        OWN_COMPANY,
    ),
    ("balance.cancel_payment", "POST"): (
        lambda w: f"/company/balance/payments/{_payment(w)}/cancel",
        OWN_COMPANY,
    ),
    ("balance.withdraw", "POST"): (lambda w: "/company/balance/withdraw", ANY_COMPANY),
    ("balance.review", "GET"): (
        lambda w: "/company/review?tab=history&kind=escalation",
        ANY_COMPANY,
    ),
    ("balance.approve", "POST"): (
        lambda w: f"/company/review/units/{_unit(w)}/approve",
        OWN_COMPANY,
    ),
    ("balance.reject", "POST"): (
        lambda w: f"/company/review/units/{_unit(w)}/reject",
        OWN_COMPANY,
    ),
    ("balance.approve_many", "POST"): (lambda w: "/company/review/approve", ANY_COMPANY),
    ("balance.new_unit", "GET"): (
        lambda w: f"/company/engagements/{w.engagement.id}/units/new",
        OWN_COMPANY,
    ),
    ("balance.new_unit", "POST"): (
        lambda w: f"/company/engagements/{w.engagement.id}/units/new",
        OWN_COMPANY,
    ),
    ("balance.spend", "GET"): (lambda w: "/company/spend?period=week&by=worker", ANY_COMPANY),
    ("balance.statement_csv", "GET"): (lambda w: "/company/statements.csv", ANY_COMPANY),
}

# The one review filtered by the world company's gig and worker: every company sees its
# own review (another company's ids filter to nothing; nothing of the world's shows).
REVIEW_FILTERS: list[tuple[str, str, UrlFor, dict[str, str]]] = [
    (
        "review filtered by gig, worker and kind",
        "GET",
        lambda w: f"/company/review?gig={w.published.id}&worker={w.worker.id}&kind=email",
        ANY_COMPANY,
    ),
]
