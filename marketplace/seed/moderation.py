"""Demo data for moderation work: Chat Demo UG's communities connected, their
netiquette, German and English items waiting, and the demo moderator's history.

The moderator (``moderator@demo.test``) is made by ``marketplace.seed.demo`` like
every demo seeker: verified, applied to Chat Demo UG's two per-item moderation
gigs with recorded consent to their (mature) communities, accepted the gigs'
rules and hired, after the company paid for its balance through Stripe
(``marketplace.seed.money``). This step, run after the email pool's, then:

- connects the communities named on those gigs (``connections.connect``, as the
  company's "Connect" page does): *Herzklopfen – Meldungen* as the bundled
  sandbox community (webhooks to ``flask sandbox community`` on port 12112) and
  *Velvet Lounge* as an API community that polls its decisions;
- gives each the default netiquette (``netiquette.install_defaults``: five
  numbered rules in German and English, a penalty ladder, suspect words) plus a
  few words of its own;
- stores the items of ``moderation_data`` through the community API's intake
  (``intake.store``: word lists, tiers, held items), one decided item at a time:
  the moderator takes it with "Next item" (``queue.claim_next``) and decides it
  (``decisions.decide``: strikes, evidence, statements of reasons, one paid unit
  each), then the items that wait; the owner approves the first units
  (``units.approve``), the rest wait in the review queue;
- writes ``instance/sandbox-community.json`` (under ``app.instance_path``; the
  ``SANDBOX_COMMUNITY_FILE`` setting names another path) with the sandbox
  community's id, token and webhook secret.

Runs once per community: a community that is connected already is left as it is
(and its items have fixed ids, which intake keeps once). The connection file is
written on every run.

Shortcuts, acceptable for demo data only:
- the communities get known API tokens and webhook secrets (``DEMO_TOKENS``,
  ``DEMO_WEBHOOK_SECRETS``, printed like the demo password) instead of the random
  ones ``connect`` shows once; pre-moderation and what moderators may do alone are
  set on the community directly;
- arrival times are moved into the past after storing (the queue has old items);
  the history is decided at seeding time;
- parts of issue 12 that are not there yet are replaced: without
  ``connections`` the community rows are made directly, without ``netiquette``
  the same rules and ladder come from ``moderation_data``, without ``intake`` the
  items are stored as rows (word lists matched here); without ``decisions`` (or
  webhook delivery) nothing is decided and all items wait.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.moderation import queue
from marketplace.moderation.item_models import (
    TIER_NORMAL,
    TIER_URGENT,
    ItemKind,
    ModerationItem,
)
from marketplace.moderation.models import (
    Community,
    CommunityAuthor,
    NetiquetteRule,
    PenaltyStep,
    WordEntry,
    WordKind,
)
from marketplace.payments import units
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.seed.demo_data import CHAT_COMPANY, CHAT_OWNER_EMAIL
from marketplace.seed.moderation_data import (
    APPROVED_ITEMS,
    COMMUNITIES,
    DEMO_TOKENS,
    DEMO_WEBHOOK_SECRETS,
    FALLBACK_LADDER,
    FALLBACK_RULES,
    FALLBACK_SUSPECT_WORDS,
    HISTORY,
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


def _part(name: str) -> ModuleType | None:
    """A module of issue 12 that may not be there yet (see the shortcuts above)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    connections = _part("marketplace.moderation.connections")
    if connections is not None:
        community, _token = connections.connect(
            gig_community,
            kind=spec.kind,
            webhook_url=spec.webhook_url,
            default_language="de",
            by=owner,
        )
    else:
        community = Community(
            gig_id=gig.id,
            company_id=company.id,
            name=spec.name,
            kind=spec.kind,
            token_hash=_hash(DEMO_TOKENS[spec.name]),
            webhook_url=spec.webhook_url,
            webhook_secret=DEMO_WEBHOOK_SECRETS[spec.name],
            default_language="de",
            connected_by_id=owner.id,
        )
        db.session.add(community)
    community.token_hash = _hash(DEMO_TOKENS[spec.name])
    community.webhook_secret = DEMO_WEBHOOK_SECRETS[spec.name]
    community.source = spec.source
    community.pre_moderation = spec.pre_moderation
    community.moderators_may = list(spec.moderators_may)
    db.session.flush()
    _netiquette(community, spec)
    return community


