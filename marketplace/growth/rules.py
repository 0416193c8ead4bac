"""The level rules: every threshold in one place, and pure functions that turn a
worker's measured facts into a level and into what is missing for the next one.

A worker holds the highest level whose every requirement they meet (each level's
thresholds are at least those of the level below, so levels are cumulative):

| requirement                                   | Experienced | Top  |
|-----------------------------------------------|-------------|------|
| approved units in this kind of work (ever)    | 50          | 300  |
| approval rate of units decided in 90 days     | 90 %        | 95 % |
| control-item accuracy in 90 days (moderation) | 85 %        | 95 % |
| tenure: days since the first engagement       | 14          | 90   |
| open penalties (account standing)             | none        | none |

Rates are floored to whole percent, so 94.9 % never reads as 95 %. A rate with
nothing measured (no unit decided, no control item graded in the window) does not
meet its threshold. Open penalties: a suspension or ban in force, or an engagement
a company ended in the last 90 days (unless lifted after an appeal).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.growth.models import LEVEL_ORDER, Level, WorkKind

WINDOW_DAYS = 90  # approval rate and control accuracy look back this far
PENALTY_WINDOW_DAYS = 90  # an ended engagement counts as an open penalty this long


@dataclass(frozen=True)
class Requirement:
    approved_units: int
    approval_rate: int  # percent
    control_accuracy: int  # percent; moderation only (email has no control items)
    tenure_days: int


THRESHOLDS: dict[Level, Requirement] = {
    Level.EXPERIENCED: Requirement(
        approved_units=50, approval_rate=90, control_accuracy=85, tenure_days=14
    ),
    Level.TOP: Requirement(
        approved_units=300, approval_rate=95, control_accuracy=95, tenure_days=90
    ),
}


@dataclass(frozen=True)
class Facts:
    """What was measured for one worker in one kind of work on one day."""

    approved_units: int = 0
    approved_in_window: int = 0
    decided_in_window: int = 0
    control_correct: int = 0
    control_graded: int = 0
    tenure_days: int = 0
    open_penalties: int = 0

    @property
    def approval_rate(self) -> int | None:
        if not self.decided_in_window:
            return None
        return self.approved_in_window * 100 // self.decided_in_window

    @property
    def control_accuracy(self) -> int | None:
        if not self.control_graded:
            return None
        return self.control_correct * 100 // self.control_graded

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        return cls(**{key: int(data.get(key, 0)) for key in cls.__dataclass_fields__})


def _unmet(facts: Facts, kind: WorkKind, need: Requirement) -> list[tuple[str, int, int | None]]:
    """(what, needed, measured) for each requirement of ``need`` not met."""
    unmet: list[tuple[str, int, int | None]] = []
    if facts.approved_units < need.approved_units:
        unmet.append(("approved_units", need.approved_units, facts.approved_units))
    rate = facts.approval_rate
    if rate is None or rate < need.approval_rate:
        unmet.append(("approval_rate", need.approval_rate, rate))
    if kind == WorkKind.MODERATION:
        accuracy = facts.control_accuracy
        if accuracy is None or accuracy < need.control_accuracy:
            unmet.append(("control_accuracy", need.control_accuracy, accuracy))
    if facts.tenure_days < need.tenure_days:
        unmet.append(("tenure_days", need.tenure_days, facts.tenure_days))
    if facts.open_penalties:
        unmet.append(("open_penalties", 0, facts.open_penalties))
    return unmet


def level_for(facts: Facts, kind: WorkKind) -> Level:
    """The highest level whose every requirement the facts meet."""
    reached = Level.NEW
    for level in LEVEL_ORDER[1:]:
        if _unmet(facts, kind, THRESHOLDS[level]):
            break
        reached = level
    return reached


def _sentence(what: str, needed: int, measured: int | None) -> str:
    if what == "approved_units":
        missing = needed - (measured or 0)
        return ngettext("%(num)d more approved unit", "%(num)d more approved units", missing)
    if what == "approval_rate":
        if measured is None:
            return _(
                "an approval rate of %(need)d %% over the last %(days)d days (no work was "
                "reviewed in that time)",
                need=needed,
                days=WINDOW_DAYS,
            )
        return _("approval rate %(have)d %%, needs %(need)d %%", have=measured, need=needed)
    if what == "control_accuracy":
        if measured is None:
            return _(
                "a control-item accuracy of %(need)d %% over the last %(days)d days (no "
                "control item was graded in that time)",
                need=needed,
                days=WINDOW_DAYS,
            )
        return _("control-item accuracy %(have)d %%, needs %(need)d %%", have=measured, need=needed)
    if what == "tenure_days":
        missing = needed - (measured or 0)
        return ngettext(
            "%(num)d more day since your first engagement of this kind",
            "%(num)d more days since your first engagement of this kind",
            missing,
        )
    return ngettext(
        "no open penalty (%(num)d measure on your account standing)",
        "no open penalty (%(num)d measures on your account standing)",
        measured or 0,
    )


def missing_for(facts: Facts, kind: WorkKind, level: Level) -> list[str]:
    """What the worker still needs for ``level``, one sentence per requirement, in the
    viewer's language (empty when they meet it)."""
    if level == Level.NEW:
        return []
    return [_sentence(*unmet) for unmet in _unmet(facts, kind, THRESHOLDS[level])]
