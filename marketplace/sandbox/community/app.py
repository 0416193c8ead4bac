"""The sandbox community's WSGI app: a small Flask app of its own, separate from
Nebendesk (like the Stripe emulator), with a chat, a forum, a page to talk to
the moderation team, and the webhook endpoint that receives decisions.

Who is posting is a name (and language) kept in a cookie ("Post as"): there are
no accounts, it is a developer tool.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from marketplace.sandbox.community.client import NebendeskError
from marketplace.sandbox.community.config import CommunityConfig
from marketplace.sandbox.community.service import Refused, SandboxCommunity, WebhookRejected
from marketplace.sandbox.community.store import user_id_for

bp = Blueprint("sandbox_community", __name__)
NAME_COOKIE, LANGUAGE_COOKIE = "sandbox_name", "sandbox_language"
LANGUAGES = ("de", "en")


def community() -> SandboxCommunity:
    return current_app.extensions["sandbox_community"]


def _viewer() -> tuple[str, str]:
    name = (request.cookies.get(NAME_COOKIE) or "").strip()[:60]
    language = request.cookies.get(LANGUAGE_COOKIE, "en")
    return name, language if language in LANGUAGES else "en"


def _back(default: str) -> Response:
    target = request.form.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return redirect(target, 303)


@bp.context_processor
def _page_context() -> dict[str, Any]:
    sandbox = community()
    name, language = _viewer()
    viewer_id = user_id_for(name) if name else None
    store = sandbox.store
    return {
        "viewer_name": name,
        "viewer_language": language,
        "viewer_id": viewer_id,
        "languages": LANGUAGES,
        "connection": sandbox.connection.current(),
        "restriction": store.restriction(viewer_id, sandbox.now()) if viewer_id else None,
        "open_notices": [n for n in store.notices(viewer_id) if not n["reversed"]]
        if viewer_id
        else [],
        "removed": store.removed_ids(),
        "approved": store.approved_ids(),
        "store": store,
    }


def _act(action: Any, success: str) -> bool:
    try:
        action()
    except Refused as exc:
        flash(str(exc), "error")
        return False
    flash(success, "ok")
    return True


def _need_name() -> tuple[str, str] | None:
    name, language = _viewer()
    if not name:
        flash('Choose a name under "Post as" first.', "error")
        return None
    return name, language


@bp.get("/")
def home() -> str:
    store = community().store
    threads = sorted(store.threads.values(), key=lambda t: t["created_at"], reverse=True)
    return render_template(
        "sandbox_community/home.html", channels=store.channels(), threads=threads
    )


@bp.post("/as")
def post_as() -> Response:
    name = (request.form.get("name") or "").strip()[:60]
    language = request.form.get("language", "en")
    response = _back(url_for(".home"))
    if not name:
        flash("A name is needed to post.", "error")
        return response
    response.set_cookie(NAME_COOKIE, name, samesite="Lax", httponly=True)
    response.set_cookie(LANGUAGE_COOKIE, language if language in LANGUAGES else "en")
    return response


@bp.route("/chat/<channel>", methods=["GET", "POST"])
def chat(channel: str) -> Any:
    channel = channel[:60]
    if request.method == "POST" and (who := _need_name()):
        text = request.form.get("text", "")
        if _act(lambda: community().post(*who, text, channel=channel), "Posted."):
            return redirect(url_for(".chat", channel=channel), 303)
    messages = community().store.channel(channel)
    return render_template("sandbox_community/chat.html", channel=channel, messages=messages)


@bp.route("/forum", methods=["GET", "POST"])
def forum() -> Any:
    store = community().store
    if request.method == "POST" and (who := _need_name()):
        title, text = request.form.get("title", ""), request.form.get("text", "")
        created: list[dict[str, Any]] = []
        if _act(lambda: created.append(community().start_thread(*who, title, text)), "Posted."):
            return redirect(url_for(".thread", thread_id=created[0]["id"]), 303)
    threads = sorted(store.threads.values(), key=lambda t: t["created_at"], reverse=True)
    return render_template("sandbox_community/forum.html", threads=threads)


@bp.route("/forum/<thread_id>", methods=["GET", "POST"])
def thread(thread_id: str) -> Any:
    store = community().store
    topic = store.threads.get(thread_id)
    if topic is None:
        return render_template("sandbox_community/missing.html"), 404
    if request.method == "POST" and (who := _need_name()):
        text = request.form.get("text", "")
        posted = _act(
            lambda: community().post(*who, text, channel="forum", thread=thread_id), "Posted."
        )
        if posted:
            return redirect(url_for(".thread", thread_id=thread_id), 303)
    messages = store.channel("forum", thread_id)
    return render_template("sandbox_community/thread.html", topic=topic, messages=messages)


@bp.post("/report/<message_id>")
def report(message_id: str) -> Response:
    if who := _need_name():
        reason = request.form.get("reason", "")
        _act(
            lambda: community().report(*who, message_id, reason),
            "Reported to the moderation team. Thank you.",
        )
    return _back(url_for(".home"))


@bp.route("/moderation", methods=["GET", "POST"])
def moderation() -> Any:
    sandbox = community()
    if request.method == "POST" and (who := _need_name()):
        text = request.form.get("text", "")
        refers = request.form.get("refers_to", "")
        refers_to = int(refers) if refers.isdigit() else None
        sent = "Sent to the moderation team."
        if _act(lambda: sandbox.ask(*who, text, refers_to), sent):
            return redirect(url_for(".moderation"), 303)
    name, _language = _viewer()
    viewer_id = user_id_for(name) if name else None
    store = sandbox.store
    questions = [q for q in store.questions.values() if q["author_id"] == viewer_id]
    return render_template(
        "sandbox_community/moderation.html",
        notices=store.notices(viewer_id) if viewer_id else [],
        questions=list(reversed(questions)),
    )


@bp.post("/sync")
def sync() -> Response:
    try:
        applied = community().sync()
    except NebendeskError as exc:
        flash(f"Sync failed: {exc}", "error")
    else:
        flash(f"Synced with Nebendesk: {applied} new decision(s).", "ok")
    return _back(url_for(".home"))


@bp.post("/webhook")
def webhook() -> Any:
    try:
        fresh = community().receive_webhook(
            request.get_data(), request.headers.get("Nebendesk-Signature", "")
        )
    except WebhookRejected as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(received=True, duplicate=not fresh)


def create_community(config: CommunityConfig | None = None, **settings: Any) -> Flask:
    """A ready sandbox community app; ``settings`` are :class:`CommunityConfig`
    fields, e.g. ``create_community(api_url=…, community_id=…, token=…)``."""
    config = (config or CommunityConfig()).copy(**settings)
    app = Flask(__name__, template_folder="templates", static_folder=None)
    # Only for the one-line notices after a form (flash); nothing else is in the session.
    app.secret_key = secrets.token_hex(16)
    sandbox = SandboxCommunity(config)
    app.extensions["sandbox_community"] = sandbox
    app.register_blueprint(bp)
    sandbox.start()
    return app
