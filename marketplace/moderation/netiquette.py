"""A community's netiquette as the company edits it: numbered rules (German and
English, with the warning an author gets), the penalty ladder, the word lists and
the community's moderation settings.

Every function validates all it is given before it changes anything, raises a
DomainError with a message in the user's language, and flushes (the view commits).
Sensible defaults for a new community come from ``install_defaults``
(moderation/netiquette_defaults.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation.models import (
    Community,
    ModeratorAction,
    NetiquetteRule,
    PenaltyAction,
    PenaltyStep,
    WordEntry,
    WordKind,
)

# What a rule's warning may name; filled in for each author when a moderator warns.
PLACEHOLDERS = ("author", "rule", "community")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
WORD_MAX = 100
WORDS_PER_LIST_MAX = 2000
MUTE_MINUTES_MAX = 60 * 24 * 365
LADDER_MAX = 10


# --- rules ---------------------------------------------------------------------------------


@dataclass
class RuleText:
    title_de: str
    title_en: str
    text_de: str
    text_en: str
    warning_de: str
    warning_en: str


def check_placeholders(text: str) -> None:
    """Refuse a warning naming anything but {author}, {rule} and {community}, so no
    author ever reads an unfilled placeholder."""
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - set(PLACEHOLDERS))
    if unknown:
        raise DomainError(
            _(
                "Unknown placeholder %(names)s. You can use: %(known)s.",
                names=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            )
        )


def fill_warning(text: str, *, author: str, rule: str, community: str) -> str:
    """The warning as the author reads it."""
    values = {"author": author, "rule": rule, "community": community}
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def _check_rule(data: RuleText) -> RuleText:
    data = RuleText(**{name: value.strip() for name, value in vars(data).items()})
    if not data.title_de or not data.title_en:
        raise DomainError(_("Please give the rule a title in German and in English."))
    if not data.warning_de or not data.warning_en:
        raise DomainError(_("Please write the warning in German and in English."))
    check_placeholders(data.warning_de)
    check_placeholders(data.warning_en)
    return data


def rules_of(community: Community, *, active_only: bool = False) -> list[NetiquetteRule]:
    stmt = sa.select(NetiquetteRule).where(NetiquetteRule.community_id == community.id)
    if active_only:
        stmt = stmt.where(NetiquetteRule.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(NetiquetteRule.number)))


def add_rule(community: Community, data: RuleText) -> NetiquetteRule:
    """A new rule, numbered after the last one."""
    data = _check_rule(data)
    last = db.session.scalar(
        sa.select(sa.func.max(NetiquetteRule.number)).where(
            NetiquetteRule.community_id == community.id
        )
    )
    rule = NetiquetteRule(community_id=community.id, number=(last or 0) + 1, **vars(data))
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(rule: NetiquetteRule, data: RuleText) -> NetiquetteRule:
    data = _check_rule(data)
    for name, value in vars(data).items():
        setattr(rule, name, value)
    db.session.flush()
    return rule


def set_active(rule: NetiquetteRule, active: bool) -> None:
    """A deactivated rule is no longer offered to moderators; decisions citing it keep it."""
    rule.is_active = active
    db.session.flush()


def move_rule(rule: NetiquetteRule, direction: int) -> None:
    """Swap the rule's number with its neighbour's (direction -1: up, +1: down)."""
    rules = rules_of(db.session.get(Community, rule.community_id))
    index = next(i for i, r in enumerate(rules) if r.id == rule.id)
    other_index = index + (-1 if direction < 0 else 1)
    if not 0 <= other_index < len(rules):
        return
    other = rules[other_index]
    mine, theirs = rule.number, other.number
    rule.number = -rule.id  # numbers are unique per community: step aside first
    db.session.flush()
    other.number = mine
    db.session.flush()
    rule.number = theirs
    db.session.flush()


# --- the penalty ladder --------------------------------------------------------------------


@dataclass
class Step:
    strike: int
    action: PenaltyAction
    mute_minutes: int | None = None


def ladder_of(community: Community) -> list[PenaltyStep]:
    return list(
        db.session.scalars(
            sa.select(PenaltyStep)
            .where(PenaltyStep.community_id == community.id)
            .order_by(PenaltyStep.strike)
        )
    )


def _check_ladder(steps: list[Step]) -> list[Step]:
    if not steps:
        raise DomainError(_("The ladder needs at least one step."))
    if len(steps) > LADDER_MAX:
        raise DomainError(_("The ladder can have at most %(max)d steps.", max=LADDER_MAX))
    steps = sorted(steps, key=lambda step: step.strike)
    numbers = [step.strike for step in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise DomainError(
            _(
                "The strikes must be numbered one after the other from 1 (1, 2, 3 …); "
                "you gave %(numbers)s.",
                numbers=", ".join(str(number) for number in numbers),
            )
        )
    checked = []
    for step in steps:
        if step.action == PenaltyAction.MUTE:
            if step.mute_minutes is None or not 1 <= step.mute_minutes <= MUTE_MINUTES_MAX:
                raise DomainError(
                    _(
                        "Strike %(strike)d mutes: please say for how many minutes (1 to %(max)d).",
                        strike=step.strike,
                        max=MUTE_MINUTES_MAX,
                    )
                )
            checked.append(step)
        else:
            checked.append(Step(step.strike, step.action, None))
    return checked


def save_ladder(community: Community, steps: list[Step]) -> list[PenaltyStep]:
    """Replace the community's ladder by these steps (validated first, all or nothing)."""
    steps = _check_ladder(steps)
    db.session.execute(sa.delete(PenaltyStep).where(PenaltyStep.community_id == community.id))
    db.session.flush()
    rows = [
        PenaltyStep(
            community_id=community.id,
            strike=step.strike,
            action=step.action,
            mute_minutes=step.mute_minutes,
        )
        for step in steps
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


# --- word lists ----------------------------------------------------------------------------


def normalise_words(text: str) -> list[str]:
    """One word (or phrase) per line → lower case, trimmed, without blanks and repeats,
    in the order given."""
    words: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        word = " ".join(line.split()).lower()
        if not word or word in seen:
            continue
        if len(word) > WORD_MAX:
            raise DomainError(
                _("“%(word)s…” is too long: at most %(max)d characters a line.",
                  word=word[:20], max=WORD_MAX)
            )  # fmt: skip
        seen.add(word)
        words.append(word)
    return words


def words_of(community: Community) -> dict[WordKind, list[str]]:
    lists: dict[WordKind, list[str]] = {kind: [] for kind in WordKind}
    for entry in db.session.scalars(
        sa.select(WordEntry).where(WordEntry.community_id == community.id).order_by(WordEntry.word)
    ):
        lists[entry.kind].append(entry.word)
    return lists


def save_word_lists(community: Community, lists: dict[WordKind, str]) -> dict[WordKind, list[str]]:
    """Replace the given word lists (one word a line). A word is on one list only;
    words kept keep their false-positive counts."""
    wanted = {kind: normalise_words(text) for kind, text in lists.items()}
    for words in wanted.values():
        if len(words) > WORDS_PER_LIST_MAX:
            raise DomainError(
                _("A word list can hold at most %(max)d words.", max=WORDS_PER_LIST_MAX)
            )
    owner: dict[str, WordKind] = {}
    current = {
        entry.word: entry
        for entry in db.session.scalars(
            sa.select(WordEntry).where(WordEntry.community_id == community.id)
        )
    }
    for entry in current.values():
        if entry.kind not in wanted:
            owner[entry.word] = entry.kind
    for kind, words in wanted.items():
        for word in words:
            if word in owner and owner[word] != kind:
                raise DomainError(
                    _("“%(word)s” is on two lists. Please keep each word on one list only.",
                      word=word)
                )  # fmt: skip
            owner[word] = kind
    for word, entry in current.items():
        if word not in owner:
            db.session.delete(entry)
        elif entry.kind != owner[word]:
            entry.kind = owner[word]  # moved to another list: keeps its counts
    for word, kind in owner.items():
        if word not in current:
            db.session.add(WordEntry(community_id=community.id, word=word, kind=kind))
    db.session.flush()
    return words_of(community)


# --- settings ------------------------------------------------------------------------------


@dataclass
class Settings:
    strike_expiry_days: int
    ban_response_hours: int
    evidence_retention_days: int
    pre_moderation: bool
    lease_minutes: int
    disturbing_daily_cap: int
    control_rate_percent: int
    moderators_may: list[str] = field(default_factory=list)


# setting → (lowest, highest) allowed
LIMITS = {
    "strike_expiry_days": (1, 3650),
    "ban_response_hours": (1, 24 * 30),
    "evidence_retention_days": (1, 3650),
    "lease_minutes": (1, 120),
    "control_rate_percent": (0, 50),
}


def platform_disturbing_max() -> int:
    return int(current_app.config["MODERATION_DISTURBING_DAILY_MAX"])


def settings_of(community: Community) -> Settings:
    return Settings(
        strike_expiry_days=community.strike_expiry_days,
        ban_response_hours=community.ban_response_hours,
        evidence_retention_days=community.evidence_retention_days,
        pre_moderation=community.pre_moderation,
        lease_minutes=community.lease_minutes,
        disturbing_daily_cap=community.disturbing_daily_cap,
        control_rate_percent=community.control_rate_percent,
        moderators_may=[str(action) for action in community.moderators_may],
    )


def save_settings(community: Community, settings: Settings) -> None:
    """Validate every setting, then apply all. The disturbing-items cap protects
    moderators: a company may lower the platform's limit, never raise it."""
    for name, (low, high) in LIMITS.items():
        value = getattr(settings, name)
        if not low <= value <= high:
            raise DomainError(
                _("%(setting)s must be between %(low)d and %(high)d.",
                  setting=setting_label(name), low=low, high=high)
            )  # fmt: skip
    cap_max = platform_disturbing_max()
    if settings.disturbing_daily_cap > cap_max:
        raise DomainError(
            _(
                "The daily cap on disturbing items can be at most %(max)d, the platform's "
                "limit that protects moderators. You may set a lower one.",
                max=cap_max,
            )
        )
    if settings.disturbing_daily_cap < 0:
        raise DomainError(_("The daily cap on disturbing items cannot be negative."))
    allowed = {action.value for action in ModeratorAction}
    unknown = set(settings.moderators_may) - allowed
    if unknown:
        raise DomainError(_("Moderators can be allowed to remove, warn or mute alone, no more."))
    for name in (*LIMITS, "pre_moderation", "disturbing_daily_cap"):
        setattr(community, name, getattr(settings, name))
    community.moderators_may = [
        action.value for action in ModeratorAction if action.value in settings.moderators_may
    ]
    db.session.flush()


def setting_label(name: str) -> str:
    return {
        "strike_expiry_days": _("Strikes expire after (days)"),
        "ban_response_hours": _("Time to answer a ban proposal (hours)"),
        "evidence_retention_days": _("Keep evidence for (days)"),
        "lease_minutes": _("Time a moderator holds an item (minutes)"),
        "control_rate_percent": _("Share of control items (percent)"),
        "disturbing_daily_cap": _("Disturbing items per moderator and day"),
    }[name]


def install_defaults(community: Community) -> None:
    """Default rules, ladder and suspect words for a new community (see
    netiquette_defaults.py); parts the community already has are left alone."""
    from marketplace.moderation import netiquette_defaults

    netiquette_defaults.install_defaults(community)
