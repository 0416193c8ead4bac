"""Authorization matrix, part: the company's pages of a community
(moderation/company_views.py and company_review_views.py).

The world company's community (default netiquette) is made on demand; with it a
decided item (for control items) and an active control item. Everything of it is
404 to another company, to seekers and to admins; anonymous visitors log in first.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import controls
from marketplace.moderation.item_models import DecisionAction, DecisionStatus
from marketplace.moderation.models import Community
from tests.auth.matrix_common import LOGIN, NF, OWN_COMPANY, Expectations, UrlFor, everyone
from tests.moderation import company_helpers
from tests.world import World

PREFIX = "/company/communities"


def _community(w: World) -> Community:
    return company_helpers.make_community(w.company)


def _c(w: World) -> str:
    return f"{PREFIX}/{_community(w).id}"


def _rule(w: World) -> str:
    community = _community(w)
    rule_id = company_helpers.netiquette.rules_of(community)[1].id
    return f"{PREFIX}/{community.id}/netiquette/{rule_id}"


def _decided_item(w: World) -> str:
    community = _community(w)
    engagement = company_helpers.hire_moderator(community)
    decision = company_helpers.decided(community, engagement, DecisionAction.APPROVE, pay=False)
    return f"{PREFIX}/{community.id}/items/{decision.item_id}/control"


def _control(w: World) -> str:
    community = _community(w)
    engagement = company_helpers.hire_moderator(community)
    decision = company_helpers.decided(community, engagement, DecisionAction.APPROVE, pay=False)
    control = controls.mark_control(
        decision.item, expected_action=DecisionAction.APPROVE, expected_rule=None, by=w.owner
    )
    db.session.commit()
    return f"{PREFIX}/{community.id}/controls/{control.id}/deactivate"


def _proposal(w: World) -> str:
    community = _community(w)
    engagement = company_helpers.hire_moderator(community)
    decision = company_helpers.decided(
        community,
        engagement,
        DecisionAction.BAN,
        rule_number=1,
        status=DecisionStatus.PROPOSED,
        respond_by=utcnow() + timedelta(hours=48),
        pay=False,
    )
    return f"{PREFIX}/{community.id}/proposals/{decision.id}"


MODERATION_COMPANY: Expectations = {
    ("community_manage.overview", "GET"): (_c, OWN_COMPANY),
    ("community_manage.rules", "GET"): (lambda w: f"{_c(w)}/netiquette", OWN_COMPANY),
    ("community_manage.rules", "POST"): (lambda w: f"{_c(w)}/netiquette", OWN_COMPANY),
    ("community_manage.edit_rule", "GET"): (_rule, OWN_COMPANY),
    ("community_manage.edit_rule", "POST"): (_rule, OWN_COMPANY),
    ("community_manage.move_rule", "POST"): (lambda w: f"{_rule(w)}/move", OWN_COMPANY),
    ("community_manage.toggle_rule", "POST"): (lambda w: f"{_rule(w)}/active", OWN_COMPANY),
    ("community_manage.ladder", "GET"): (lambda w: f"{_c(w)}/ladder", OWN_COMPANY),
    ("community_manage.ladder", "POST"): (lambda w: f"{_c(w)}/ladder", OWN_COMPANY),
    ("community_manage.words", "GET"): (lambda w: f"{_c(w)}/words", OWN_COMPANY),
    ("community_manage.words", "POST"): (lambda w: f"{_c(w)}/words", OWN_COMPANY),
    ("community_manage.settings", "GET"): (lambda w: f"{_c(w)}/settings", OWN_COMPANY),
    ("community_manage.settings", "POST"): (lambda w: f"{_c(w)}/settings", OWN_COMPANY),
    ("community_manage.audit", "GET"): (
        lambda w: f"{_c(w)}/audit?action=remove&moderator=1&page=2",
        OWN_COMPANY,
    ),
    ("community_manage.escalations", "GET"): (lambda w: f"{_c(w)}/escalations", OWN_COMPANY),
    ("community_manage.proposals", "GET"): (lambda w: f"{_c(w)}/proposals", OWN_COMPANY),
    ("community_manage.confirm_proposal", "POST"): (
        lambda w: f"{_proposal(w)}/confirm",
        OWN_COMPANY,
    ),
    ("community_manage.decline_proposal", "POST"): (
        lambda w: f"{_proposal(w)}/decline",
        OWN_COMPANY,
    ),
    ("community_manage.mark_control", "GET"): (_decided_item, OWN_COMPANY),
    ("community_manage.mark_control", "POST"): (_decided_item, OWN_COMPANY),
    ("community_manage.controls_list", "GET"): (lambda w: f"{_c(w)}/controls", OWN_COMPANY),
    ("community_manage.deactivate_control", "POST"): (_control, OWN_COMPANY),
    ("community_manage.dashboard", "GET"): (lambda w: f"{_c(w)}/dashboard", OWN_COMPANY),
    ("community_manage.dashboard_csv", "GET"): (
        lambda w: f"{_c(w)}/dashboard.csv",
        OWN_COMPANY,
    ),
}


def _foreign_rule(w: World) -> str:
    """The world company's community with a rule of another company's community."""
    foreign = company_helpers.make_community(w.other_company, name="Other lobby")
    rule_id = company_helpers.netiquette.rules_of(foreign)[0].id
    return f"{_c(w)}/netiquette/{rule_id}"


def _foreign_item(w: World) -> str:
    foreign = company_helpers.make_community(w.other_company, name="Other lobby")
    engagement = company_helpers.hire_moderator(foreign)
    decision = company_helpers.decided(foreign, engagement, DecisionAction.APPROVE, pay=False)
    return f"{_c(w)}/items/{decision.item_id}/control"


HIDDEN = {**everyone(NF), "anonymous": LOGIN}

HIDDEN_COMMUNITY_OBJECTS: list[tuple[str, str, UrlFor, dict[str, str]]] = [
    ("unknown community", "GET", lambda w: f"{PREFIX}/999999", HIDDEN),
    ("another community's rule", "GET", _foreign_rule, HIDDEN),
    ("another community's rule moved", "POST", lambda w: f"{_foreign_rule(w)}/move", HIDDEN),
    ("another community's item as control", "POST", _foreign_item, HIDDEN),
]
