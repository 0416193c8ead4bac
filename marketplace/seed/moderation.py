"""Demo data for moderation work: Chat Demo UG's communities connected, their
netiquette, German and English items waiting, and the demo moderator's history.

The moderator (``moderator@demo.test``) is made by ``marketplace.seed.demo`` like
every demo seeker: verified, applied to Chat Demo UG's two per-item moderation
gigs with recorded consent to their (mature) communities, accepted the gigs'
rules and hired, after the company paid for its balance through Stripe
(``marketplace.seed.money``). This step, run after the email pool's, then:

- connects the communities named on those gigs (``connections.connect``, as the
  company's "Connect" page does, which installs the default netiquette: five
  numbered rules in German and English, a penalty ladder, suspect words):
  *Herzklopfen – Meldungen* as the bundled sandbox community (webhooks to
  ``flask sandbox community`` on port 12112) and *Velvet Lounge* as an API
  community that polls its decisions; adds a few words of each community's own
  (``netiquette.save_word_lists``) and its settings (``netiquette.save_settings``:
  pre-moderation, what moderators may do alone);
- stores the items of ``moderation_data`` through the community API's intake
  (``intake.store``: word lists, tiers, held items), one decided item at a time:
  the moderator takes it with "Next item" (``queue.claim_next``) and decides it
  (``decisions.decide``: strikes, evidence, statements of reasons, a ban
  proposal, one paid unit each), then the items that wait, among them appeals
  referring to those decisions; the owner approves the first units
  (``units.approve``), the rest wait in the review queue;
- connects *Flirt-Lounge: Türkçe sohbet* of the hourly Flirt-Lounge gig and plays
  two past live sessions of the moderator there (``sessions.start``, heartbeats,
  ``sessions.stop``; the second one ends idle with time cut), paid as hours;
- writes ``instance/sandbox-community.json`` (under ``app.instance_path``; the
  ``SANDBOX_COMMUNITY_FILE`` setting names another path) with the sandbox
  community's id, token and webhook secret.

Runs once per community: a community that is connected already is left as it is
(and its items have fixed ids, which intake keeps once). The connection file is
written on every run.

Shortcuts, acceptable for demo data only:
- the communities get known API tokens and webhook secrets (``DEMO_TOKENS``,
  ``DEMO_WEBHOOK_SECRETS``, printed like the demo password) instead of the random
  ones ``connect`` shows once;
- arrival times are moved into the past after storing (the queue has old items);
  the history is decided at seeding time;
- the Flirt-Lounge engagement is dated a week back, so its past sessions follow the hiring.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.moderation import connections, decisions, intake, netiquette, queue, sessions
from marketplace.moderation.item_models import ModerationItem
from marketplace.moderation.models import Community, NetiquetteRule, WordKind
from marketplace.payments import units
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.sandbox.community.config import write_connection
from marketplace.seed.demo_data import CHAT_COMPANY, CHAT_OWNER_EMAIL
from marketplace.seed.moderation_data import (
    APPROVED_ITEMS,
    COMMUNITIES,
    DEMO_TOKENS,
    DEMO_WEBHOOK_SECRETS,
    FLIRT,
    HISTORY,
    LIVE_SESSIONS,
    MODERATOR_EMAIL,
    REPORTS,
    SANDBOX_API_URL,
    SANDBOX_FILE_NAME,
    WAITING,
    CommunitySpec,
    ItemSpec,
)


@dataclass
class ModerationSeed:
    created: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)


def seed_moderation() -> ModerationSeed:
    """Connect the demo communities that are not connected yet and fill them."""
    result = ModerationSeed()
    company = db.session.scalar(sa.select(Company).where(Company.name == CHAT_COMPANY))
    owner = accounts.find_user_by_email(CHAT_OWNER_EMAIL)
    moderator = accounts.find_user_by_email(MODERATOR_EMAIL)
    communities: dict[str, Community] = {}
    fresh: list[str] = []
    for spec in COMMUNITIES:
        community = _community(company, spec)
        if community is None:
            community = _connect(company, owner, spec)
            result.created["communities"] += 1
            fresh.append(spec.name)
        communities[spec.name] = community
    if fresh:
        _Run(communities, fresh, owner, moderator, result).play()
    if FLIRT in fresh:
        _live_sessions(communities[FLIRT], moderator, result)
    sandbox = communities[REPORTS]
    path = write_sandbox_file(sandbox)
    result.lines[:0] = _summary(communities, path)
    return result


def _summary(communities: dict[str, Community], path: Path | None) -> list[str]:
    sandbox = communities[REPORTS]
    lines = [
        f"Moderation: {MODERATOR_EMAIL} takes the items of "
        + ", ".join(f"{c.name!r} (id {c.id})" for c in communities.values())
        + " under “Next item”.",
    ]
    for community in communities.values():
        lines.append(
            f"  Post an item to {community.name}: curl -H 'Authorization: Bearer "
            f"{DEMO_TOKENS[community.name]}' -H 'Content-Type: application/json' -d "
            """'{"id": "m-1", "kind": "message", "author": {"id": "u-1", "name": "Anna"}, """
            """"text": "Hallo!"}' """
            f"{SANDBOX_API_URL}/api/v1/communities/{community.id}/items"
        )
    if path is not None:
        lines.append(
            f"  Sandbox community ({sandbox.name}): `flask sandbox community` "
            f"(port 12112) reads {path}"
        )
    return lines


