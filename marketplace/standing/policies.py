"""Authorization rules of account standing (see auth/policies.py).

The viewer of the standing page is the *person* (standing/access.py): the logged-in
user, or a suspended one who has just proved their password — so these rules accept
a suspended account where every other rule asks for an active one.
"""

from __future__ import annotations

from typing import Any

from marketplace.accounts.models import User
from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, is_admin
from marketplace.standing.models import Appeal, Measure


def _person(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) else None


@rule("standing.view")
def _standing_view(viewer: Viewer, _obj: Any = None) -> bool:
    return _person(viewer) is not None


@rule("measure.appeal")
def _measure_appeal(viewer: Viewer, measure: Measure) -> bool:
    """The person it concerns; for a suspended company, any of its members."""
    person = _person(viewer)
    if person is None:
        return False
    if measure.user_id is not None:
        return measure.user_id == person.id
    return person.membership is not None and person.membership.company_id == measure.company_id


@rule("appeal.decide")
def _appeal_decide(viewer: Viewer, _appeal: Appeal) -> bool:
    return is_admin(viewer)
