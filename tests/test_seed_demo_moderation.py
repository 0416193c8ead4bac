"""``flask seed demo`` and moderation work: the demo moderator, Chat Demo UG's
connected communities with German and English items, the moderator's history
and earnings, and the sandbox community's connection file."""

from __future__ import annotations

import json

import sqlalchemy as sa

from marketplace.auth.passwords import verify_password
from marketplace.extensions import db as _db
from marketplace.gigs.models import Gig
from marketplace.moderation import connections, queue
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    ItemKind,
    ItemStatus,
    ModerationItem,
    Strike,
)
from marketplace.moderation.models import (
    Community,
    CommunityAuthor,
    CommunitySource,
    NetiquetteRule,
    PenaltyStep,
)
from marketplace.onboarding.engagements import rules_to_acknowledge
from marketplace.onboarding.models import ApplicationStatus, Engagement, EngagementStatus
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.seed.demo import DEMO_PASSWORD, seed_demo
from marketplace.seed.moderation_data import (
    APPROVED_ITEMS,
    DEMO_TOKENS,
    FLIRT,
    HISTORY,
    LIVE_SESSIONS,
    MODERATOR_EMAIL,
    REPORTS,
    REPORTS_GIG,
    SANDBOX_WEBHOOK_URL,
    VELVET,
    VELVET_GIG,
    WAITING,
)
from tests.test_seed_demo import _log_in, _user


def _seed(db) -> str:
    summary = seed_demo()
    db.session.commit()
    return summary


def _communities(db) -> dict[str, Community]:
    return {c.name: c for c in db.session.scalars(sa.select(Community))}


def _ben(db) -> CommunityAuthor:
    """The repeat offender."""
    return db.session.scalar(
        sa.select(CommunityAuthor).where(CommunityAuthor.external_id == "u-ben")
    )


def test_the_demo_moderator_is_hired_with_consent_on_connected_communities(db):
    summary = _seed(db)

    moderator = _user(db, MODERATOR_EMAIL)
    assert moderator.is_verified and moderator.sees_mature_content
    assert verify_password(moderator.password_hash, DEMO_PASSWORD)
    assert MODERATOR_EMAIL in summary
    for title in (VELVET_GIG, REPORTS_GIG):
        gig = db.session.scalar(sa.select(Gig).where(Gig.title == title))
        assert gig.is_mature
        engagement = db.session.scalar(
            sa.select(Engagement).where(
                Engagement.worker_id == moderator.id, Engagement.gig_id == gig.id
            )
        )
        assert engagement.status == EngagementStatus.ACTIVE
        assert engagement.application.status == ApplicationStatus.HIRED
        assert engagement.application.consented_at is not None
        assert rules_to_acknowledge(engagement) is None

    communities = _communities(db)
    assert set(communities) == {VELVET, REPORTS, FLIRT}
    assert {c.name for _e, c in queue.communities_of(moderator)} == {VELVET, REPORTS, FLIRT}
    sandbox = communities[REPORTS]
    assert (sandbox.source, sandbox.webhook_url) == (CommunitySource.SANDBOX, SANDBOX_WEBHOOK_URL)
    assert communities[VELVET].pre_moderation
    for name, community in communities.items():
        assert connections.token_matches(community, DEMO_TOKENS[name])
        assert DEMO_TOKENS[name] in summary
        rules = db.session.scalars(
            sa.select(NetiquetteRule).where(NetiquetteRule.community_id == community.id)
        ).all()
        assert len(rules) >= 5
        assert all(r.title_de != r.title_en and r.warning_de and r.warning_en for r in rules)
        ladder = db.session.scalars(
            sa.select(PenaltyStep).where(PenaltyStep.community_id == community.id)
        ).all()
        assert len(ladder) >= 3

    # Nobody else was hired on the mature communities: the newbie sees none of it.
    assert not queue.communities_of(_user(db, "newbie@demo.test"))


def test_demo_items_wait_in_german_and_english_and_the_moderator_gets_one(db):
    _seed(db)
    moderator = _user(db, MODERATOR_EMAIL)
    communities = _communities(db)

    items = db.session.scalars(sa.select(ModerationItem)).all()
    assert len(items) == len(HISTORY) + len(WAITING)
    waiting = [i for i in items if i.status == ItemStatus.WAITING]
    assert len(waiting) >= len(WAITING)
    assert {i.kind for i in waiting} == set(ItemKind)
    languages = {i.author.language for i in waiting}
    assert {"de", "en"} <= languages
    assert any(i.reported_by and i.report_reason for i in waiting)
    assert any(i.word_hits for i in waiting)
    assert any(i.held for i in waiting if i.community_id == communities[VELVET].id)
    assert any(i.image_urls for i in waiting)
    velvet = [i for i in waiting if i.community_id == communities[VELVET].id]
    assert velvet and communities[VELVET].is_mature
    # The repeat offender has more than one item.
    ben = db.session.scalar(
        sa.select(CommunityAuthor).where(CommunityAuthor.external_id == "u-ben")
    )
    assert len([i for i in items if i.author_id == ben.id]) >= 3
    # Old items are old; urgent ones (reports, questions, word hits) come first.
    oldest = min(i.received_at for i in waiting)
    assert (max(i.received_at for i in waiting) - oldest).total_seconds() > 3600

    claim = queue.claim_next(moderator)
    assert claim.item is not None and claim.no_item is None
    assert claim.item.tier == 0


