"""``flask growth …``: levels and offers, safe to run from cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.extensions import db

growth_cli = AppGroup("growth", help="Levels and offers (safe to run from cron).")


@growth_cli.command("recompute")
def recompute_command() -> None:
    """Recompute every worker's level per kind of work (daily; running it again the
    same day changes nothing) and mark offers past their 14 days expired."""
    from marketplace.growth.levels import recompute
    from marketplace.growth.offers import expire_due

    changed = recompute()
    expired = expire_due()
    db.session.commit()
    summary = ", ".join(f"{kind.value}: {count}" for kind, count in changed.items())
    click.echo(f"Levels changed ({summary}); {expired} offer(s) expired.")
