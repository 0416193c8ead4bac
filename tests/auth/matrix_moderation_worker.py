"""Authorization matrix, part: the moderator's pages (moderation/worker_views.py).

The item is leased to the world's hired worker on a community of the published
gig: none of the world's roles may see or act on it (404, nothing leaks). The
seeker is not hired, so the dashboard and "Next item" tell them so.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import ItemKind, ModerationItem
from marketplace.moderation.models import Community, CommunityAuthor, CommunityKind
from tests.auth.matrix_common import SEEKER_ONLY, Expectations
from tests.auth.matrix_earnings import WORKER_ONLY
from tests.world import World


def held_item(w: World) -> ModerationItem:
    """An item of a community on the published gig, leased to the hired worker.
    Written directly: the matrix tests who may reach it, not the queue."""
    community = Community(
        gig_id=w.published.id,
        company_id=w.company.id,
        name="Matrix chat",
        kind=CommunityKind.CHAT,
        token_hash=hashlib.sha256(f"matrix-{w.published.id}".encode()).hexdigest(),
        webhook_secret="matrix-secret",
        connected_by_id=w.published.created_by_id,
    )
    db.session.add(community)
    db.session.flush()
    author = CommunityAuthor(community_id=community.id, external_id="u-1", display_name="Anna")
    db.session.add(author)
    db.session.flush()
    item = ModerationItem(
        community_id=community.id,
        external_id="m-1",
        kind=ItemKind.MESSAGE,
        author_id=author.id,
        text="Hallo",
        claimed_by_id=w.worker.id,
        lease_expires_at=utcnow() + timedelta(minutes=5),
    )
    db.session.add(item)
    db.session.commit()
    return item


def decision_of_worker(w: World):
    """A removal the hired worker decided, with its evidence."""
    from marketplace.moderation.item_models import Decision, DecisionAction, Evidence

    item = held_item(w)
    decision = Decision(
        item_id=item.id,
        community_id=item.community_id,
        author_id=item.author_id,
        action=DecisionAction.REMOVE,
        decided_by_id=w.worker.id,
        engagement_id=w.engagement.id,
    )
    db.session.add(decision)
    db.session.flush()
    db.session.add(
        Evidence(
            decision_id=decision.id,
            content={"text": "Hallo"},
            sha256="0" * 64,
            delete_after=utcnow() + timedelta(days=30),
        )
    )
    db.session.commit()
    return decision


def _item_url(suffix: str = ""):
    return lambda w: f"/work/moderation/items/{held_item(w).id}{suffix}"


MODERATION_WORKER: Expectations = {
    ("moderation_work.dashboard", "GET"): (lambda w: "/work/moderation", SEEKER_ONLY),
    ("moderation_work.next_item", "POST"): (lambda w: "/work/moderation/next", SEEKER_ONLY),
    ("moderation_work.item", "GET"): (_item_url(), WORKER_ONLY),
    ("moderation_work.decide", "POST"): (_item_url("/decide/approve"), WORKER_ONLY),
    ("moderation_work.skip", "POST"): (_item_url("/skip"), WORKER_ONLY),
    ("moderation_work.note", "POST"): (_item_url("/note"), WORKER_ONLY),
    ("moderation_work.renew", "POST"): (_item_url("/renew"), WORKER_ONLY),
    ("moderation_work.decision", "GET"): (
        lambda w: f"/work/moderation/decisions/{decision_of_worker(w).id}",
        WORKER_ONLY,
    ),
    ("moderation_work.read_evidence", "POST"): (
        lambda w: f"/work/moderation/decisions/{decision_of_worker(w).id}/evidence",
        WORKER_ONLY,
    ),
}
