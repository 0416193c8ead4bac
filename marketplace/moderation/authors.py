"""Notes moderators leave on a community's author for the next moderator."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.moderation import queue
from marketplace.moderation.item_models import ModerationItem
from marketplace.moderation.models import AuthorNote

NOTE_MAX_CHARS = 2000


def note_on_author(item: ModerationItem, *, moderator: User, text: str) -> AuthorNote:
    """A note on the item's author, by the moderator holding the item."""
    if not queue.holds(moderator, item):
        raise InvalidTransition(_("This item is no longer yours."))
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("Please write a note."))
    if len(text) > NOTE_MAX_CHARS:
        raise DomainError(_("Please keep it under %(max)d characters.", max=NOTE_MAX_CHARS))
    note = AuthorNote(author_id=item.author_id, written_by_id=moderator.id, text=text)
    db.session.add(note)
    db.session.flush()
    return note
