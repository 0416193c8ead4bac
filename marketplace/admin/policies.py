"""Authorization rules of the admin area (see auth/policies.py)."""

from __future__ import annotations

from typing import Any

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, is_admin


@rule("admin.access")
def _admin(viewer: Viewer, _obj: Any = None) -> bool:
    return is_admin(viewer)
