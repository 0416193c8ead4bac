"""Nebendesk: a marketplace for side gigs in customer communication."""

from __future__ import annotations

from typing import Any

import email_validator
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.auth import passwords
from marketplace.config import PROJECT_ROOT, load_config
from marketplace.urls import IdConverter


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI.

    No migrations, no rows written, no network I/O happen here.
    """
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    # Before any blueprint: rules bind their converters when they are added.
    app.url_map.converters["int"] = IdConverter
    app.config.from_mapping(load_config())
    if config:
        app.config.from_mapping(config)
    passwords.configure(app.config["PASSWORD_HASHING"])
    # email-validator keeps this switch module-wide; one app runs per process.
    email_validator.TEST_ENVIRONMENT = bool(app.config["ALLOW_TEST_EMAIL_DOMAINS"])
    if app.config["TRUST_PROXY_HOPS"]:
        hops = app.config["TRUST_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    import marketplace.moderation.quality_views  # noqa: F401 - routes on community_manage's bp
    from marketplace import cli, errors, jobs, models, policies, web  # noqa: F401 - all tables, rules
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.admin.views import bp as admin_bp
    from marketplace.extensions import babel, cache, csrf, db, limiter, login_manager, migrate
    from marketplace.gigs.views import bp as gigs_bp
    from marketplace.growth.company_views import bp as growth_company_bp
    from marketplace.growth.views import bp as growth_bp
    from marketplace.messaging.admin_views import bp as messages_admin_bp
    from marketplace.messaging.views import bp as messages_bp
    from marketplace.moderation import company_review_views  # noqa: F401 - routes on its bp
    from marketplace.moderation.api_views import bp as moderation_api_bp
    from marketplace.moderation.company_views import bp as community_manage_bp
    from marketplace.moderation.connection_views import bp as community_connections_bp
    from marketplace.moderation.live_views import bp as moderation_live_bp
    from marketplace.moderation.session_views import bp as moderation_sessions_bp
    from marketplace.moderation.worker_views import bp as moderation_work_bp
    from marketplace.onboarding.builder_views import bp as onboarding_builder_bp
    from marketplace.onboarding.hiring_views import bp as hiring_bp
    from marketplace.onboarding.views import bp as applications_bp
    from marketplace.payments import funding_views  # noqa: F401 - its routes are on balance_bp
    from marketplace.payments.admin_views import bp as payments_admin_bp
    from marketplace.payments.company_views import bp as balance_bp
    from marketplace.payments.lead_views import bp as team_lead_bp
    from marketplace.payments.webhook_views import bp as stripe_webhook_bp
    from marketplace.payments.worker_views import bp as earnings_bp
    from marketplace.ratings.views import bp as ratings_bp
    from marketplace.site.views import bp as site_bp
    from marketplace.standing.admin_views import bp as standing_admin_bp
    from marketplace.standing.views import bp as standing_bp
    from marketplace.workpool.api_views import bp as workpool_api_bp
    from marketplace.workpool.company_views import bp as mailboxes_bp
    from marketplace.workpool.connection_views import bp as mailbox_connections_bp
    from marketplace.workpool.triage_views import bp as triage_bp
    from marketplace.workpool.worker_views import bp as work_bp

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale)
    web.init_login(app, login_manager)
    web.init_templates(app)
    jobs.init_app(app)

    app.register_blueprint(site_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(gigs_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(applications_bp)
    app.register_blueprint(onboarding_builder_bp)
    app.register_blueprint(hiring_bp)
    app.register_blueprint(stripe_webhook_bp)
    app.register_blueprint(balance_bp)
    app.register_blueprint(team_lead_bp)
    app.register_blueprint(earnings_bp)
    app.register_blueprint(payments_admin_bp)
    app.register_blueprint(workpool_api_bp)
    app.register_blueprint(mailboxes_bp)
    app.register_blueprint(mailbox_connections_bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(triage_bp)
    app.register_blueprint(standing_bp)
    app.register_blueprint(standing_admin_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(messages_admin_bp)
    app.register_blueprint(growth_bp)
    app.register_blueprint(growth_company_bp)
    app.register_blueprint(moderation_api_bp)
    app.register_blueprint(community_connections_bp)
    app.register_blueprint(moderation_work_bp)
    app.register_blueprint(moderation_live_bp)
    app.register_blueprint(community_manage_bp)
    app.register_blueprint(moderation_sessions_bp)
    app.register_blueprint(ratings_bp)

    errors.register_error_handlers(app)
    cli.register(app)
    return app
