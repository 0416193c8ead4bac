"""A team lead's decisions on the other workers' units of the gig they lead: the same
``units.approve`` / ``units.reject`` the company uses (audited with the team lead as
the one who decided), and the team lead's pay for each review, recorded through
``units.record_units`` at the rate per reviewed unit of their current terms, with
the source "review:<unit id>" so one review is never paid twice. The team lead's
review units wait for the company's own review like any other work."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import InvalidTransition
from marketplace.growth import terms
from marketplace.onboarding.models import Engagement
from marketplace.payments import units
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.payments.unit_labels import review_source


def _require_open(unit: WorkUnit, lead: Engagement) -> None:
    if (
        unit.worker_id == lead.worker_id
        or unit.gig_id != lead.gig_id
        or unit.kind == UnitKind.REVIEW  # the company decides on team leads' reviews
    ):
        raise InvalidTransition(_("You cannot review this work."))  # the view 404s first
    if unit.status != UnitStatus.PENDING:
        raise InvalidTransition(_("This work has already been decided."))
    if utcnow() > unit.review_due_at:
        raise InvalidTransition(
            _("The review window for this work has ended; it is approved automatically.")
        )


def _pay_review(unit: WorkUnit, lead: Engagement, by: User) -> WorkUnit | None:
    rate = terms.current(lead).review_rate_cents
    if not rate:
        return None
    return units.record_units(
        lead,
        kind=UnitKind.REVIEW,
        quantity=Decimal(1),
        source=review_source(unit),
        work_date=utcnow().date(),
        by=by,
        rate_cents=rate,
    )


def approve(unit: WorkUnit, *, lead: Engagement, by: User) -> WorkUnit | None:
    """Approve another worker's unit as team lead; returns the team lead's review unit."""
    _require_open(unit, lead)
    units.approve(unit, by=by)
    return _pay_review(unit, lead, by)


def reject(unit: WorkUnit, *, lead: Engagement, by: User, reason: str) -> WorkUnit | None:
    """Reject another worker's unit as team lead (the worker may dispute it as always)."""
    _require_open(unit, lead)
    units.reject(unit, by=by, reason=reason)
    return _pay_review(unit, lead, by)
