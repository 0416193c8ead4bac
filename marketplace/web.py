"""Request-level wiring shared by every page: language, login, templates, headers."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime
from flask_login import LoginManager, current_user

from marketplace.accounts import logins
from marketplace.accounts.labels import COMPANY_ROLE_LABELS, USER_KIND_LABELS
from marketplace.accounts.models import ADULT_AGE
from marketplace.auth.passwords import MIN_PASSWORD_LENGTH
from marketplace.auth.policies import can
from marketplace.gigs.labels import template_globals
from marketplace.gigs.languages import language_name
from marketplace.growth.labels import template_globals as growth_template_globals
from marketplace.markdown import render_markdown
from marketplace.money import format_money
from marketplace.onboarding.labels import template_globals as onboarding_template_globals
from marketplace.standing.labels import template_globals as standing_template_globals

LANGUAGE_COOKIE = "nebendesk_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """The user's saved choice, then the language cookie, then Accept-Language, then English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs choose per recipient
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and user.locale in languages:
        return user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def init_login(app: Flask, login_manager: LoginManager) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.accounts.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(key: str) -> User | None:
        user = logins.load(key)
        if user is not None:
            logins.touch(user.current_login)
        return user

    @app.before_request
    def load_login_first() -> None:
        """Load the login before the view writes anything, so recording its last use
        (its own short transaction) never waits for the request's."""
        if request.endpoint != "static":
            current_user._get_current_object()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(config: Mapping[str, object]) -> str:
    """Our own scripts and styles only, plus Stripe.js (or the emulator's stand-in)
    and the Stripe API it talks to from the card form. Forms may lead to Stripe's
    Connect onboarding: "Connect with Stripe" posts to us and we redirect there, and
    browsers apply form-action to that redirect too."""
    stripe_js = _origin(str(config["STRIPE_JS_URL"]))
    emulator = _origin(str(config["STRIPE_API_BASE"]))
    stripe_api = emulator or "https://api.stripe.com"
    stripe_connect = emulator or "https://connect.stripe.com"
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src 'self' {stripe_js}; connect-src 'self' {stripe_api}; "
        f"frame-src {stripe_js} https://hooks.stripe.com; "
        f"form-action 'self' {stripe_connect}; frame-ancestors 'none'; base-uri 'self'"
    )


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", current_app.extensions["nebendesk_csp"])
    config = current_app.config
    # request.is_secure sees the client's scheme through the TRUST_PROXY_HOPS proxies.
    if config["ENV_NAME"] == "production" and config["HSTS_SECONDS"] and request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}"
        )
    # Every page a logged-in user sees is private: no browser or proxy may keep it.
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def url_with_args(**updates: object) -> str:
    """The current page's URL with some query arguments replaced (for pagers)."""
    args = request.args.copy()
    for key, value in updates.items():
        args.setlist(key, [str(value)])
    return f"{request.path}?{urlencode(list(args.items(multi=True)))}"


def init_templates(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=format_money,
        markdown=render_markdown,
        language_name=language_name,
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
    )
    app.jinja_env.globals.update(
        can=can,
        url_with_args=url_with_args,
        ADULT_AGE=ADULT_AGE,
        MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH,
        USER_KIND_LABELS=USER_KIND_LABELS,
        COMPANY_ROLE_LABELS=COMPANY_ROLE_LABELS,
        **template_globals(),
        **onboarding_template_globals(),
        **standing_template_globals(),
        **growth_template_globals(),
    )
    app.extensions["nebendesk_csp"] = content_security_policy(app.config)
    app.after_request(_security_headers)

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
