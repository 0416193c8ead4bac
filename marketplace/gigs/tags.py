"""The admin-curated list of content tags."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs import listing_cache
from marketplace.gigs.models import ContentTag, Gig, gig_tags

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_FIELDS = ("name_en", "name_de", "description_en", "description_de", "is_mature", "is_active")


def active_tags() -> list[ContentTag]:
    return list(
        db.session.scalars(
            sa.select(ContentTag).where(ContentTag.is_active).order_by(ContentTag.slug)
        )
    )


def _snapshot(tag: ContentTag) -> dict[str, object]:
    return {field: getattr(tag, field) for field in ("slug", *TAG_FIELDS)}


def create_tag(*, by: User, slug: str, **fields: object) -> ContentTag:
    slug = slug.strip().lower()
    if not SLUG.match(slug) or len(slug) > 40:
        raise DomainError(
            _("The short name may contain lowercase letters, digits and dashes (e.g. adult-chat).")
        )
    if db.session.scalar(sa.select(ContentTag).where(ContentTag.slug == slug)) is not None:
        raise DomainError(_("A tag with this short name already exists."))
    tag = ContentTag(slug=slug, **{k: fields[k] for k in TAG_FIELDS if k in fields})
    db.session.add(tag)
    db.session.flush()
    listing_cache.bump()
    record(actor=by, action="tag.create", object_type="tag", object_id=tag.id, after=_snapshot(tag))
    return tag


def update_tag(tag: ContentTag, *, by: User, **fields: object) -> ContentTag:
    before = _snapshot(tag)
    for field in TAG_FIELDS:
        if field in fields:
            setattr(tag, field, fields[field])
    after = _snapshot(tag)
    if after["is_mature"] != before["is_mature"]:
        _refresh_mature_flags(tag)
    if after != before:
        listing_cache.bump()
        record(
            actor=by, action="tag.update", object_type="tag", object_id=tag.id,
            before=before, after=after,
        )  # fmt: skip
    return tag


def _refresh_mature_flags(tag: ContentTag) -> None:
    """Recompute ``Gig.is_mature`` for every gig carrying ``tag``."""
    db.session.flush()
    has_mature_tag = (
        sa.select(gig_tags.c.gig_id)
        .join(ContentTag, ContentTag.id == gig_tags.c.tag_id)
        .where(gig_tags.c.gig_id == Gig.id, ContentTag.is_mature)
        .exists()
    )
    db.session.execute(
        sa.update(Gig)
        .where(Gig.id.in_(sa.select(gig_tags.c.gig_id).where(gig_tags.c.tag_id == tag.id)))
        .values(is_mature=has_mature_tag)
        .execution_options(synchronize_session="fetch")
    )
