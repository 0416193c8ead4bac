"""Appeals: a person appeals a measure once (the database holds them to it), an admin
decides — uphold or lift, always with a reason — and both sides are emailed."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import moderation
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.extensions import db
from marketplace.mail.services import queue_email
from marketplace.reasons import require_reason
from marketplace.standing import measures
from marketplace.standing.models import Appeal, AppealStatus, Measure, MeasureKind
from marketplace.urls import absolute_url

APPEAL_MAX = 4000


def may_appeal(measure: Measure) -> bool:
    """Not appealed yet, and not already lifted by someone's decision (a suspension
    that simply ran out may still be appealed, to clear the record)."""
    return measure.appeal is None and not measure.lifted_by_decision


def submit(measure: Measure, *, by: User, text: str) -> Appeal:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("Please write why the measure should be lifted."))
    if len(text) > APPEAL_MAX:
        raise DomainError(
            _("Please keep your appeal to at most %(max)d characters.", max=APPEAL_MAX)
        )
    if measure.lifted_by_decision:
        raise InvalidTransition(_("This measure has already been lifted."))
    appeal = Appeal(measure_id=measure.id, appellant_id=by.id, text=text)
    try:
        with db.session.begin_nested():
            db.session.add(appeal)
    except IntegrityError:
        # One appeal per measure: the database decides, also for two at once.
        raise DomainError(_("This measure has already been appealed.")) from None
    record(
        actor=by,
        action="appeal.submit",
        object_type="measure",
        object_id=measure.id,
        after={"appeal": appeal.id},
    )
    return appeal


def decide(appeal: Appeal, *, by: User, lift: bool, reason: str) -> None:
    """Uphold the measure or lift it; audited; the person and, where a company is a
    side (an ended engagement, a suspended company), its members are emailed."""
    reason = require_reason(reason)
    measure = appeal.measure
    if by.id in (appeal.appellant_id, measure.user_id):
        raise NotAllowed(_("Another admin must decide an appeal that concerns you."))
    target = AppealStatus.LIFTED if lift else AppealStatus.UPHELD
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Appeal)
        .where(Appeal.id == appeal.id, Appeal.status == AppealStatus.PENDING)
        .values(status=target, decided_by_id=by.id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidTransition(_("This appeal has already been decided."))
    db.session.refresh(appeal)
    if lift:
        _lift(measure, by=by, reason=reason)
    record(
        actor=by,
        action=f"appeal.{target.value}",
        object_type="measure",
        object_id=measure.id,
        before={"appeal": AppealStatus.PENDING.value},
        after={"appeal": target.value, "measure_lifted": measure.is_lifted},
        reason=reason,
    )
    _tell_both_sides(appeal)


def _lift(measure: Measure, *, by: User, reason: str) -> None:
    if measure.kind in (MeasureKind.SUSPENSION, MeasureKind.BAN):
        user = measure.user
        if user is not None and user.suspended_at is not None and not measure.is_lifted:
            moderation.unsuspend_user(user, reason=reason, by=by, notify=False)
    elif measure.kind == MeasureKind.COMPANY_SUSPENSION:
        company = measure.company
        if company is not None and company.suspended_at is not None and not measure.is_lifted:
            moderation.unsuspend_company(company, reason=reason, by=by)
    measures.lift(measure, by=by, reason=reason)  # also clears what had run out already


def _tell_both_sides(appeal: Appeal) -> None:
    measure = appeal.measure
    person = appeal.appellant
    queue_email(
        to=person.email,
        template="standing/appeal_decided",
        locale=person.locale,
        user=person,
        appeal=appeal,
        measure=measure,
        link=absolute_url("standing.overview"),
    )
    company = measure.company or (measure.engagement.gig.company if measure.engagement else None)
    if company is None:
        return
    for membership in company.memberships:
        member = membership.user
        if member.id != person.id and member.suspended_at is None:
            queue_email(
                to=member.email,
                template="standing/appeal_decided_company",
                locale=member.locale,
                member=member,
                appeal=appeal,
                measure=measure,
                company=company,
                person=person,
            )
