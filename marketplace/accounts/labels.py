"""What the account enums are called, in the viewer's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import CompanyRole, UserKind

USER_KIND_LABELS = {
    UserKind.SEEKER: _l("Job seeker"),
    UserKind.COMPANY: _l("Company member"),
    UserKind.ADMIN: _l("Admin"),
}

COMPANY_ROLE_LABELS = {
    CompanyRole.OWNER: _l("Owner"),
    CompanyRole.MANAGER: _l("Manager"),
}
