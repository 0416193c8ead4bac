"""The company's Matrix pages (connect a room, the room's settings) pass axe-core
and fit a phone in English and German. The demo connects no Matrix room (that
needs a homeserver), so this test adds one to the demo company as the bridge's
connection would leave it; showing the pages does not call the homeserver."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from marketplace import crypto
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigCommunity, GigKind
from marketplace.moderation import connections
from marketplace.moderation.matrix_models import MatrixRoom
from marketplace.moderation.models import CommunityKind, CommunitySource
from marketplace.seed.demo import seed_demo
from marketplace.seed.demo_data import CHAT_OWNER_EMAIL
from tests.e2e.site_audit import Visit, install_axe
from tests.e2e.test_every_page import Auditor, log_in, switch_language

pytestmark = pytest.mark.e2e


def _matrix_community() -> tuple[int, int]:
    owner = db.session.scalar(sa.select(User).where(User.email == CHAT_OWNER_EMAIL))
    gig = db.session.scalar(
        sa.select(Gig)
        .where(Gig.company_id == owner.company.id, Gig.kind == GigKind.CHAT_MODERATION)
        .limit(1)
    )
    free, matrix = (
        GigCommunity(gig_id=gig.id, name=name, audience="Gäste", position=90 + number)
        for number, name in enumerate(("Abendchat", "Matrix-Lounge"))
    )
    db.session.add_all([free, matrix])
    db.session.flush()
    community, _token = connections.connect(
        matrix, kind=CommunityKind.CHAT, webhook_url="", default_language="de", by=owner
    )
    community.source = CommunitySource.MATRIX
    db.session.add(
        MatrixRoom(
            community_id=community.id,
            homeserver_url="https://matrix.example.com",
            bot_user_id="@nebendesk:matrix.example.com",
            access_token_encrypted=crypto.encrypt("syt_example"),
            room_address="#lounge:matrix.example.com",
            room_id="!lounge:matrix.example.com",
            direct_rooms={},
        )
    )
    db.session.commit()
    return free.id, community.id


def test_the_matrix_pages_pass_in_both_languages(app, new_page: Callable[..., Page]):
    with app.app_context():
        seed_demo()
        db.session.commit()
        free_id, community_id = _matrix_community()
    page = new_page()
    install_axe(page.context)
    log_in(page, CHAT_OWNER_EMAIL)
    auditor = Auditor(page, CHAT_OWNER_EMAIL)
    for path in (
        "/company/communities/",
        f"/company/communities/connect/{free_id}/matrix",
        f"/company/communities/{community_id}/matrix",
    ):
        assert page.goto(path).status == 200
        assert "Matrix" in page.locator("main").inner_text()
        visit = Visit(url=path, final=path, status=200)
        switch_language(page, "en")
        auditor(visit, "en")
        switch_language(page, "de")
        auditor(visit, "de")
    assert not auditor.findings, auditor.report()
