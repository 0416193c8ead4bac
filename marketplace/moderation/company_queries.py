"""The company's moderation dashboard of one community: items waiting, the oldest
waiting, median time to decision, decisions by action and by rule, repeat
offenders, per-moderator counts and control-item accuracy, and spend; and the same
figures as CSV. Aggregated in SQL, a fixed number of queries per page.

Control copies (items served to one moderator to grade them) are left out of every
figure except accuracy; the window is the last DASHBOARD_DAYS days (UTC)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace import csv_export
from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    ItemStatus,
    ModerationItem,
    Strike,
)
from marketplace.moderation.models import Community, CommunityAuthor, NetiquetteRule
from marketplace.money import cents_to_input
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit

DASHBOARD_DAYS = 30
OFFENDERS_SHOWN = 10
# Units that count as spend: approved or still in review (as on the email dashboard).
SPENT_STATUSES = (UnitStatus.PENDING, UnitStatus.APPROVED)
UNIT_SOURCE_PREFIX = "moderation-item:"


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _seconds_between(later: Any, earlier: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


@dataclass
class ModeratorRow:
    moderator_id: int
    name: str
    decisions: int = 0
    controls_graded: int = 0
    controls_correct: int = 0

    @property
    def accuracy_percent(self) -> int | None:
        if not self.controls_graded:
            return None
        return round(100 * self.controls_correct / self.controls_graded)


@dataclass
class OffenderRow:
    external_id: str
    name: str
    active_strikes: int
    strikes: int  # all strikes in this community, also expired or lifted


@dataclass
class RuleRow:
    number: int
    title_de: str
    title_en: str
    decisions: int

    def title(self, language: str) -> str:
        return self.title_de if language == "de" else self.title_en


@dataclass
class Dashboard:
    community: Community
    now: datetime
    since: datetime
    waiting: int = 0
    oldest_waiting_since: datetime | None = None
    decided_items: int = 0  # items decided in the window (the median's base)
    median_decision_seconds: float | None = None
    by_action: list[tuple[DecisionAction, int]] = field(default_factory=list)
    by_rule: list[RuleRow] = field(default_factory=list)
    offenders: list[OffenderRow] = field(default_factory=list)
    moderators: list[ModeratorRow] = field(default_factory=list)
    spend_cents: int = 0
    paid_items: int = 0

    @property
    def oldest_waiting_seconds(self) -> float | None:
        if self.oldest_waiting_since is None:
            return None
        return (self.now - self.oldest_waiting_since).total_seconds()

    @property
    def decisions(self) -> int:
        return sum(count for _action, count in self.by_action)


def dashboard(community: Community, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    since = datetime.combine(
        now.astimezone(UTC).date() - timedelta(days=DASHBOARD_DAYS - 1),
        datetime.min.time(),
        tzinfo=UTC,
    )
    report = Dashboard(community=community, now=now, since=since)
    _queue(report)
    _median(report)
    _decisions(report)
    report.offenders = _offenders(community, now)
    report.moderators = _moderators(community, since)
    _spend(report)
    return report


def _real_items(community: Community) -> Any:
    return sa.and_(ModerationItem.community_id == community.id, ModerationItem.control_id.is_(None))


def _queue(report: Dashboard) -> None:
    waiting, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(ModerationItem.received_at)).where(
            _real_items(report.community), ModerationItem.status == ItemStatus.WAITING
        )
    ).one()
    report.waiting = int(waiting or 0)
    report.oldest_waiting_since = as_utc(oldest)


def _median(report: Dashboard) -> None:
    """The median of (decided − received) over the items decided in the window: the
    middle row (or the mean of the two middle rows), by window functions."""
    duration = _seconds_between(ModerationItem.decided_at, ModerationItem.received_at)
    ranked = (
        sa.select(
            duration.label("seconds"),
            sa.func.row_number().over(order_by=duration).label("position"),
            sa.func.count().over().label("total"),
        )
        .where(_real_items(report.community), ModerationItem.decided_at >= report.since)
        .subquery()
    )
    middle = sa.or_(
        ranked.c.position == (ranked.c.total + 1) // 2,
        ranked.c.position == (ranked.c.total + 2) // 2,
    )
    value, total = db.session.execute(
        sa.select(sa.func.avg(ranked.c.seconds), sa.func.max(ranked.c.total)).where(middle)
    ).one()
    report.median_decision_seconds = None if value is None else float(value)
    report.decided_items = int(total or 0)


def _in_window(report: Dashboard) -> Any:
    """Decisions on the community in the window, not on control copies."""
    return sa.and_(
        Decision.community_id == report.community.id,
        Decision.created_at >= report.since,
        ModerationItem.control_id.is_(None),
    )


def _decisions(report: Dashboard) -> None:
    rows = db.session.execute(
        sa.select(Decision.action, sa.func.count())
        .outerjoin(ModerationItem, ModerationItem.id == Decision.item_id)
        .where(_in_window(report))
        .group_by(Decision.action)
    ).all()
    counts = {DecisionAction(action): int(count) for action, count in rows}
    report.by_action = [(action, counts[action]) for action in DecisionAction if action in counts]
    report.by_rule = [
        RuleRow(number, title_de, title_en, int(count))
        for number, title_de, title_en, count in db.session.execute(
            sa.select(
                NetiquetteRule.number,
                NetiquetteRule.title_de,
                NetiquetteRule.title_en,
                sa.func.count(),
            )
            .select_from(Decision)
            .join(NetiquetteRule, NetiquetteRule.id == Decision.rule_id)
            .outerjoin(ModerationItem, ModerationItem.id == Decision.item_id)
            .where(_in_window(report))
            .group_by(NetiquetteRule.number, NetiquetteRule.title_de, NetiquetteRule.title_en)
            .order_by(NetiquetteRule.number)
        )
    ]


def _offenders(community: Community, now: datetime) -> list[OffenderRow]:
    """The authors with the most strikes in force (then the most strikes ever)."""
    active = sa.and_(Strike.lifted_at.is_(None), Strike.expires_at > now)
    active_count = sa.func.count(sa.case((active, 1)))
    rows = db.session.execute(
        sa.select(
            CommunityAuthor.external_id,
            CommunityAuthor.display_name,
            active_count,
            sa.func.count(),
        )
        .select_from(Strike)
        .join(CommunityAuthor, CommunityAuthor.id == Strike.author_id)
        .where(Strike.community_id == community.id)
        .group_by(CommunityAuthor.id, CommunityAuthor.external_id, CommunityAuthor.display_name)
        .having(sa.func.count() > 1)
        .order_by(active_count.desc(), sa.func.count().desc(), CommunityAuthor.external_id)
        .limit(OFFENDERS_SHOWN)
    ).all()
    return [OffenderRow(ext, name, int(live), int(total)) for ext, name, live, total in rows]


def _moderators(community: Community, since: datetime) -> list[ModeratorRow]:
    """Decisions per moderator (not on control copies) and their graded control copies."""
    is_control = ModerationItem.control_id.is_not(None)
    rows = db.session.execute(
        sa.select(
            User.id,
            User.display_name,
            sa.func.count(sa.case((sa.not_(is_control), 1))),
            sa.func.count(sa.case((sa.and_(is_control, Decision.control_correct.is_not(None)), 1))),
            sa.func.count(sa.case((sa.and_(is_control, Decision.control_correct.is_(True)), 1))),
        )
        .select_from(Decision)
        .join(User, User.id == Decision.decided_by_id)
        .join(ModerationItem, ModerationItem.id == Decision.item_id)
        .where(
            Decision.community_id == community.id,
            Decision.created_at >= since,
            Decision.engagement_id.is_not(None),
        )
        .group_by(User.id, User.display_name)
    ).all()
    moderators = [ModeratorRow(*row) for row in rows]
    return sorted(moderators, key=lambda row: (-row.decisions, row.name.lower()))


def _spend(report: Dashboard) -> None:
    """Pay plus platform fee of the community's moderated items recorded in the window
    (units of kind ITEM named after the item, approved or in review)."""
    sources = sa.select(
        sa.literal(UNIT_SOURCE_PREFIX, sa.String) + sa.cast(ModerationItem.id, sa.String)
    ).where(ModerationItem.community_id == report.community.id)
    spend, count = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(WorkUnit.amount_cents + WorkUnit.fee_cents), 0),
            sa.func.coalesce(sa.func.sum(WorkUnit.quantity), 0),
        ).where(
            WorkUnit.gig_id == report.community.gig_id,
            WorkUnit.kind == UnitKind.ITEM,
            WorkUnit.status.in_(SPENT_STATUSES),
            WorkUnit.work_date >= report.since.date(),
            WorkUnit.source.in_(sources),
        )
    ).one()
    report.spend_cents = int(spend)
    report.paid_items = int(count)


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def dashboard_csv(report: Dashboard, action_labels: dict[Any, Any], language: str) -> Iterator[str]:
    """The figures, then decisions by action and by rule, moderators and offenders."""
    oldest = report.oldest_waiting_since
    figures: list[tuple[str, object]] = [
        (_("Community"), report.community.name),
        (_("Days (UTC)"), f"{report.since.date().isoformat()} – {report.now.date().isoformat()}"),
        (_("Waiting now"), report.waiting),
        (_("Waiting since (oldest)"), oldest.isoformat(timespec="seconds") if oldest else ""),
        (_("Items decided"), report.decided_items),
        (_("Median time to decision (minutes)"), _minutes(report.median_decision_seconds)),
        (_("Decisions"), report.decisions),
        (_("Paid items"), report.paid_items),
        (_("Spend (EUR)"), cents_to_input(report.spend_cents)),
    ]
    yield csv_export.line([_("Figure"), _("Value")])
    for name, value in figures:
        yield csv_export.line([name, value])
    yield "\r\n"
    yield csv_export.line([_("Decision"), _("Count")])
    for action, count in report.by_action:
        yield csv_export.line([action_labels[action], count])
    yield "\r\n"
    yield csv_export.line([_("Rule"), _("Decisions")])
    for row in report.by_rule:
        yield csv_export.line([f"{row.number}. {row.title(language)}", row.decisions])
    yield "\r\n"
    yield csv_export.line(
        [_("Moderator"), _("Decisions"), _("Control items graded"), _("Correct"),
         _("Accuracy (%)")]
    )  # fmt: skip
    for mod in report.moderators:
        accuracy = "" if mod.accuracy_percent is None else mod.accuracy_percent
        yield csv_export.line(
            [mod.name, mod.decisions, mod.controls_graded, mod.controls_correct, accuracy]
        )
    yield "\r\n"
    yield csv_export.line([_("Author"), _("Strikes in force"), _("Strikes in all")])
    for offender in report.offenders:
        name = (
            f"{offender.name} ({offender.external_id})" if offender.name else offender.external_id
        )
        yield csv_export.line([name, offender.active_strikes, offender.strikes])
