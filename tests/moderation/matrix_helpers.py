"""A Matrix room on the test Synapse connected to a moderation community: the
company's admin (who made the room), the bot (invited, power level 100) and a
member who posts; the community is funded, has rules and the usual ladder and a
hired moderator (tests/moderation/moderator_helpers.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation import matrix_connections, queue
from marketplace.moderation.item_models import ModerationItem
from marketplace.moderation.matrix_bridge import Bridge
from marketplace.moderation.matrix_connections import MatrixSettings
from marketplace.moderation.matrix_models import MatrixRoom
from marketplace.moderation.models import Community
from marketplace.onboarding.models import Engagement
from tests.matrix_server import MatrixUser, Synapse, synapse_available
from tests.moderation import moderator_helpers

_rooms = itertools.count(1)


@pytest.fixture(scope="session", name="synapse")
def synapse_fixture() -> Iterator[Synapse]:
    """One Synapse for the whole run (import ``synapse_fixture`` to use ``synapse``)."""
    if not synapse_available():
        pytest.fail("Synapse is not installed: run `make synapse` (make test does)")
    server = Synapse().start()
    yield server
    server.cleanup()


@dataclass
class MatrixWorld:
    synapse: Synapse
    admin: MatrixUser
    bot: MatrixUser
    member: MatrixUser
    room_id: str
    alias: str
    community: Community
    engagement: Engagement

    @property
    def moderator(self):
        return self.engagement.worker

    @property
    def room(self) -> MatrixRoom:
        return db.session.scalar(
            sa.select(MatrixRoom).where(MatrixRoom.community_id == self.community.id)
        )

    def settings(self, **changes) -> MatrixSettings:
        values = {
            "homeserver_url": self.synapse.url,
            "access_token": self.bot.token,
            "room": self.alias,
        }
        values.update(changes)
        return MatrixSettings(**values)

    def items(self) -> list[ModerationItem]:
        return db.session.scalars(
            sa.select(ModerationItem)
            .where(ModerationItem.community_id == self.community.id)
            .order_by(ModerationItem.id)
        ).all()

    def claim(self) -> ModerationItem:
        claim = queue.claim_next(self.moderator)
        db.session.commit()
        return claim.item


def a_room(synapse: Synapse, *, invite_bot: bool = True, bot_power: int = 100):
    """Fresh users and a room; returns (admin, bot, member, room_id, alias)."""
    number = next(_rooms)
    admin = synapse.register(f"admin{number}")
    bot = synapse.register(f"bot{number}")
    member = synapse.register(f"member{number}")
    member.set_displayname(f"Mia {number}")
    alias = f"community{number}"
    room_id = admin.create_room(
        alias=alias,
        invite=(member.user_id, bot.user_id) if invite_bot else (member.user_id,),
        power={bot.user_id: bot_power},
    )
    status, answer = member.join(room_id)
    assert status == 200, answer
    return admin, bot, member, room_id, f"#{alias}:localhost"


def matrix_world(synapse: Synapse, **settings) -> MatrixWorld:
    admin, bot, member, room_id, alias = a_room(synapse)
    community = moderator_helpers.community()
    engagement = moderator_helpers.hire(community)
    world = MatrixWorld(synapse, admin, bot, member, room_id, alias, community, engagement)
    matrix_connections.attach_room(community, world.settings(**settings))
    db.session.commit()
    return world


def run_bridge(bridge: Bridge | None = None) -> dict[str, int]:
    """One round of a bridge (a new one, as after a restart, unless given)."""
    own = bridge is None
    bridge = bridge or Bridge()
    try:
        return bridge.run_once()
    finally:
        if own:
            bridge.close()
