"""The company builds a gig's onboarding: rules, quiz, settings, preview, import/export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("onboarding_builder", __name__)
