"""Logging in and out, the list of one's logins and "Log out everywhere".

The accounts blueprint lives here; ``views.py`` adds registration, password
reset, profile and company pages to it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import authentication, logins
from marketplace.accounts.forms import LoginForm
from marketplace.accounts.models import User, UserKind
from marketplace.extensions import db, limiter
from marketplace.standing import access
from marketplace.urls import safe_next

bp = Blueprint("accounts", __name__)


def home_for(user: User) -> str:
    if user.kind == UserKind.ADMIN:
        return url_for("admin.dashboard")
    if user.kind == UserKind.COMPANY:
        return url_for("gigs.company_gigs")
    return url_for("gigs.browse")


def log_in(user: User, *, remember: bool = False) -> None:
    """Start a login of ``user`` on this browser: a new login row (commits), which
    the session cookie (and with ``remember`` the remember-me cookie) names."""
    logins.begin(user, user_agent=request.user_agent.string, remember=remember)
    db.session.commit()
    access.drop_pass()
    login_user(user, remember=remember)


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"], deduct_when=lambda r: r.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authentication.authenticate(form.email.data, form.password.data)
        except authentication.AccountSuspended as exc:
            # The right password: the person may read why and appeal, nothing more.
            db.session.commit()
            access.grant_pass(exc.user)
            flash(exc.message, "error")
            return redirect(url_for("standing.overview"))
        except authentication.LoginRefused as exc:
            db.session.commit()  # the failure counter must survive
            flash(exc.message, "error")
        else:
            log_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, home_for(user)))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        logins.end(current_user.current_login)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("site.home"))


@bp.route("/account/logins", endpoint="logins")
@login_required
def logins_page():
    return render_template("accounts/logins.html", logins=logins.live(current_user))


@bp.post("/account/logins/end-all")
@login_required
def logout_everywhere():
    logins.end_all(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out everywhere: in this browser and in every other one."), "info")
    return redirect(url_for("site.home"))
