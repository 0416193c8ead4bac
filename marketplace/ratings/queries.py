"""Published ratings and their averages (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.ratings.models import ASPECTS, Rating, RatingSide

LATEST_SHOWN = 10


@dataclass
class Summary:
    count: int
    aspects: list[tuple[object, float]]  # (label, average stars), one per named aspect


def _published(side: RatingSide, now: datetime | None):
    return sa.and_(Rating.side == side, Rating.publish_at <= (now or utcnow()))


def _filter(side: RatingSide, subject_id: int):
    if side == RatingSide.WORKER:  # written by workers: about a company
        return Rating.company_id == subject_id
    return Rating.worker_id == subject_id


def summary(side: RatingSide, subject_id: int, *, now: datetime | None = None) -> Summary:
    """Count and average per aspect of the published ratings ``side`` wrote about a subject."""
    count, *averages = db.session.execute(
        sa.select(
            sa.func.count(Rating.id),
            sa.func.avg(Rating.stars_1),
            sa.func.avg(Rating.stars_2),
            sa.func.avg(Rating.stars_3),
        ).where(_published(side, now), _filter(side, subject_id))
    ).one()
    labels = [label for _key, label in ASPECTS[side]]
    return Summary(
        count=count,
        aspects=[(label, round(float(a), 1)) for label, a in zip(labels, averages, strict=True)]
        if count
        else [],
    )


def latest(
    side: RatingSide, subject_id: int, *, limit: int = LATEST_SHOWN, now: datetime | None = None
) -> list[Rating]:
    return list(
        db.session.scalars(
            sa.select(Rating)
            .where(_published(side, now), _filter(side, subject_id))
            .order_by(Rating.publish_at.desc(), Rating.id.desc())
            .limit(limit)
        )
    )


def first_name(display_name: str) -> str:
    """A person's name as the public sees it: first name and the surname's initial."""
    parts = display_name.split()
    if len(parts) < 2:
        return display_name
    return f"{parts[0]} {parts[-1][0]}."


def by_author_unpublished(author) -> list[Rating]:
    """The author's own ratings that nobody else sees yet (the author sees their own)."""
    return list(
        db.session.scalars(
            sa.select(Rating)
            .where(Rating.author_id == author.id, Rating.publish_at > utcnow())
            .order_by(Rating.created_at.desc())
        )
    )
