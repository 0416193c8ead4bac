"""Authorization matrix, part: the company's "Review a sample" of a community's
decisions (moderation/quality_views.py). Everything of it is 404 to another
company, to seekers and to admins; anonymous visitors log in first."""

from __future__ import annotations

from marketplace.moderation.item_models import DecisionAction
from tests.auth.matrix_common import LOGIN, NF, OWN_COMPANY, Expectations, everyone
from tests.auth.matrix_moderation_company import PREFIX, _c, _community
from tests.moderation import company_helpers
from tests.world import World


def _decision(w: World) -> str:
    community = _community(w)
    engagement = company_helpers.hire_moderator(community)
    decision = company_helpers.decided(community, engagement, DecisionAction.REMOVE, rule_number=1)
    return f"{PREFIX}/{community.id}/quality/{decision.id}"


def _foreign_decision(w: World) -> str:
    """The world company's community with a decision of another company's community."""
    foreign = company_helpers.make_community(w.other_company, name="Other lobby")
    engagement = company_helpers.hire_moderator(foreign)
    decision = company_helpers.decided(foreign, engagement, DecisionAction.REMOVE, rule_number=1)
    return f"{_c(w)}/quality/{decision.id}"


MODERATION_QUALITY: Expectations = {
    ("community_manage.quality_sample", "GET"): (
        lambda w: f"{_c(w)}/quality?size=25",
        OWN_COMPANY,
    ),
    ("community_manage.quality_keep", "POST"): (lambda w: f"{_decision(w)}/keep", OWN_COMPANY),
    ("community_manage.quality_overturn", "POST"): (
        lambda w: f"{_decision(w)}/overturn",
        OWN_COMPANY,
    ),
}

HIDDEN = {**everyone(NF), "anonymous": LOGIN}

HIDDEN_QUALITY_OBJECTS = [
    ("unknown community's sample", "GET", lambda w: f"{PREFIX}/999999/quality", HIDDEN),
    ("another community's decision kept", "POST", lambda w: f"{_foreign_decision(w)}/keep", HIDDEN),
    (
        "another community's decision overturned",
        "POST",
        lambda w: f"{_foreign_decision(w)}/overturn",
        HIDDEN,
    ),
]
