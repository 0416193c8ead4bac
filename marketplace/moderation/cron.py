"""Moderation housekeeping for cron: live sessions, lapsed proposals, evidence past
retention and the live view's old events.

Plain functions (each commits once) and the click commands ``flask moderation sessions``,
``flask moderation expire-proposals``, ``flask moderation purge-evidence`` and
``flask moderation purge-live-events``.
"""

from __future__ import annotations

import click

from marketplace.extensions import db
from marketplace.moderation.cli import moderation_cli


def expire_proposals() -> int:
    """Ban (and other) proposals the company left unanswered lapse; moderators are told."""
    from marketplace.moderation.decisions import expire_lapsed

    count = expire_lapsed()
    db.session.commit()
    return count


def purge_evidence() -> int:
    """Evidence past the community's retention period is deleted."""
    from marketplace.moderation.evidence import purge_expired

    count = purge_expired()
    db.session.commit()
    return count


def purge_live_events() -> int:
    """The live view's event log keeps LIVE_EVENTS_KEEP_HOURS of events."""
    from marketplace.moderation.live_stream import purge_old

    count = purge_old()
    db.session.commit()
    return count


@moderation_cli.command("expire-proposals")
def expire_proposals_command() -> None:
    """Let proposals lapse whose response time is over (the moderator is told)."""
    click.echo(f"Expired {expire_proposals()} proposal(s).")


@moderation_cli.command("purge-evidence")
def purge_evidence_command() -> None:
    """Delete evidence kept longer than the community's retention period."""
    click.echo(f"Deleted {purge_evidence()} piece(s) of evidence.")


def close_sessions() -> int:
    """Live sessions gone idle or stale (closed tab, crash) or out of money end, paid
    up to then (moderation/sessions.py); locked rows are skipped, so runs may overlap."""
    from marketplace.moderation.sessions import sweep

    result = sweep()
    db.session.commit()
    return result.ended


@moderation_cli.command("sessions")
def sessions_command() -> None:
    """End live sessions that went idle or stale or whose company ran out of money."""
    click.echo(f"Ended {close_sessions()} live session(s).")


@moderation_cli.command("purge-live-events")
def purge_live_events_command() -> None:
    """Delete the live view's events older than LIVE_EVENTS_KEEP_HOURS."""
    click.echo(f"Deleted {purge_live_events()} live event(s).")
