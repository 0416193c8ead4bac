"""Home, about, language switch, health check and (in development) the mail outbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for
from flask_login import current_user

from marketplace.accounts.forms import LanguageForm
from marketplace.accounts.services import set_locale
from marketplace.extensions import db
from marketplace.gigs.queries import GigFilters, search_public_gigs
from marketplace.mail.models import OutboxEmail
from marketplace.urls import safe_next
from marketplace.web import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE
from marketplace.workpool.models import Reply

bp = Blueprint("site", __name__)

HOME_LATEST = 6


@bp.route("/")
def home():
    latest = search_public_gigs(current_user, GigFilters()).items[:HOME_LATEST]
    return render_template("site/home.html", latest=latest)


@bp.route("/about")
def about():
    """How Nebendesk works. Static: no database work (the benchmark's ceiling)."""
    return render_template("site/about.html")


@bp.post("/language")
def switch_language():
    form = LanguageForm()
    fallback = url_for("site.home")
    if not form.validate() or form.language.data not in current_app.config["LANGUAGES"]:
        return redirect(fallback)
    if current_user.is_authenticated:
        set_locale(current_user, form.language.data)
        db.session.commit()
    response = make_response(redirect(safe_next(form.next.data, fallback)))
    response.set_cookie(
        LANGUAGE_COOKIE,
        form.language.data,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.route("/favicon.ico")
def favicon():
    """Pages link static/favicon.svg; browsers and tools that ask for /favicon.ico
    (and non-HTML responses) get the same icon as an .ico file."""
    return current_app.send_static_file("favicon.ico")


@bp.route("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/dev/outbox")
def dev_outbox():
    """Development only: every email the app wrote, newest first, and the replies the
    work pool wrote to customers (with MAIL_URL=console:// this is where they show)."""
    if not current_app.config["SHOW_DEV_OUTBOX"]:
        abort(404)
    emails = db.session.scalars(
        sa.select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(200)
    ).all()
    replies = db.session.scalars(sa.select(Reply).order_by(Reply.id.desc()).limit(200)).all()
    return render_template("site/dev_outbox.html", emails=emails, replies=replies)
