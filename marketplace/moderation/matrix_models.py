"""A community connected as a room on a Matrix homeserver (``CommunitySource.MATRIX``):
the homeserver, the bot's access token (encrypted, marketplace/crypto.py), the room,
where the bridge's sync stopped, and the mutes it has to lift when they end.

The bridge (moderation/matrix_bridge.py) reads messages from the room into items and
carries decisions out in the room; these rows are what lets it restart anywhere:
``sync_token`` says where to go on, ``MatrixMute`` rows which mutes are still due.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import TimestampMixin
from marketplace.extensions import db
from marketplace.moderation.models import Community


class MatrixRoom(TimestampMixin, db.Model):
    __tablename__ = "matrix_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    homeserver_url: Mapped[str] = mapped_column(sa.String(500))
    # The bot's Matrix user id (from whoami) and its access token, encrypted.
    bot_user_id: Mapped[str] = mapped_column(sa.String(255))
    access_token_encrypted: Mapped[str] = mapped_column(sa.Text)
    # What the company entered (an id "!…" or an alias "#…:server") and the id it resolved to.
    room_address: Mapped[str] = mapped_column(sa.String(255))
    room_id: Mapped[str] = mapped_column(sa.String(255))
    # Warnings as a direct message to the author instead of in the room.
    warn_by_direct_message: Mapped[bool] = mapped_column(default=False)
    # Direct rooms the bot opened, per Matrix user id.
    direct_rooms: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Where the last sync stopped (``next_batch``); the bridge goes on from here.
    sync_token: Mapped[str | None] = mapped_column(sa.Text)
    last_sync_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")

    community: Mapped[Community] = relationship()


class MatrixMute(db.Model):
    """A user muted in the room (power level below what posting needs) until ``until``;
    the bridge restores ``previous_level`` (None: the room's default) when it ends."""

    __tablename__ = "matrix_mutes"
    __table_args__ = (sa.Index("ix_matrix_mutes_due", "lifted_at", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matrix_room_id: Mapped[int] = mapped_column(
        sa.ForeignKey("matrix_rooms.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(255))
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_decisions.id"))
    previous_level: Mapped[int | None]
    until: Mapped[datetime]
    lifted_at: Mapped[datetime | None]

    room: Mapped[MatrixRoom] = relationship()
