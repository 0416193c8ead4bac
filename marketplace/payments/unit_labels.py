"""What a work unit is, in words, wherever units are listed (company review, the
worker's earnings, disputes): "2 emails", "1.5 hours" — and for a moderated item
"moderated item · <community>" instead of a bare "1 item"."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.payments.models import UnitKind, WorkUnit
from marketplace.payments.statements import quantity_text

MODERATION_SOURCE = "moderation-item:"
MODERATION_NOTE = "moderated item · "  # the note decisions.unit_note stores (English)


def is_moderated_item(unit: WorkUnit) -> bool:
    return unit.kind == UnitKind.ITEM and (unit.source or "").startswith(MODERATION_SOURCE)


def work_text(unit: WorkUnit) -> str:
    """The unit's work in the viewer's language."""
    if is_moderated_item(unit):
        note = unit.note or ""
        community = note[len(MODERATION_NOTE) :] if note.startswith(MODERATION_NOTE) else note
        if community:
            return _("moderated item · %(community)s", community=community)
        return _("moderated item")
    return quantity_text(unit.kind, unit.quantity)


def note_text(unit: WorkUnit) -> str:
    """The unit's note, unless it only repeats what ``work_text`` says."""
    return "" if is_moderated_item(unit) else (unit.note or "")


def template_globals() -> dict[str, object]:
    return {"work_text": work_text, "note_text": note_text}
