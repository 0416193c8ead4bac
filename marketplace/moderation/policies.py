"""Authorization rules of moderation (see auth/policies.py).

Consent is a product rule, not a company setting: a moderator sees an item only
from a community of a gig they are actively hired on and — for mature
communities — whose consent named that community (queue.engagement_for)."""

from __future__ import annotations

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs
from marketplace.moderation.item_models import Evidence, ModerationItem
from marketplace.moderation.models import Community


@rule("community.manage")
def _community_manage(viewer: Viewer, community: Community) -> bool:
    """Company staff who manage gigs run the company's communities."""
    return can_manage_gigs(viewer, community.company)


@rule("moderation.item.work")
def _item_work(viewer: Viewer, item: ModerationItem) -> bool:
    """A moderator sees an item only while holding its lease, on a community they
    are hired for and consented to."""
    from marketplace.moderation import queue

    user = active_user(viewer)
    return (
        user is not None
        and queue.holds(user, item)
        and queue.engagement_for(user, item.community) is not None
    )


@rule("moderation.evidence")
def _evidence(viewer: Viewer, evidence: Evidence) -> bool:
    """Evidence is readable by the company and by the moderator who decided, only."""
    user = active_user(viewer)
    if user is None or evidence.deleted_at is not None:
        return False
    decision = evidence.decision
    return decision.decided_by_id == user.id or can_manage_gigs(viewer, decision.community.company)


@rule("moderation.live")
def _live(viewer: Viewer, community: Community) -> bool:
    """A chat's live view: moderators actively hired on its gig and — for a mature
    community — whose consent named it (as the queue asks), nobody else."""
    from marketplace.moderation import queue
    from marketplace.moderation.models import CommunityKind

    user = active_user(viewer)
    return (
        user is not None
        and community.kind == CommunityKind.CHAT
        and queue.engagement_for(user, community) is not None
    )
