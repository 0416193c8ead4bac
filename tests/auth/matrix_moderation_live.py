"""Authorization matrix, part: the live view of a chat (moderation/live_views.py).

The chat community belongs to the published gig, whose hired worker is not one
of the world's roles: nobody may open its live view, stream, act on its
messages, post as its team or read an author's standing (404; the anonymous
visitor is asked to log in). tests/moderation/test_live.py shows the hired and
consented moderator getting in, and the unconsented one not.
"""

from __future__ import annotations

from marketplace.moderation.models import CommunityAuthor
from tests.auth.matrix_common import Expectations
from tests.auth.matrix_earnings import WORKER_ONLY
from tests.auth.matrix_moderation_worker import held_item
from tests.world import World


def _live(suffix: str = ""):
    return lambda w: f"/work/moderation/live/{held_item(w).community_id}{suffix}"


def _on_item(action: str):
    def url(w: World) -> str:
        item = held_item(w)
        return f"/work/moderation/live/{item.community_id}/items/{item.id}/{action}"

    return url


def _author(w: World) -> str:
    item = held_item(w)
    author: CommunityAuthor = item.author
    return f"/work/moderation/live/{item.community_id}/authors/{author.id}"


MODERATION_LIVE: Expectations = {
    ("moderation_live.page", "GET"): (_live(), WORKER_ONLY),
    ("moderation_live.stream", "GET"): (_live("/stream"), WORKER_ONLY),
    ("moderation_live.decide", "POST"): (_on_item("approve"), WORKER_ONLY),
    ("moderation_live.post", "POST"): (_live("/post"), WORKER_ONLY),
    ("moderation_live.author", "GET"): (_author, WORKER_ONLY),
}
