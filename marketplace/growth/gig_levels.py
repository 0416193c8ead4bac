"""A company's level settings of a gig: the minimum level to apply and a higher rate
for a level. They sit outside the vetted listing text (a settings page of the
company's gig, like hours and openings), so changing them needs no new review;
gigs without settings are open to every level at the gig's rate."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.growth import levels
from marketplace.growth.labels import LEVEL_LABELS, WORK_KIND_LABELS
from marketplace.growth.models import GigLevelSettings, Level, WorkKind


@dataclass(frozen=True)
class LevelSettings:
    min_level: Level
    experienced_rate_cents: int | None
    top_rate_cents: int | None


def settings_of(gig: Gig) -> GigLevelSettings | None:
    return db.session.get(GigLevelSettings, gig.id)


def save(gig: Gig, values: LevelSettings, *, by: User) -> GigLevelSettings:
    """Store the settings; level rates must be above the gig's rate (Top at least
    Experienced's), within MAX_RATE_CENTS."""
    highest = current_app.config["MAX_RATE_CENTS"]
    for rate in (values.experienced_rate_cents, values.top_rate_cents):
        if rate is not None and not gig.rate_cents < rate <= highest:
            raise DomainError(
                _("A level's rate must be higher than the gig's rate and at most the maximum rate.")
            )
    if (
        values.experienced_rate_cents is not None
        and values.top_rate_cents is not None
        and values.top_rate_cents < values.experienced_rate_cents
    ):
        raise DomainError(_("The rate for Top must be at least the rate for Experienced."))
    settings = settings_of(gig)
    before = None
    if settings is None:
        settings = GigLevelSettings(gig_id=gig.id, updated_by_id=by.id)
        db.session.add(settings)
    else:
        before = _snapshot(settings)
    settings.min_level = values.min_level
    settings.experienced_rate_cents = values.experienced_rate_cents
    settings.top_rate_cents = values.top_rate_cents
    settings.updated_by_id = by.id
    db.session.flush()
    record(
        actor=by,
        action="gig.level_settings",
        object_type="gig",
        object_id=gig.id,
        before=before,
        after=_snapshot(settings),
    )
    return settings


def _snapshot(settings: GigLevelSettings) -> dict[str, object]:
    return {
        "min_level": settings.min_level.value,
        "experienced_rate_cents": settings.experienced_rate_cents,
        "top_rate_cents": settings.top_rate_cents,
    }


def refusal(gig: Gig, seeker: User) -> str | None:
    """Why ``seeker`` may not apply to ``gig`` for their level (None: they may)."""
    settings = settings_of(gig)
    if settings is None or settings.min_level == Level.NEW:
        return None
    kind = WorkKind.of_gig(gig.kind)
    level = levels.level_of(seeker.id, kind)
    if level.rank >= settings.min_level.rank:
        return None
    return _(
        "This gig is open to workers with the level %(needed)s or higher in "
        "%(kind)s; your level there is %(level)s. “My levels” shows what is "
        "missing for the next one.",
        needed=LEVEL_LABELS[settings.min_level],
        kind=WORK_KIND_LABELS[kind],
        level=LEVEL_LABELS[level],
    )


def require_level(gig: Gig, seeker: User) -> None:
    """Refuse an application below the gig's minimum level, saying why."""
    reason = refusal(gig, seeker)
    if reason is not None:
        raise DomainError(reason)


def rate_for_worker(gig: Gig, worker_id: int) -> int:
    """The rate an engagement on ``gig`` starts with: the worker's level's rate when
    the company set one, else the gig's rate."""
    settings = settings_of(gig)
    if settings is None:
        return gig.rate_cents
    level_rate = settings.rate_for(levels.level_of(worker_id, WorkKind.of_gig(gig.kind)))
    return max(gig.rate_cents, level_rate or 0)
