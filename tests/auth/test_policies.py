"""Rules that depend on state rather than role: suspension, maturity, age."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from marketplace.accounts.models import CompanyRole
from marketplace.auth.policies import can
from marketplace.db import utcnow
from tests.factories import (
    AdminFactory,
    DraftGigFactory,
    MatureSeekerFactory,
    MatureTagFactory,
    MinorSeekerFactory,
    PublishedGigFactory,
    UserFactory,
    company_member,
)


def test_members_of_a_suspended_company_can_look_but_not_change(db):
    owner = company_member()
    manager = company_member(owner.company, CompanyRole.MANAGER)
    gig = DraftGigFactory(company=owner.company, created_by=owner)
    owner.company.suspended_at = utcnow()
    for member in (owner, manager):
        assert can(member, "gig.manage", gig)
        for action in ("gig.edit", "gig.submit", "gig.close", "gig.withdraw"):
            assert not can(member, action, gig), action
        assert not can(member, "company.post_gigs", owner.company)
    assert not can(owner, "company.manage", owner.company)


def test_only_owners_manage_the_company(db):
    owner = company_member()
    manager = company_member(owner.company, CompanyRole.MANAGER)
    assert can(owner, "company.manage", owner.company)
    assert not can(manager, "company.manage", owner.company)
    assert can(manager, "company.post_gigs", owner.company)


def test_a_suspended_user_is_nobody(db):
    admin = AdminFactory(suspended_at=utcnow())
    assert not can(admin, "admin.access")


@pytest.mark.parametrize(
    ("make_viewer", "sees"),
    [
        (AnonymousUserMixin, False),
        (UserFactory, False),  # adult, not opted in
        (MinorSeekerFactory, False),
        (MatureSeekerFactory, True),
        (AdminFactory, True),
    ],
)
def test_mature_content_is_for_opted_in_adults(db, make_viewer, sees):
    gig = PublishedGigFactory(tags=[MatureTagFactory()])
    viewer = make_viewer()
    assert can(viewer, "gig.view", gig)  # the page exists (as a gate) …
    assert can(viewer, "gig.see_content", gig) is sees  # … its content only for some
