"""Authorization matrix, part: the company's Matrix room pages
(moderation/matrix_views.py). Only the company that owns the gig gets in; a GET
and an empty POST (the form refuses it) never reach a homeserver."""

from __future__ import annotations

from marketplace import crypto
from marketplace.extensions import db
from marketplace.moderation.matrix_models import MatrixRoom
from marketplace.moderation.models import CommunitySource
from tests.auth.matrix_common import OWN_COMPANY, Expectations
from tests.auth.matrix_moderation_io import _community, _gig_community_id
from tests.world import World


def _matrix_community_id(w: World) -> int:
    community = _community(w)
    community.source = CommunitySource.MATRIX
    db.session.add(
        MatrixRoom(
            community_id=community.id,
            homeserver_url="https://matrix.example.com",
            bot_user_id="@nebendesk:matrix.example.com",
            access_token_encrypted=crypto.encrypt("syt_example"),
            room_address="#lobby:matrix.example.com",
            room_id="!lobby:matrix.example.com",
            direct_rooms={},
        )
    )
    db.session.commit()
    return community.id


MODERATION_MATRIX: Expectations = {
    ("community_connections.connect_matrix", "GET"): (
        lambda w: f"/company/communities/connect/{_gig_community_id(w)}/matrix",
        OWN_COMPANY,
    ),
    ("community_connections.connect_matrix", "POST"): (
        lambda w: f"/company/communities/connect/{_gig_community_id(w)}/matrix",
        OWN_COMPANY,
    ),
    ("community_connections.matrix", "GET"): (
        lambda w: f"/company/communities/{_matrix_community_id(w)}/matrix",
        OWN_COMPANY,
    ),
    ("community_connections.matrix", "POST"): (
        lambda w: f"/company/communities/{_matrix_community_id(w)}/matrix",
        OWN_COMPANY,
    ),
}
