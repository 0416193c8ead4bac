"""Engagements with real (approved) work, made through the payment services."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from marketplace.extensions import db
from marketplace.onboarding import engagements
from marketplace.onboarding.models import Engagement
from marketplace.payments import units
from marketplace.payments.models import UnitKind
from tests.factories import UserFactory, company_member
from tests.payments.helpers import funded, hired


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def working(
    *, approved: int = 10, pending: int = 0, ended: bool = False, worker_locale: str = "en",
    company_name: str = "Radhaus GmbH", owner_locale: str = "en",
) -> Engagement:  # fmt: skip
    """A worker hired by a funded company, with ``approved`` units approved by the owner
    (and ``pending`` more waiting for review); the engagement ``ended`` if asked."""
    owner = company_member(email=f"owner-{company_name[:4].lower()}@example.test")
    owner.locale = owner_locale
    owner.company.name = company_name
    worker = UserFactory(
        email="lena@example.test", display_name="Lena Fischer", locale=worker_locale,
        languages=["de", "en"],
    )  # fmt: skip
    engagement = hired(rate_cents=100, company=owner.company, worker=worker)
    funded(owner.company, 10_000)
    for n in range(approved + pending):
        unit = units.record_units(
            engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source=f"test:{n}",
            work_date=date.today(), by=worker,
        )  # fmt: skip
        if n < approved:
            units.approve(unit, by=owner)
    if ended:
        engagements.end(engagement, by=owner, reason="The season is over.")
    db.session.commit()
    return engagement


def owner_of(engagement: Engagement):
    return engagement.gig.company.memberships[0].user