def _netiquette(community: Community, spec: CommunitySpec) -> None:
    netiquette = _part("marketplace.moderation.netiquette")
    if netiquette is not None and hasattr(netiquette, "install_defaults"):
        netiquette.install_defaults(community)
        lists = netiquette.words_of(community)
        netiquette.save_word_lists(
            community,
            {
                WordKind(kind): "\n".join([*lists[WordKind(kind)], *words])
                for kind, words in spec.words.items()
            },
        )
        return
    for number, rule in enumerate(FALLBACK_RULES, start=1):
        db.session.add(NetiquetteRule(community_id=community.id, number=number, **vars(rule)))
    for strike, action, minutes in FALLBACK_LADDER:
        db.session.add(
            PenaltyStep(
                community_id=community.id, strike=strike, action=action, mute_minutes=minutes
            )
        )
    words = {word: WordKind.SUSPECT for word in FALLBACK_SUSPECT_WORDS}
    for kind, more in spec.words.items():
        words.update(dict.fromkeys(more, WordKind(kind)))
    for word, kind in words.items():
        db.session.add(WordEntry(community_id=community.id, word=word, kind=kind))
    db.session.flush()


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
    verify its webhooks (read again by the sandbox whenever it changes)."""
    path = sandbox_file()
    if path is None:
        return None
    data = {
        "api_url": SANDBOX_API_URL,
        "community_id": community.id,
        "token": DEMO_TOKENS[community.name],
        "webhook_secret": community.webhook_secret,
    }
    text = json.dumps(data, indent=2) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


# --- items and history --------------------------------------------------------------


class _Run:
    def __init__(
        self,
        communities: dict[str, Community],
        fresh: list[str],
        owner: User,
        moderator: User | None,
        result: ModerationSeed,
    ) -> None:
        self.communities, self.fresh = communities, fresh
        self.owner, self.moderator = owner, moderator
        self.result, self.created = result, result.created
        self.now = utcnow()
        self.intake = _part("marketplace.moderation.intake")
        self.decisions = _part("marketplace.moderation.decisions")
        self.decision_ids: dict[str, int] = {}

    def play(self) -> None:
        history = [s for s in HISTORY if s.community in self.fresh]
        if self._can_decide():
            for spec in history:
                if not self._work(spec):
                    break
            self._approve_first_items()
        else:
            self.result.lines.append(
                "  (no moderation history yet: decisions or webhook delivery are not "
                "part of this version; every demo item waits)"
            )
            for spec in history:
                self._store(spec)
        for spec in WAITING:
            if spec.community in self.fresh:
                self._store(spec)
        db.session.flush()

    def _can_decide(self) -> bool:
        return (
            self.moderator is not None
            and self.decisions is not None
            and _part("marketplace.work.delivery") is not None
        )

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
        if self.intake is not None:
            item = self.intake.store(community, data).item
        else:
            item = _store_row(community, data)
        item.received_at = received
        item.posted_at = item.posted_at or received - timedelta(seconds=5)
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
        decision = self.decisions.decide(
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


# --- without the community API's intake (see the module's shortcuts) -------------------


def _store_row(community: Community, data: dict[str, Any]) -> ModerationItem:
    known = db.session.scalar(
        sa.select(ModerationItem).where(
            ModerationItem.community_id == community.id,
            ModerationItem.external_id == data["id"],
        )
    )
    if known is not None:
        return known
    author = _author(community, data["author"])
    kinds = {
        entry.word: entry.kind
        for entry in db.session.scalars(
            sa.select(WordEntry).where(WordEntry.community_id == community.id)
        )
    }
    text = data.get("text", "")
    hits = [
        {"word": word, "kind": kind.value}
        for word, kind in kinds.items()
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text.casefold())
    ]
    hit_kinds = {hit["kind"] for hit in hits}
    kind = ItemKind(data["kind"])
    urgent = (
        kind in (ItemKind.REPORT, ItemKind.QUESTION)
        or bool(data.get("reported_by"))
        or bool(hit_kinds & {WordKind.SUSPECT.value, WordKind.BLOCKED.value})
    )
    item = ModerationItem(
        community_id=community.id,
        external_id=data["id"],
        kind=kind,
        author_id=author.id,
        channel=data.get("channel", ""),
        thread=data.get("thread", ""),
        text=text,
        image_urls=list(data.get("images", [])),
        context=list(data.get("context", [])),
        reported_by=data.get("reported_by", ""),
        report_reason=data.get("report_reason", ""),
        refers_to_id=data.get("refers_to"),
        tier=TIER_URGENT if urgent else TIER_NORMAL,
        word_hits=hits,
        held=community.pre_moderation and WordKind.BLOCKED.value in hit_kinds,
        disturbing=WordKind.DISTURBING.value in hit_kinds,
    )
    db.session.add(item)
    db.session.flush()
    return item


def _author(community: Community, data: dict[str, str]) -> CommunityAuthor:
    author = db.session.scalar(
        sa.select(CommunityAuthor).where(
            CommunityAuthor.community_id == community.id,
            CommunityAuthor.external_id == data["id"],
        )
    )
    if author is None:
        author = CommunityAuthor(
            community_id=community.id,
            external_id=data["id"],
            display_name=data.get("name", ""),
            language=data.get("language", ""),
        )
        db.session.add(author)
        db.session.flush()
    return author
