"""Paid hourly live sessions: the moderator's list with Start/Stop per community,
the heartbeat the open page sends (static/js/session.js), and the company's list
per community. The partial moderation/live/_session.html works on any page that
sets ``community`` (the live view includes it)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import queue, sessions
from marketplace.moderation import session_queries as queries
from marketplace.moderation.company_views import load_community
from marketplace.moderation.models import Community
from marketplace.moderation.session_models import LiveSession, SessionEnd
from marketplace.pagination import page_arg
from marketplace.urls import safe_next

bp = Blueprint("moderation_sessions", __name__)

ENDED = {
    SessionEnd.STOPPED: None,
    SessionEnd.IDLE: _l(
        "Your live session had been idle too long; it ended and the idle time is cut."
    ),
    SessionEnd.FUNDS: _l(
        "The company's funds ran out: your live session ended and is paid up to then."
    ),
    SessionEnd.STALE: _l("Your live session has ended."),
    SessionEnd.ENGAGEMENT: _l(
        "The company paused or ended your engagement: your live session ended and is paid "
        "up to then."
    ),
}


@bp.app_context_processor
def _partial() -> dict[str, object]:
    """For the partial, on whichever page includes it."""

    def live_session_state(community: Community) -> queries.SessionState:
        return queries.state_for(_worker(), community)

    return {"live_session_state": live_session_state, **queries.template_globals()}


def _worker() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _back() -> str:
    return safe_next(request.form.get("next"), url_for("moderation_sessions.mine"))


def _own(session_id: int) -> LiveSession:
    ensure_can(current_user, "seeker.profile")
    session = db.get_or_404(LiveSession, session_id)
    if session.worker_id != _worker().id:
        abort(404)
    return session


def _ended_text(session: LiveSession) -> str:
    message = ENDED.get(session.end_reason) if session.end_reason else None
    return str(message) if message else ""


@bp.route("/work/moderation/sessions")
@login_required
def mine():
    ensure_can(current_user, "seeker.profile")
    worker = _worker()
    return render_template(
        "moderation/live/sessions.html",
        communities=queries.hourly_communities(worker),
        page=queries.sessions_of(worker, page=page_arg()),
    )


@bp.post("/work/moderation/sessions/start/<int:community_id>")
@login_required
def start(community_id: int):
    ensure_can(current_user, "seeker.profile")
    community = db.get_or_404(Community, community_id)
    if queue.engagement_for(_worker(), community) is None:
        abort(404)
    try:
        sessions.start(_worker(), community)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            _("Your live session in %(community)s has started.", community=community.name),
            "success",
        )
    return redirect(_back())


@bp.post("/work/moderation/sessions/<int:session_id>/stop")
@login_required
def stop(session_id: int):
    session = _own(session_id)
    try:
        session = sessions.stop(session)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "info")
        return redirect(_back())
    db.session.commit()
    flash(
        _ended_text(session)
        or _(
            "Your live session has ended: %(active)s active.",
            active=queries.duration(session.active_seconds),
        ),
        "success",
    )
    return redirect(_back())


@bp.post("/work/moderation/sessions/<int:session_id>/heartbeat")
@login_required
def heartbeat(session_id: int):
    """Sent by session.js once a minute while the page is visible."""
    session = sessions.heartbeat(_own(session_id))
    db.session.commit()
    if session.is_open:
        return {
            "open": True,
            "active": queries.duration(session.active_until(session.last_activity_at)),
        }
    return {"open": False, "message": _ended_text(session) or _("Your live session has ended.")}


@bp.route("/company/communities/<int:community_id>/sessions")
@login_required
def company(community_id: int):
    community = load_community(community_id)
    return render_template(
        "moderation/company/sessions.html",
        community=community,
        totals=queries.totals_in(community),
        page=queries.sessions_in(community, page=page_arg()),
    )
