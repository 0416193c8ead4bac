"""The company connects a community as a room on its Matrix homeserver, and later
tests or changes that connection. Routes on the connections' blueprint
(moderation/connection_views.py); the checks and the storing live in
moderation/matrix_connections.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import connections, matrix_connections
from marketplace.moderation.connection_forms import MatrixConnectForm, MatrixSettingsForm
from marketplace.moderation.connection_views import _community, bp, connectable
from marketplace.moderation.matrix_connections import MatrixSettings
from marketplace.moderation.models import CommunityKind, CommunitySource


def _settings(form: MatrixSettingsForm) -> MatrixSettings:
    return MatrixSettings(
        homeserver_url=form.homeserver_url.data or "",
        access_token=form.access_token.data or "",
        room=form.room.data or "",
        warn_by_direct_message=bool(form.warn_by_direct_message.data),
    )


@bp.route("/connect/<int:gig_community_id>/matrix", methods=["GET", "POST"])
@login_required
def connect_matrix(gig_community_id: int):
    gig_community, gig = connectable(gig_community_id)
    form = MatrixConnectForm()
    if not form.is_submitted():
        form.kind.data = connections.default_kind(gig).value
    if form.validate_on_submit():
        try:
            community = matrix_connections.connect_matrix(
                gig_community,
                kind=CommunityKind(form.kind.data),
                default_language=form.default_language.data,
                settings=_settings(form),
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _("The Matrix room is connected. Start the bridge to bring its messages in."),
                "success",
            )
            return redirect(url_for(".matrix", community_id=community.id))
    return render_template(
        "moderation/connections/matrix_connect.html",
        form=form,
        gig=gig,
        gig_community=gig_community,
    )


@bp.route("/<int:community_id>/matrix", methods=["GET", "POST"])
@login_required
def matrix(community_id: int):
    community = _community(community_id)
    room = matrix_connections.room_of(community)
    if community.source != CommunitySource.MATRIX or room is None:
        abort(404)
    form = MatrixSettingsForm()
    if not form.is_submitted():
        form.homeserver_url.data = room.homeserver_url
        form.room.data = room.room_address
        form.warn_by_direct_message.data = room.warn_by_direct_message
    if form.validate_on_submit():
        try:
            matrix_connections.update_matrix(room, settings=_settings(form), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The connection works and is saved."), "success")
            return redirect(url_for(".matrix", community_id=community.id))
    return render_template(
        "moderation/connections/matrix.html", form=form, community=community, room=room
    )
