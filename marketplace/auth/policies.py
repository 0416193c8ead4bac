"""Who may do what: the one entry point of authorization.

``can(user, action, obj)`` answers; ``ensure_can`` turns a "no" into a 404 (the
object's existence must not leak) and is what views call. Each action has one
rule function, which lives beside its feature in ``<feature>/policies.py`` and
registers itself with ``@rule("action")``; ``marketplace/policies.py`` imports
them all. This module imports no feature. An unknown action is a programming
error (KeyError), and ``tests/auth/test_matrix.py`` proves every route asks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort

from marketplace.auth.roles import Viewer

Rule = Callable[[Viewer, Any], bool]

RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as the rule of these actions."""

    def register(function: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"two rules for {action!r}")
            RULES[action] = function
        return function

    return register


def can(viewer: Viewer, action: str, obj: Any = None) -> bool:
    return RULES[action](viewer, obj)


def ensure_can(viewer: Viewer, action: str, obj: Any = None) -> None:
    """404 unless allowed: to someone who may not act, the object does not exist."""
    if not can(viewer, action, obj):
        abort(404)


__all__ = ["RULES", "Viewer", "can", "ensure_can", "rule"]
