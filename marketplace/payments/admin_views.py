"""The admin's money pages: disputes, payout runs, failed transfers, the ledger
check, platform revenue and companies whose rejection rate stands out."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from marketplace.auth.policies import can

bp = Blueprint("payments_admin", __name__, url_prefix="/admin/payments")


@bp.before_request
def only_admins():
    if not can(current_user, "admin.access"):
        abort(404)
