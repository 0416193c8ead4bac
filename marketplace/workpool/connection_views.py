"""How customer mail reaches a mailbox, the company's page: its forwarding address,
the connection to its own IMAP/SMTP account (test, save, disconnect), and the
ways it already had (the HTTP endpoint with its token, uploads)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.urls import absolute_url
from marketplace.workpool import connections
from marketplace.workpool.connection_forms import ConnectionForm
from marketplace.workpool.connections import CheckResult, ConnectionFailed
from marketplace.workpool.mailserver import problem_message
from marketplace.workpool.models import Mailbox

bp = Blueprint("mailbox_connections", __name__, url_prefix="/company/mailboxes")


def _mailbox(mailbox_id: int) -> Mailbox:
    mailbox = db.get_or_404(Mailbox, mailbox_id)
    ensure_can(current_user, "mailbox.manage", mailbox)
    return mailbox


def _page(mailbox: Mailbox, form: ConnectionForm, result: CheckResult | None = None):
    connection = form.connection
    problem = None
    if connection is not None and connection.last_problem:
        host = connection.imap_host
        problem = problem_message(
            "imap", connection.last_problem, host=host, folder=connection.imap_folder
        )
    return render_template(
        "workpool/company/connect.html",
        mailbox=mailbox,
        form=form,
        connection=connection,
        problem=problem,
        result=result,
        forwarding_address=connections.forwarding_address(mailbox),
        inbound_url=absolute_url("workpool_api.receive_message", mailbox_id=mailbox.id),
    )


@bp.route("/<int:mailbox_id>/connect", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])  # each test connects to outside servers
@login_required
def connect(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    form = ConnectionForm(connection=connections.connection_of(mailbox))
    if not form.validate_on_submit():
        return _page(mailbox, form)
    try:
        if form.test.data:
            return _page(
                mailbox, form, connections.check_settings(form.settings(), form.connection)
            )
        connections.save_connection(mailbox, form.settings(), by=current_user)
    except ConnectionFailed as exc:
        db.session.rollback()
        flash(_("Nothing was saved: the connection test failed."), "error")
        return _page(mailbox, form, exc.result)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(mailbox, form)
    db.session.commit()
    flash(
        _(
            "Connected. New mail is fetched every minute, and replies go out through your "
            "own mail server."
        ),
        "success",
    )
    return redirect(url_for("mailbox_connections.connect", mailbox_id=mailbox.id))


@bp.post("/<int:mailbox_id>/connect/disconnect")
@login_required
def disconnect(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    connections.disconnect(mailbox, by=current_user)
    db.session.commit()
    flash(
        _(
            "Disconnected. We deleted the stored passwords; replies go out through "
            "Nebendesk's mail server again."
        ),
        "success",
    )
    return redirect(url_for("mailbox_connections.connect", mailbox_id=mailbox.id))


@bp.post("/<int:mailbox_id>/connect/forwarding")
@login_required
def rotate_forwarding(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    connections.rotate_forwarding_address(mailbox, by=current_user)
    db.session.commit()
    flash(
        _(
            "The mailbox has a new forwarding address; the old one no longer accepts mail. "
            "Please change the forwarding rule at your provider."
        ),
        "success",
    )
    return redirect(url_for("mailbox_connections.connect", mailbox_id=mailbox.id))