# --- live sessions ------------------------------------------------------------------


def _live_sessions(community: Community, moderator: User, result: ModerationSeed) -> None:
    """The moderator's past live sessions on the hourly Flirt-Lounge gig, played through
    the session service with past moments (heartbeats, Stop; one ends idle), so their
    hours are recorded through ``record_units`` like any session's."""
    engagement = queue.engagement_for(moderator, community)
    assert engagement is not None, f"{MODERATOR_EMAIL} is not hired for {community.name}"
    today = utcnow().replace(second=0, microsecond=0)
    # Shortcut: hired a week ago, so the past sessions fall after the hiring.
    engagement.started_at = min(engagement.started_at, today - timedelta(days=7))
    for spec in LIVE_SESSIONS:
        hour, minute = (int(part) for part in spec.start.split(":"))
        start = (today - timedelta(days=spec.days_ago)).replace(hour=hour, minute=minute)
        session = sessions.start(moderator, community, now=start)
        beat = 3
        while beat <= spec.active_minutes:
            sessions.heartbeat(session, now=start + timedelta(minutes=beat))
            beat += 3
        last = start + timedelta(minutes=beat - 3)
        sessions.stop(session, now=last + timedelta(minutes=spec.away_minutes))
        result.created["live sessions"] += 1
    db.session.flush()


# --- communities --------------------------------------------------------------------


def _gig(company: Company, title: str) -> Gig:
    gig = db.session.scalar(sa.select(Gig).where(Gig.company_id == company.id, Gig.title == title))
    assert gig is not None, f"no demo gig {title!r}"
    return gig


def _community(company: Company, spec: CommunitySpec) -> Community | None:
    gig = _gig(company, spec.gig)
    return db.session.scalar(
        sa.select(Community).where(Community.gig_id == gig.id, Community.name == spec.name)
    )


def _connect(company: Company, owner: User, spec: CommunitySpec) -> Community:
    gig = _gig(company, spec.gig)
    gig_community = next(c for c in gig.communities if c.name == spec.name)
    community, _token = connections.connect(
        gig_community,
        kind=spec.kind,
        webhook_url=spec.webhook_url,
        default_language="de",
        by=owner,
    )
    community.token_hash = connections.hash_token(DEMO_TOKENS[spec.name])
    community.webhook_secret = DEMO_WEBHOOK_SECRETS[spec.name]
    community.source = spec.source
    settings = netiquette.settings_of(community)
    netiquette.save_settings(
        community,
        dataclasses.replace(
            settings,
            pre_moderation=spec.pre_moderation,
            moderators_may=list(spec.moderators_may),
        ),
    )
    lists = netiquette.words_of(community)
    netiquette.save_word_lists(
        community,
        {
            WordKind(kind): "\n".join([*lists[WordKind(kind)], *words])
            for kind, words in spec.words.items()
        },
    )
    return community


def sandbox_file() -> Path | None:
    """Where the sandbox community's connection goes; None in tests unless set."""
    configured = current_app.config.get("SANDBOX_COMMUNITY_FILE")
    if configured:
        return Path(configured)
    if current_app.testing:
        return None  # never overwrite a developer's file from a test run
    return Path(current_app.instance_path) / SANDBOX_FILE_NAME


