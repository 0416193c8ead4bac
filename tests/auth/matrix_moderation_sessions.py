"""Authorization matrix, part: paid hourly live sessions (moderation/session_views.py).

The session belongs to the world's hired worker (none of the roles); the seeker is
hired nowhere, so starting one on the world company's community is 404 to them, as
to everyone else; the company's list is the world company's alone."""

from __future__ import annotations

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.session_models import LiveSession
from tests.auth.matrix_common import OWN_COMPANY, SEEKER_ONLY, Expectations
from tests.auth.matrix_earnings import WORKER_ONLY
from tests.auth.matrix_moderation_worker import held_item
from tests.moderation import company_helpers
from tests.world import World

PREFIX = "/work/moderation/sessions"


def _session_of_worker(w: World) -> int:
    """An open session of the hired worker. Written directly: the matrix tests who may
    reach it, not the rules of starting one."""
    community = held_item(w).community
    now = utcnow()
    session = LiveSession(
        worker_id=w.worker.id,
        engagement_id=w.engagement.id,
        community_id=community.id,
        started_at=now,
        last_activity_at=now,
    )
    db.session.add(session)
    db.session.commit()
    return session.id


def _community(w: World) -> int:
    return company_helpers.make_community(w.company).id


MODERATION_SESSIONS: Expectations = {
    ("moderation_sessions.mine", "GET"): (lambda w: PREFIX, SEEKER_ONLY),
    ("moderation_sessions.start", "POST"): (
        lambda w: f"{PREFIX}/start/{_community(w)}",
        WORKER_ONLY,
    ),
    ("moderation_sessions.stop", "POST"): (
        lambda w: f"{PREFIX}/{_session_of_worker(w)}/stop",
        WORKER_ONLY,
    ),
    ("moderation_sessions.heartbeat", "POST"): (
        lambda w: f"{PREFIX}/{_session_of_worker(w)}/heartbeat",
        WORKER_ONLY,
    ),
    ("moderation_sessions.company", "GET"): (
        lambda w: f"/company/communities/{_community(w)}/sessions",
        OWN_COMPANY,
    ),
}
