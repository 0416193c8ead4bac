"""What the onboarding enums are called, in the viewer's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from marketplace.onboarding.models import ApplicationStatus, EngagementStatus, QuestionKind

APPLICATION_LABELS = {
    ApplicationStatus.SUBMITTED: _lp("application status", "Submitted"),
    ApplicationStatus.ONBOARDING: _lp("application status", "Onboarding"),
    ApplicationStatus.PASSED: _l("Passed, ready for review"),
    ApplicationStatus.HIRED: _l("Hired"),
    ApplicationStatus.REJECTED: _l("Not selected"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    ApplicationStatus.FAILED_OUT: _l("Quiz not passed"),
}

ENGAGEMENT_LABELS = {
    EngagementStatus.ACTIVE: _l("Active"),
    EngagementStatus.PAUSED: _l("Paused"),
    EngagementStatus.ENDED: _l("Ended"),
}

QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
}


def template_globals() -> dict[str, object]:
    return {
        "APPLICATION_LABELS": APPLICATION_LABELS,
        "ENGAGEMENT_LABELS": ENGAGEMENT_LABELS,
        "QUESTION_KIND_LABELS": QUESTION_KIND_LABELS,
    }