def write_sandbox_file(community: Community) -> Path | None:
    """Write what ``flask sandbox community`` needs to post to ``community`` and to
    verify its webhooks (the sandbox reads the file again whenever it changes)."""
    path = sandbox_file()
    if path is None:
        return None
    data = {
        "api_url": SANDBOX_API_URL,
        "community_id": community.id,
        "token": DEMO_TOKENS[community.name],
        "webhook_secret": community.webhook_secret,
    }
    try:
        unchanged = json.loads(path.read_text(encoding="utf-8")) == data
    except (OSError, ValueError):
        unchanged = False
    if not unchanged:
        write_connection(
            path,
            community_id=community.id,
            token=data["token"],
            webhook_secret=data["webhook_secret"],
            api_url=data["api_url"],
        )
    return path


# --- items and history --------------------------------------------------------------


class _Run:
    def __init__(
        self,
        communities: dict[str, Community],
        fresh: list[str],
        owner: User,
        moderator: User,
        result: ModerationSeed,
    ) -> None:
        self.communities, self.fresh = communities, fresh
        self.owner, self.moderator = owner, moderator
        self.result, self.created = result, result.created
        self.now = utcnow()
        self.decision_ids: dict[str, int] = {}

    def play(self) -> None:
        playing = True
        for spec in HISTORY:
            if spec.community not in self.fresh:
                continue
            if playing:
                playing = self._work(spec)
            else:
                self._store(spec)  # the history stopped: the rest waits
        self._approve_first_items()
        for spec in WAITING:
            if spec.community in self.fresh:
                self._store(spec)
        db.session.flush()

    # --- storing --------------------------------------------------------------------
    def _store(self, spec: ItemSpec) -> ModerationItem:
        community = self.communities[spec.community]
        received = self.now - timedelta(minutes=spec.minutes_ago)
        data: dict[str, Any] = {
            **spec.data,
            "created_at": (received - timedelta(seconds=5)).isoformat(),
        }
        if spec.appeals and spec.appeals in self.decision_ids:
            data["refers_to"] = self.decision_ids[spec.appeals]
        item = intake.store(community, data).item
        item.received_at = received
        self.created["moderation items"] += 1
        db.session.flush()
        return item

    # --- the moderator ----------------------------------------------------------------
    def _work(self, spec: ItemSpec) -> bool:
        """Store the item, take it with "Next item" and decide it as the spec says.
        False (the item left waiting) when the queue would hand out something else,
        which happens only when the demo was changed by hand."""
        item = self._store(spec)
        claim = None if queue.held_by(self.moderator) else queue.claim_next(self.moderator)
        if claim is None or claim.item is not item:
            if claim is not None and claim.item is not None:
                queue.skip(claim.item, worker=self.moderator)
            self.result.lines.append(
                f"  (no moderation history played: the queue would not hand "
                f"{MODERATOR_EMAIL} item {spec.data['id']!r}"
                + (f", {claim.no_item.value}" if claim is not None and claim.no_item else "")
                + ")"
            )
            return False
        plan = spec.decide
        rule_id = None
        if plan.rule is not None:
            rule_id = db.session.scalar(
                sa.select(NetiquetteRule.id).where(
                    NetiquetteRule.community_id == item.community_id,
                    NetiquetteRule.number == plan.rule,
                )
            )
        decision = decisions.decide(
            item,
            moderator=self.moderator,
            action=plan.action,
            rule_id=rule_id,
            message=plan.message or None,
            category=plan.category,
            internal_note=plan.internal_note,
        )
        self.decision_ids[spec.data["id"]] = decision.id
        self.created["moderation decisions"] += 1
        return True

    def _approve_first_items(self) -> None:
        """The owner approves the first decided items; the rest wait in review."""
        first = db.session.scalars(
            sa.select(WorkUnit)
            .where(
                WorkUnit.worker_id == self.moderator.id,
                WorkUnit.status == UnitStatus.PENDING,
                WorkUnit.source.like("moderation-item:%"),
            )
            .order_by(WorkUnit.id)
            .limit(APPROVED_ITEMS)
        ).all()
        for unit in first:
            units.approve(unit, by=self.owner)
            self.created["approved units"] += 1
