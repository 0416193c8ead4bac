"""``flask ratings …``: announcing published ratings (safe from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.extensions import db

ratings_cli = AppGroup("ratings", help="Ratings both ways (safe to run from cron).")


@ratings_cli.command("publish")
def publish_command() -> None:
    """Email the rated party of every rating whose hidden period is over (they are
    visible from that moment whether this ran or not); never twice."""
    from marketplace.ratings.services import publish_due

    count = publish_due()
    db.session.commit()
    click.echo(f"Announced {count} published rating(s).")
