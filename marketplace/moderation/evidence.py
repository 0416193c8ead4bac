"""Evidence: an item's content as it was when a moderator removed or restricted
it, kept so an appeal can be judged after the community deleted the message.

Hashed (sha256 over its canonical JSON) when kept; readable only by the company
and the deciding moderator (policy "moderation.evidence"), every read logged;
emptied once the community's retention period has passed (``purge_expired``,
run by ``flask moderation purge-evidence``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.auth.policies import ensure_can
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import Decision, Evidence, EvidenceRead


def digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def keep(decision: Decision, now: datetime) -> Evidence:
    """Keep the item's content for this decision (once per decision)."""
    existing = db.session.scalar(sa.select(Evidence).where(Evidence.decision_id == decision.id))
    if existing is not None:
        return existing
    item = decision.item
    content = {
        "item": item.external_id if item is not None else None,
        "kind": item.kind.value if item is not None else None,
        "author": decision.author.external_id,
        "author_name": decision.author.display_name,
        "channel": item.channel if item is not None else "",
        "thread": item.thread if item is not None else "",
        "text": item.text if item is not None else "",
        "images": list(item.image_urls) if item is not None else [],
        "context": list(item.context) if item is not None else [],
        "posted_at": item.posted_at.isoformat() if item and item.posted_at else None,
    }
    evidence = Evidence(
        decision_id=decision.id,
        content=content,
        sha256=digest(content),
        created_at=now,
        delete_after=now + timedelta(days=decision.community.evidence_retention_days),
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def read(evidence: Evidence, *, user: User) -> dict[str, Any]:
    """The kept content for the company or the deciding moderator (else 404), with
    whether it still matches its hash; every read is logged."""
    ensure_can(user, "moderation.evidence", evidence)
    db.session.add(EvidenceRead(evidence_id=evidence.id, user_id=user.id, read_at=utcnow()))
    db.session.flush()
    content = dict(evidence.content or {})
    return {
        "content": content,
        "sha256": evidence.sha256,
        "intact": digest(content) == evidence.sha256,
        "kept_at": evidence.created_at,
        "delete_after": evidence.delete_after,
    }


def reads(evidence: Evidence) -> list[EvidenceRead]:
    return list(
        db.session.scalars(
            sa.select(EvidenceRead)
            .where(EvidenceRead.evidence_id == evidence.id)
            .order_by(EvidenceRead.id)
        )
    )


def purge_expired(now: datetime | None = None) -> int:
    """Empty every piece of evidence past its retention period; returns how many."""
    now = now or utcnow()
    return db.session.execute(
        sa.update(Evidence)
        .where(Evidence.delete_after <= now, Evidence.deleted_at.is_(None))
        .values(content=None, deleted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
