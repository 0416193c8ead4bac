"""What measures and appeals are called, in the viewer's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.standing.models import AppealStatus, MeasureKind

MEASURE_LABELS = {
    MeasureKind.SUSPENSION: _l("Account suspended"),
    MeasureKind.BAN: _l("Account banned"),
    MeasureKind.COMPANY_SUSPENSION: _l("Company suspended"),
    MeasureKind.ENGAGEMENT_ENDED: _l("Engagement ended by the company"),
}

APPEAL_LABELS = {
    AppealStatus.PENDING: _l("Waiting for a decision"),
    AppealStatus.UPHELD: _l("Not successful: the measure stays"),
    AppealStatus.LIFTED: _l("Successful: the measure is lifted"),
}


def template_globals() -> dict[str, object]:
    return {"MEASURE_LABELS": MEASURE_LABELS, "APPEAL_LABELS": APPEAL_LABELS}
