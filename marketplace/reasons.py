"""The reason a person gives for a decision: required, trimmed, bounded."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.errors import DomainError

REASON_MAX = 2000


def require_reason(reason: str | None, *, message: str | None = None) -> str:
    """The trimmed reason, or DomainError (``message``, or a generic one) if empty or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message or _("Please give a reason."))
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("Please keep the reason to at most %(max)d characters.", max=REASON_MAX)
        )
    return reason
