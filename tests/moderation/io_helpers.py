"""Community API situations for tests, made through the services: a company's chat
moderation gig with a connected community and its token."""

from __future__ import annotations

import itertools
from typing import Any

from marketplace.extensions import db
from marketplace.gigs.models import GigKind, PayModel
from marketplace.moderation import connections, netiquette
from marketplace.moderation.models import Community, CommunityKind, WordKind
from tests.factories import PublishedGigFactory

_numbers = itertools.count(1)


def connected(
    *, webhook_url: str = "", pre_moderation: bool = False, company=None, **gig: Any
) -> tuple[Community, str]:
    """A published chat moderation gig with one community, connected; returns the
    community and its API token."""
    if company is not None:
        gig["company"] = company
    made = PublishedGigFactory(
        kind=GigKind.CHAT_MODERATION, pay_model=PayModel.PER_ITEM, rate_cents=30, **gig
    )
    owner = made.company.memberships[0].user
    community, token = connections.connect(
        made.communities[0],
        kind=CommunityKind.CHAT,
        webhook_url=webhook_url,
        default_language="de",
        by=owner,
    )
    community.pre_moderation = pre_moderation
    db.session.commit()
    return community, token


def words(community: Community, **kinds: list[str]) -> None:
    """Replace these word lists (a connected community starts with default suspect words)."""
    netiquette.save_word_lists(
        community, {WordKind(kind): "\n".join(entries) for kind, entries in kinds.items()}
    )
    db.session.commit()


def item(**overrides: Any) -> dict[str, Any]:
    number = next(_numbers)
    body: dict[str, Any] = {
        "id": f"m-{number}",
        "kind": "message",
        "author": {"id": "u-1", "name": "Anna", "language": "de"},
        "channel": "lobby",
        "thread": "",
        "text": "Hallo zusammen, wie geht es euch?",
        "context": [{"author": "Ben", "text": "Guten Abend!", "posted_at": "2026-12-06T10:00:00Z"}],
        "created_at": "2026-12-06T10:00:05Z",
    }
    body.update(overrides)
    return body
