"""Connecting a community named on a moderation gig to Nebendesk: its API token
(sha256 at rest, shown once, rotatable), its webhook URL and signing secret
(rotatable, the old one overlapping for a day).

A community is connected once per gig community (``Community`` is unique on gig
and name); the token authenticates the community API (moderation/api_views.py),
the signing secret signs the decisions we POST to the webhook URL
(work/delivery.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import Company, User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigCommunity, GigKind
from marketplace.moderation import netiquette
from marketplace.moderation.models import Community, CommunityKind

WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)
TOKEN_PREFIX = "ndc_"  # noqa: S105 - a prefix that marks our tokens, not a secret
LANGUAGES = ("de", "en")


def new_token() -> tuple[str, str]:
    """A fresh API token and its sha256 (what we keep)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(community: Community, token: str) -> bool:
    """Constant-time comparison of the token's fingerprint with the stored one."""
    return hmac.compare_digest(community.token_hash, hash_token(token))


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


@dataclass
class CommunityRow:
    """A community named on one of the company's moderation gigs, connected or not."""

    gig: Gig
    gig_community: GigCommunity
    community: Community | None


def community_rows(company: Company) -> list[CommunityRow]:
    gigs = db.session.scalars(
        sa.select(Gig)
        .where(
            Gig.company_id == company.id,
            Gig.kind.in_([GigKind.CHAT_MODERATION, GigKind.FORUM_MODERATION]),
        )
        .order_by(Gig.id)
    ).all()
    if not gigs:
        return []
    connected = {
        (community.gig_id, community.name): community
        for community in db.session.scalars(
            sa.select(Community).where(Community.gig_id.in_([gig.id for gig in gigs]))
        )
    }
    rows = []
    for gig in gigs:
        for gig_community in sorted(gig.communities, key=lambda c: c.position):
            rows.append(
                CommunityRow(gig, gig_community, connected.get((gig.id, gig_community.name)))
            )
    return rows


def default_kind(gig: Gig) -> CommunityKind:
    return CommunityKind.FORUM if gig.kind == GigKind.FORUM_MODERATION else CommunityKind.CHAT


def check_webhook_url(url: str) -> str:
    """An http(s) URL, or empty (the community polls instead)."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise DomainError(_("The webhook URL must be an http:// or https:// address."))
    return url


def connect(
    gig_community: GigCommunity,
    *,
    kind: CommunityKind,
    webhook_url: str,
    default_language: str,
    by: User,
) -> tuple[Community, str]:
    """Connect a community of a moderation gig; returns it and its API token (shown once)."""
    gig = db.session.get(Gig, gig_community.gig_id)
    if gig is None or not gig.kind.is_moderation:
        raise DomainError(_("Only communities of moderation gigs can be connected."))
    known = db.session.scalar(
        sa.select(Community.id).where(
            Community.gig_id == gig.id, Community.name == gig_community.name
        )
    )
    if known is not None:
        raise DomainError(_("This community is connected already."))
    if default_language not in LANGUAGES:
        raise DomainError(_("Please choose German or English."))
    token, token_hash = new_token()
    community = Community(
        gig_id=gig.id,
        company_id=gig.company_id,
        name=gig_community.name,
        kind=kind,
        token_hash=token_hash,
        webhook_url=check_webhook_url(webhook_url),
        webhook_secret=new_webhook_secret(),
        default_language=default_language,
        connected_by_id=by.id,
    )
    db.session.add(community)
    db.session.flush()
    # A community starts with a netiquette, a ladder and word lists the company then edits.
    netiquette.install_defaults(community)
    record(actor=by, action="community.connect", object_type="community", object_id=community.id)
    return community, token


def rotate_token(community: Community, *, by: User) -> str:
    """A new API token; the old one stops working at once."""
    token, community.token_hash = new_token()
    record(
        actor=by, action="community.rotate_token", object_type="community", object_id=community.id
    )
    return token


def rotate_webhook_secret(community: Community, *, by: User) -> None:
    """A new signing secret; the old one signs as well for WEBHOOK_SECRET_OVERLAP (a
    second signature in the header), so the community can switch over at leisure. A
    secret made during an overlap ends the older overlap: two secrets at most."""
    community.previous_webhook_secret = community.webhook_secret
    community.previous_webhook_secret_until = utcnow() + WEBHOOK_SECRET_OVERLAP
    community.webhook_secret = new_webhook_secret()
    record(
        actor=by,
        action="community.rotate_webhook_secret",
        object_type="community",
        object_id=community.id,
    )


def update_webhook(community: Community, *, webhook_url: str, by: User) -> None:
    before = community.webhook_url
    community.webhook_url = check_webhook_url(webhook_url)
    record(
        actor=by,
        action="community.webhook",
        object_type="community",
        object_id=community.id,
        before={"webhook_url": before},
        after={"webhook_url": community.webhook_url},
    )
