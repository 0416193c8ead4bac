"""The company's applicant pipeline and its engagements: review, hire, reject, pause, end."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hiring", __name__)
