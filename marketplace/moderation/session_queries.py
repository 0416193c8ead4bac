"""Reads for the live-session pages: the state of a moderator's session on a
community (the partial moderation/live/_session.html), their list, the company's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import queue, sessions
from marketplace.moderation.models import Community
from marketplace.moderation.session_models import LiveSession, SessionEnd
from marketplace.onboarding.models import Engagement
from marketplace.pagination import Page, paginate
from marketplace.payments.models import WorkUnit

END_LABELS = {
    SessionEnd.STOPPED: _l("Stopped"),
    SessionEnd.IDLE: _l("Ended: idle"),
    SessionEnd.FUNDS: _l("Ended: the company's funds ran out"),
    SessionEnd.STALE: _l("Ended: no sign from the browser"),
    SessionEnd.ENGAGEMENT: _l("Ended: the engagement was paused or ended"),
}


def duration(seconds: int | None) -> str:
    """ "1 h 05 min" (translated)."""
    minutes = max(0, int(seconds or 0)) // 60
    return _("%(hours)d h %(minutes)02d min", hours=minutes // 60, minutes=minutes % 60)


def template_globals() -> dict[str, object]:
    return {"SESSION_END_LABELS": END_LABELS, "session_duration": duration}


@dataclass
class SessionState:
    """What the partial shows for one community: may the moderator start here, is their
    session running here (or elsewhere)."""

    community: Community
    engagement: Engagement | None
    running: LiveSession | None  # the moderator's open session, on any community
    now: datetime

    @property
    def hourly(self) -> bool:
        return self.engagement is not None and sessions.is_hourly_moderation(self.engagement)

    @property
    def here(self) -> bool:
        return self.running is not None and self.running.community_id == self.community.id

    @property
    def active_seconds(self) -> int:
        return self.running.active_until(self.now) if self.running is not None else 0


def state_for(worker: User, community: Community) -> SessionState:
    return SessionState(
        community=community,
        engagement=queue.engagement_for(worker, community),
        running=sessions.open_session_of(worker),
        now=utcnow(),
    )


def hourly_communities(worker: User) -> list[Community]:
    """The communities of the moderator's hourly moderation engagements."""
    return [c for e, c in queue.communities_of(worker) if sessions.is_hourly_moderation(e)]


def sessions_of(worker: User, *, page: int = 1) -> Page[LiveSession]:
    return paginate(
        sa.select(LiveSession)
        .where(LiveSession.worker_id == worker.id)
        .options(joinedload(LiveSession.community), joinedload(LiveSession.unit))
        .order_by(LiveSession.started_at.desc(), LiveSession.id.desc()),
        page,
    )


def sessions_in(community: Community, *, page: int = 1) -> Page[LiveSession]:
    return paginate(
        sa.select(LiveSession)
        .where(LiveSession.community_id == community.id)
        .options(joinedload(LiveSession.worker), joinedload(LiveSession.unit))
        .order_by(LiveSession.started_at.desc(), LiveSession.id.desc()),
        page,
    )


@dataclass
class WorkerTotal:
    worker: User
    count: int
    active_seconds: int
    cut_seconds: int
    amount_cents: int


def totals_in(community: Community) -> list[WorkerTotal]:
    """Per moderator: sessions, active and cut time, what the ended sessions cost."""
    rows = db.session.execute(
        sa.select(
            User,
            sa.func.count(LiveSession.id),
            sa.func.coalesce(sa.func.sum(LiveSession.active_seconds), 0),
            sa.func.coalesce(sa.func.sum(LiveSession.cut_seconds), 0),
            sa.func.coalesce(sa.func.sum(WorkUnit.amount_cents), 0),
        )
        .join(User, User.id == LiveSession.worker_id)
        .outerjoin(WorkUnit, WorkUnit.id == LiveSession.unit_id)
        .where(LiveSession.community_id == community.id)
        .group_by(User.id)
        .order_by(User.id)
    ).all()
    return [WorkerTotal(*row) for row in rows]
