"""The company connects the communities named on its moderation gigs: the API
token (shown once, rotatable), the webhook URL and signing secret, and the
delivery log of the decisions sent back (with "Resend")."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigCommunity
from marketplace.moderation import connections
from marketplace.moderation.connection_forms import ConnectForm, WebhookForm
from marketplace.moderation.models import Community, CommunityKind, CommunitySource
from marketplace.pagination import page_arg, paginate
from marketplace.urls import absolute_url
from marketplace.work import delivery
from marketplace.work.models import OutgoingEvent

bp = Blueprint("community_connections", __name__, url_prefix="/company/communities")


def _company():
    company = current_user.company or abort(404)
    ensure_can(current_user, "company.post_gigs", company)
    return company


def _community(community_id: int) -> Community:
    community = db.get_or_404(Community, community_id)
    ensure_can(current_user, "community.manage", community)
    return community


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.route("/")
@login_required
def index():
    company = _company()
    return render_template(
        "moderation/connections/index.html", rows=connections.community_rows(company)
    )


def connectable(gig_community_id: int) -> tuple[GigCommunity, Gig]:
    """A community the gig lists, which the current user may connect (any way: API,
    sandbox or Matrix); 404 for other companies' gigs and gigs that are not moderation."""
    gig_community = db.get_or_404(GigCommunity, gig_community_id)
    gig = db.session.get(Gig, gig_community.gig_id)
    ensure_can(current_user, "gig.manage", gig)
    if not gig.kind.is_moderation:
        abort(404)
    return gig_community, gig


@bp.route("/connect/<int:gig_community_id>", methods=["GET", "POST"])
@login_required
def connect(gig_community_id: int):
    gig_community, gig = connectable(gig_community_id)
    form = ConnectForm()
    if not form.is_submitted():
        form.kind.data = connections.default_kind(gig).value
    if form.validate_on_submit():
        try:
            community, token = connections.connect(
                gig_community,
                kind=CommunityKind(form.kind.data),
                webhook_url=form.webhook_url.data or "",
                default_language=form.default_language.data,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            return _token_page(community, token, created=True)
    return render_template(
        "moderation/connections/connect.html", form=form, gig=gig, gig_community=gig_community
    )


@bp.post("/<int:community_id>/token")
@login_required
def rotate_token(community_id: int):
    community = _community(community_id)
    token = connections.rotate_token(community, by=current_user)
    db.session.commit()
    return _token_page(community, token, created=False)


def _token_page(community: Community, token: str, *, created: bool) -> Response:
    """The API token, shown this once: in this response only (never flashed or kept
    in the session), and kept out of every cache."""
    response = make_response(
        render_template(
            "moderation/connections/token.html",
            community=community,
            token=token,
            created=created,
            items_url=absolute_url("moderation_api.receive_item", community_id=community.id),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:community_id>/webhook", methods=["GET", "POST"])
@login_required
def webhook(community_id: int):
    community = _community(community_id)
    form = WebhookForm(obj=community)
    if form.validate_on_submit():
        try:
            connections.update_webhook(
                community, webhook_url=form.webhook_url.data or "", by=current_user
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The webhook URL is saved."), "success")
            return redirect(url_for(".deliveries", community_id=community.id))
    return render_template(
        "moderation/connections/webhook.html",
        form=form,
        community=community,
        now=utcnow(),
        items_url=absolute_url("moderation_api.receive_item", community_id=community.id),
    )


@bp.post("/<int:community_id>/webhook/secret")
@login_required
def rotate_webhook_secret(community_id: int):
    community = _community(community_id)
    connections.rotate_webhook_secret(community, by=current_user)
    db.session.commit()
    flash(
        _(
            "There is a new signing secret. Webhooks carry a signature with the previous "
            "one as well for 24 hours: switch your software over in that time."
        ),
        "success",
    )
    return redirect(url_for(".webhook", community_id=community.id))


@bp.route("/<int:community_id>/deliveries")
@login_required
def deliveries(community_id: int):
    community = _community(community_id)
    page = paginate(
        sa.select(OutgoingEvent)
        .where(OutgoingEvent.community_id == community.id)
        .order_by(OutgoingEvent.id.desc()),
        page_arg(),
    )
    return render_template("moderation/connections/deliveries.html", community=community, page=page)


@bp.post("/<int:community_id>/deliveries/<int:event_id>/resend")
@login_required
def resend(community_id: int, event_id: int):
    community = _community(community_id)
    event = db.get_or_404(OutgoingEvent, event_id)
    if event.community_id != community.id:
        abort(404)
    if not community.webhook_url and community.source != CommunitySource.MATRIX:
        flash(_("Enter a webhook URL first; until then the community polls."), "error")
        return redirect(url_for(".webhook", community_id=community.id))
    delivery.resend(event)
    db.session.commit()
    flash(_("The event is sent again."), "success")
    return redirect(url_for(".deliveries", community_id=community.id))


# The Matrix room pages register on this blueprint when imported.
from marketplace.moderation import matrix_views  # noqa: E402, F401
