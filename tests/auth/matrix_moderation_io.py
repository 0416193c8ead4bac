"""Authorization matrix, part: the community API (moderation/api_views.py) and the
company's "connect a community" pages (moderation/connection_views.py).

test_matrix.py merges every part and fails for a route without a line. The world
company gets a chat moderation gig on demand, with its community connected (and
one decision event to resend) where the route needs one.
"""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.gigs.models import GigCommunity, GigKind, PayModel
from marketplace.moderation import connections
from marketplace.moderation.models import Community, CommunityKind
from marketplace.work import outbox
from tests.auth.matrix_common import ANY_COMPANY, DENIED, OWN_COMPANY, Expectations, everyone
from tests.factories import PublishedGigFactory
from tests.world import World


def _gig_community_id(w: World) -> int:
    gig = PublishedGigFactory(
        company=w.company,
        created_by=w.owner,
        kind=GigKind.CHAT_MODERATION,
        pay_model=PayModel.PER_ITEM,
        rate_cents=30,
    )
    return gig.communities[0].id


def _community(w: World) -> Community:
    gig_community = db.session.get(GigCommunity, _gig_community_id(w))
    community, _token = connections.connect(
        gig_community,
        kind=CommunityKind.CHAT,
        webhook_url="",
        default_language="de",
        by=w.owner,
    )
    db.session.commit()
    return community


def _event(w: World) -> tuple[int, int]:
    community = _community(w)
    event = outbox.emit(community.id, "decision.created", {"decision": {}}, deliver=False)
    db.session.commit()
    return community.id, event.id


def _resend_url(w: World) -> str:
    community_id, event_id = _event(w)
    return f"/company/communities/{community_id}/deliveries/{event_id}/resend"


# Logged in or not, no session gets in: only the community's token does (tests/moderation).
MODERATION_IO: Expectations = {
    ("moderation_api.receive_item", "POST"): (
        lambda w: "/api/v1/communities/1/items",
        everyone(DENIED),
    ),
    ("moderation_api.receive_batch", "POST"): (
        lambda w: "/api/v1/communities/1/items/batch",
        everyone(DENIED),
    ),
    ("moderation_api.decisions", "GET"): (
        lambda w: "/api/v1/communities/1/decisions",
        everyone(DENIED),
    ),
    ("community_connections.index", "GET"): (lambda w: "/company/communities/", ANY_COMPANY),
    ("community_connections.connect", "GET"): (
        lambda w: f"/company/communities/connect/{_gig_community_id(w)}",
        OWN_COMPANY,
    ),
    ("community_connections.connect", "POST"): (
        lambda w: f"/company/communities/connect/{_gig_community_id(w)}",
        OWN_COMPANY,
    ),
    ("community_connections.rotate_token", "POST"): (
        lambda w: f"/company/communities/{_community(w).id}/token",
        OWN_COMPANY,
    ),
    ("community_connections.rotate_webhook_secret", "POST"): (
        lambda w: f"/company/communities/{_community(w).id}/webhook/secret",
        OWN_COMPANY,
    ),
    ("community_connections.webhook", "GET"): (
        lambda w: f"/company/communities/{_community(w).id}/webhook",
        OWN_COMPANY,
    ),
    ("community_connections.webhook", "POST"): (
        lambda w: f"/company/communities/{_community(w).id}/webhook",
        OWN_COMPANY,
    ),
    ("community_connections.deliveries", "GET"): (
        lambda w: f"/company/communities/{_community(w).id}/deliveries",
        OWN_COMPANY,
    ),
    ("community_connections.resend", "POST"): (_resend_url, OWN_COMPANY),
}