def test_the_demo_moderator_has_history_and_earnings_and_the_books_agree(db):
    _seed(db)
    moderator = _user(db, MODERATOR_EMAIL)

    decisions = db.session.scalars(
        sa.select(Decision).where(Decision.decided_by_id == moderator.id)
    ).all()
    assert len(decisions) == len(HISTORY)
    actions = {d.action for d in decisions}
    assert {DecisionAction.WARN, DecisionAction.REMOVE, DecisionAction.APPROVE} <= actions
    assert {DecisionAction.ANSWER, DecisionAction.ESCALATE} <= actions
    # A ban is a proposal the company confirms or declines.
    (ban,) = [d for d in decisions if d.action == DecisionAction.BAN]
    assert ban.status == DecisionStatus.PROPOSED and ban.respond_by is not None
    removal = next(d for d in decisions if d.action == DecisionAction.REMOVE)
    assert removal.statement and removal.statement["rule"]["number"]
    # The repeat offender carries two strikes; his next report waits.
    ben = db.session.scalar(
        sa.select(CommunityAuthor).where(CommunityAuthor.external_id == "u-ben")
    )
    strikes = db.session.scalars(sa.select(Strike).where(Strike.author_id == ben.id)).all()
    assert len(strikes) == 2
    # Appeals refer to an effective decision and wait for the moderator.
    appeals = db.session.scalars(
        sa.select(ModerationItem).where(ModerationItem.refers_to_id.is_not(None))
    ).all()
    assert len(appeals) == 2
    for appeal in appeals:
        assert appeal.kind == ItemKind.QUESTION and appeal.status == ItemStatus.WAITING
        assert db.session.get(Decision, appeal.refers_to_id).status == DecisionStatus.EFFECTIVE

    paid = db.session.scalars(
        sa.select(WorkUnit).where(
            WorkUnit.worker_id == moderator.id, WorkUnit.source.like("moderation-item:%")
        )
    ).all()
    assert len(paid) == len(HISTORY)
    by_status = [u.status for u in paid]
    assert by_status.count(UnitStatus.APPROVED) == APPROVED_ITEMS
    assert UnitStatus.PENDING in by_status
    assert check_ledger() == []


def test_the_demo_moderator_has_past_live_sessions_one_with_idle_time_cut(db):
    from marketplace.moderation.session_models import LiveSession, SessionEnd
    from marketplace.moderation.sessions import hours_of

    _seed(db)
    moderator = _user(db, MODERATOR_EMAIL)
    past = db.session.scalars(
        sa.select(LiveSession)
        .where(LiveSession.worker_id == moderator.id)
        .order_by(LiveSession.started_at)
    ).all()
    assert len(past) == len(LIVE_SESSIONS)
    assert {s.community.name for s in past} == {FLIRT}
    assert [s.end_reason for s in past] == [SessionEnd.STOPPED, SessionEnd.IDLE]
    assert past[0].cut_seconds == 0 and past[1].cut_seconds == 20 * 60
    for session in past:
        assert session.unit is not None and session.unit.source == f"live-session:{session.id}"
        assert session.unit.quantity == hours_of(session.active_seconds)
    assert check_ledger() == []


def test_the_sandbox_connection_file_and_seeding_twice(app, db, tmp_path):
    path = tmp_path / "sandbox-community.json"
    app.config["SANDBOX_COMMUNITY_FILE"] = str(path)
    try:
        _seed(db)
        items = db.session.scalar(sa.select(sa.func.count(ModerationItem.id)))
        path.unlink()
        summary = _seed(db)
    finally:
        app.config.pop("SANDBOX_COMMUNITY_FILE")

    assert "nothing new" in summary
    assert db.session.scalar(sa.select(sa.func.count(ModerationItem.id))) == items
    data = json.loads(path.read_text())
    sandbox = _communities(db)[REPORTS]
    assert data["community_id"] == sandbox.id
    assert connections.token_matches(sandbox, data["token"])
    assert data["webhook_secret"] == sandbox.webhook_secret
    assert data["api_url"].startswith("http://127.0.0.1:")


def test_the_demo_moderator_logs_in(app):
    with app.app_context():
        _seed(_db)
        _db.session.remove()
    browser = _log_in(app, MODERATOR_EMAIL)
    assert browser.get("/").status_code == 200


def test_the_demo_moderator_watches_herzklopfens_chat_live(app):
    with app.app_context():
        _seed(_db)
        sandbox = _communities(_db)[REPORTS]
        sandbox_id = sandbox.id
        texts = [
            item.text
            for item in _db.session.scalars(
                sa.select(ModerationItem).where(ModerationItem.community_id == sandbox_id)
            )
        ]
        _db.session.remove()
    browser = _log_in(app, MODERATOR_EMAIL)
    dashboard = browser.get("/work/moderation").get_data(as_text=True)
    assert f'href="/work/moderation/live/{sandbox_id}"' in dashboard
    live = browser.get(f"/work/moderation/live/{sandbox_id}")
    assert live.status_code == 200
    html = live.get_data(as_text=True)
    assert any(text and text.split()[0] in html for text in texts)
    assert 'id="live-messages"' in html and 'id="team-post"' in html
