"""Connecting a community as a room on the company's Matrix homeserver.

The company enters its homeserver's URL, the access token of the bot account it
made for us, and the room (id or alias) it invited the bot to. Before anything is
stored we check, with the token, what the bridge will need: the homeserver knows
the token (whoami), the bot was invited (it joins now), and its power level lets it
redact, kick, ban and change power levels (mutes). A problem is a ``DomainError``
in the company's words, and nothing is stored.

The token is kept encrypted (marketplace/crypto.py) and never shown again; saving
the settings without a new token keeps the old one. The first sync's token is
stored with the room, so the bridge imports what is posted after connecting.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace import crypto
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import GigCommunity
from marketplace.moderation import connections
from marketplace.moderation.matrix_client import MatrixProblem, MatrixSession, missing_powers
from marketplace.moderation.matrix_models import MatrixRoom
from marketplace.moderation.models import Community, CommunityKind, CommunitySource


@dataclass
class MatrixSettings:
    homeserver_url: str
    access_token: str  # empty when editing: keep the stored one
    room: str
    warn_by_direct_message: bool = False


@dataclass
class Checked:
    bot_user_id: str
    room_id: str
    sync_token: str


def check_homeserver_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise DomainError(_("The homeserver URL must be an http:// or https:// address."))
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        from marketplace.work.delivery import _private_address

        if _private_address(url) is not None:
            raise DomainError(_("The homeserver must be reachable on a public address."))
    return url


def _room_address(room: str) -> str:
    room = room.strip()
    if not room or room[0] not in "!#" or len(room) > 255 or any(c.isspace() for c in room):
        raise DomainError(
            _("Enter the room's id (!…) or its alias (#name:server), as your Matrix client shows.")
        )
    return room


_POWER_NAMES = {
    "redact": lambda: _("remove messages (redact)"),
    "kick": lambda: _("kick"),
    "ban": lambda: _("ban"),
    "power_levels": lambda: _("change power levels (mute)"),
}


def _explain(problem: MatrixProblem, room: str) -> DomainError:
    if problem.kind == MatrixProblem.TOKEN:
        return DomainError(
            _(
                "The homeserver does not accept this access token. Copy the bot's "
                "token again (it changes when the bot logs out)."
            )
        )
    if problem.kind == MatrixProblem.NOT_INVITED:
        return DomainError(
            _(
                "The bot may not join the room %(room)s. Invite the bot to the room "
                "first, then try again.",
                room=room,
            )
        )
    if problem.kind == MatrixProblem.NO_ROOM:
        return DomainError(_("The homeserver knows no room %(room)s.", room=room))
    if problem.kind == MatrixProblem.UNREACHABLE:
        return DomainError(
            _(
                "The homeserver does not answer. Check the URL (for example https://matrix.example.com)."
            )
        )
    return DomainError(
        _("The homeserver refused: %(detail)s", detail=problem.detail or problem.kind)
    )


def check(settings: MatrixSettings) -> Checked:
    """Whoami, join and power levels with the token; raises a DomainError that says
    what is wrong. Network I/O: called from the connection page, not from services
    that run inside a transaction with locks."""
    session = MatrixSession(settings.homeserver_url, settings.access_token, timeout=15)
    try:
        bot = session.whoami()
        room_id = session.join(settings.room)
        missing = missing_powers(session.power_levels(room_id), bot)
        if missing:
            raise DomainError(
                _(
                    "The bot's power level in the room is too low to %(powers)s. Give it "
                    "moderator rights (power level 100) in the room's settings.",
                    powers=", ".join(_POWER_NAMES[power]() for power in missing),
                )
            )
        sync_token, _messages = session.sync(room_id, None, 0)
        return Checked(bot, room_id, sync_token)
    except MatrixProblem as problem:
        raise _explain(problem, settings.room) from problem
    finally:
        session.close()


def _clean(settings: MatrixSettings) -> MatrixSettings:
    return MatrixSettings(
        homeserver_url=check_homeserver_url(settings.homeserver_url),
        access_token=settings.access_token.strip(),
        room=_room_address(settings.room),
        warn_by_direct_message=settings.warn_by_direct_message,
    )


def connect_matrix(
    gig_community: GigCommunity,
    *,
    kind: CommunityKind,
    default_language: str,
    settings: MatrixSettings,
    by: User,
) -> Community:
    """Check the settings against the homeserver, then connect the community with
    source MATRIX and its room. Nothing is stored when the check fails."""
    settings = _clean(settings)
    if not settings.access_token:
        raise DomainError(_("Please enter the bot's access token."))
    checked = check(settings)
    community, _token = connections.connect(
        gig_community, kind=kind, webhook_url="", default_language=default_language, by=by
    )
    attach_room(community, settings, checked)
    record(actor=by, action="community.matrix", object_type="community", object_id=community.id)
    return community


def attach_room(
    community: Community, settings: MatrixSettings, checked: Checked | None = None
) -> MatrixRoom:
    """The community's decisions go to this (checked) room from now on."""
    if checked is None:
        settings = _clean(settings)
        checked = check(settings)
    community.source = CommunitySource.MATRIX
    community.webhook_url = ""
    room = MatrixRoom(
        community_id=community.id,
        homeserver_url=settings.homeserver_url,
        bot_user_id=checked.bot_user_id,
        access_token_encrypted=crypto.encrypt(settings.access_token),
        room_address=settings.room,
        room_id=checked.room_id,
        warn_by_direct_message=settings.warn_by_direct_message,
        direct_rooms={},
        sync_token=checked.sync_token,
    )
    db.session.add(room)
    db.session.flush()
    return room


def room_of(community: Community) -> MatrixRoom | None:
    return db.session.scalar(sa.select(MatrixRoom).where(MatrixRoom.community_id == community.id))


def token_of(room: MatrixRoom) -> str:
    try:
        return crypto.decrypt(room.access_token_encrypted)
    except crypto.SecretUnreadable as exc:
        raise DomainError(
            _("The stored access token cannot be read any more. Please enter it again.")
        ) from exc


def update_matrix(room: MatrixRoom, *, settings: MatrixSettings, by: User) -> None:
    """Check and save new settings (an empty token keeps the stored one)."""
    settings = _clean(settings)
    token = settings.access_token or token_of(room)
    same_room = settings.room == room.room_address and (
        settings.homeserver_url == room.homeserver_url
    )
    checked = check(MatrixSettings(settings.homeserver_url, token, settings.room))
    before = {"homeserver_url": room.homeserver_url, "room": room.room_address}
    room.homeserver_url = settings.homeserver_url
    room.bot_user_id = checked.bot_user_id
    if settings.access_token:
        room.access_token_encrypted = crypto.encrypt(settings.access_token)
    room.room_address = settings.room
    room.room_id = checked.room_id
    room.warn_by_direct_message = settings.warn_by_direct_message
    room.last_error = ""
    if not same_room:
        # Another room: start with what is posted from now on.
        room.sync_token = checked.sync_token
        room.direct_rooms = {}
    record(
        actor=by,
        action="community.matrix",
        object_type="community",
        object_id=room.community_id,
        before=before,
        after={"homeserver_url": room.homeserver_url, "room": room.room_address},
    )


def rotate_secrets() -> int:
    """Every stored bot token encrypted again with the first key (``flask secrets rotate``)."""
    count = 0
    for room in db.session.scalars(sa.select(MatrixRoom)):
        room.access_token_encrypted = crypto.rotate(room.access_token_encrypted)
        count += 1
    return count
