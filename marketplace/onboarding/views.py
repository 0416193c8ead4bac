"""The seeker's side: apply, consent, read the rules, take the quiz, withdraw."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__)
