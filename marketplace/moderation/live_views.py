"""The live view of a chat community (moderation/live.py, live_stream.py): the
page, its server-sent event stream, acting on a message, posting as the
moderation team, and the author's standing.

Every route loads the community and asks ``moderation.live`` (hired on its gig,
consented if mature, a chat): anyone else gets 404. Forms work without
JavaScript (POST, flash, back to the page); live.js sends the same forms with
fetch and reads the JSON answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import ladder, live, live_hub, live_stream
from marketplace.moderation import worker_queries as queries
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import AuthorNote, Community, CommunityAuthor
from marketplace.moderation.worker_forms import DecisionForm, TeamPostForm
from marketplace.moderation.worker_views import FLASHES

bp = Blueprint("moderation_live", __name__, url_prefix="/work/moderation/live")
LIVE_PREFIX = "live"


@bp.context_processor
def _labels() -> dict[str, object]:
    return queries.template_globals()


def _worker() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _community(community_id: int) -> Community:
    community = db.get_or_404(Community, community_id)
    ensure_can(current_user, "moderation.live", community)
    return community


def _channel() -> str:
    return (request.values.get("channel") or "").strip()[:200]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _answer(community: Community, text: str, *, ok: bool, anchor: str = "", decided: bool = False):
    """JSON for live.js, else a flash and back to the live page."""
    if _wants_json():
        return {"ok": ok, "message": text, "decided": decided}, 200 if ok else 409
    flash(text, "success" if ok else "error")
    target = url_for("moderation_live.page", community_id=community.id, channel=_channel() or None)
    return redirect(target + anchor)


def state_text(decision: Decision | None) -> str:
    if decision is None:
        return ""
    return f"{queries.ACTION_LABELS[decision.action]} · {queries.STATUS_LABELS[decision.status]}"


def _entry(entry: dict) -> dict:
    """A row of live.recent_entries as the template's macros take it."""
    at = format_datetime(entry["at"], "short")
    if entry["type"] == "team_post":
        post = entry["post"]
        return {"type": "team_post", "id": post.id, "channel": post.channel,
                "text": post.payload.get("text", ""), "at": at}  # fmt: skip
    item: ModerationItem = entry["item"]
    return {
        "type": "message",
        "id": item.id,
        "author_id": item.author_id,
        "author": item.author.display_name or item.author.external_id,
        "kind": item.kind.value,
        "channel": item.channel,
        "at": at,
        "segments": queries.marked_text(item.text, item.word_hits),
        "state": state_text(entry["decision"]),
        "open": item.status == ItemStatus.WAITING,
    }


@bp.route("/<int:community_id>")
@login_required
def page(community_id: int):
    community = _community(community_id)
    channel = _channel()
    rules = queries.rules_of(community)
    locale = current_user.locale or "de"
    post_form = TeamPostForm(channel=channel or None)
    html = render_template(
        "moderation/live/page.html",
        community=community,
        channel=channel,
        channels=live.channels_of(community),
        entries=[_entry(entry) for entry in live.recent_entries(community, channel)],
        after=live_stream.last_event_id(community),
        rules=[(r.id, f"{r.number}. {r.title(locale)}") for r in rules],
        post_form=post_form,
    )
    return html, 200, {"Cache-Control": "no-store"}


@bp.route("/<int:community_id>/stream")
@login_required
def stream(community_id: int):
    community = _community(community_id)
    last = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    after = int(last) if last.isdigit() and len(last) < 19 else 0
    events = live_hub.stream(community.id, after=after, channel=_channel())
    db.session.remove()  # the stream takes a connection only while it reads
    return Response(
        stream_with_context(events),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.post("/<int:community_id>/items/<int:item_id>/<action>")
@login_required
def decide(community_id: int, item_id: int, action: str):
    community = _community(community_id)
    item = db.session.get(ModerationItem, item_id)
    if item is None or item.community_id != community.id or item.is_control:
        abort(404)
    try:
        chosen = DecisionAction(action)
    except ValueError:
        abort(404)
    if chosen not in live.LIVE_ACTIONS:
        abort(404)
    form = DecisionForm(prefix=LIVE_PREFIX)  # one form per message, a button per action
    form.rule_id.choices = []
    anchor = f"#m-{item.id}"
    if not form.validate():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _answer(community, " ".join(errors), ok=False, anchor=anchor)
    try:
        live.decide_live(
            item,
            moderator=_worker(),
            action=chosen,
            rule_id=form.rule_id.data,
            message=form.message.data,
            mute_minutes=form.mute_minutes.data if chosen == DecisionAction.MUTE else None,
        )
    except DomainError as exc:
        db.session.rollback()
        decided = item.status != ItemStatus.WAITING
        return _answer(community, exc.message, ok=False, anchor=anchor, decided=decided)
    db.session.commit()
    return _answer(community, str(FLASHES[chosen]), ok=True, anchor=anchor, decided=True)


@bp.post("/<int:community_id>/post")
@login_required
def post(community_id: int):
    community = _community(community_id)
    form = TeamPostForm()
    if not form.validate():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _answer(community, " ".join(errors), ok=False, anchor="#team-post")
    try:
        live.post_as_team(community, by=_worker(), channel=form.channel.data, text=form.text.data)
    except DomainError as exc:
        db.session.rollback()
        return _answer(community, exc.message, ok=False, anchor="#team-post")
    db.session.commit()
    return _answer(
        community, _("Posted in the channel as the moderation team."), ok=True, anchor="#team-post"
    )


@bp.route("/<int:community_id>/authors/<int:author_id>")
@login_required
def author(community_id: int, author_id: int):
    """The author's standing in the community: strikes, measures in force, decisions, notes."""
    community = _community(community_id)
    person = db.session.get(CommunityAuthor, author_id)
    if person is None or person.community_id != community.id:
        abort(404)
    decided = db.session.scalars(
        sa.select(Decision)
        .join(ModerationItem, ModerationItem.id == Decision.item_id)
        .where(Decision.author_id == person.id, ModerationItem.control_id.is_(None))
        .order_by(Decision.id.desc())
        .limit(queries.HISTORY_ITEMS)
    ).all()
    notes = db.session.scalars(
        sa.select(AuthorNote)
        .where(AuthorNote.author_id == person.id)
        .order_by(AuthorNote.id.desc())
    ).all()
    return render_template(
        "moderation/live/author.html",
        community=community,
        author=person,
        strikes=ladder.active_strike_count(person),
        penalties=ladder.active_penalties(person),
        step=ladder.next_measure(community, person),
        decisions=decided,
        notes=notes,
        channel=_channel(),
    )
