"""The moderation cron commands: lapsed proposals expire, old evidence goes."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation import decisions, queue
from marketplace.moderation.item_models import Decision, DecisionAction, DecisionStatus, Evidence
from tests.moderation import moderator_helpers as mh


def test_cron_expires_proposals_and_purges_evidence(app, travel):
    travel("2026-11-01 12:00")
    with app.app_context():
        found = mh.community(evidence_retention_days=10)
        moderator = mh.hire(found)
        mh.item(found, "Spam")
        claim = queue.claim_next(moderator.worker)
        decisions.decide(
            claim.item, moderator=moderator.worker, action=DecisionAction.BAN,
            rule_id=mh.rule(found, 2).id,
        )  # fmt: skip
        db.session.commit()
    runner = app.test_cli_runner()
    travel("2026-11-12 12:00")
    result = runner.invoke(args=["moderation", "expire-proposals"])
    assert result.exit_code == 0 and "Expired 1 proposal(s)." in result.output
    result = runner.invoke(args=["moderation", "purge-evidence"])
    assert result.exit_code == 0 and "Deleted 1 piece(s) of evidence." in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Decision.status)) == DecisionStatus.EXPIRED
        assert db.session.scalar(sa.select(Evidence.content)) is None
