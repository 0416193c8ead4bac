"""``flask moderation …``: moderation's housekeeping, safe to run from cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

moderation_cli = AppGroup("moderation", help="Moderation work (safe to run from cron).")


@moderation_cli.command("deliver")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 100_000))
def deliver_command(limit: int) -> None:
    """Send the decisions' webhooks that are due (retries included); each event is
    committed as it is sent, so several runners may work at once."""
    from marketplace.work.delivery import deliver_due

    click.echo(f"Delivered {deliver_due(limit=limit)} webhook(s).")


@moderation_cli.command("matrix")
@click.option("--once", is_flag=True, help="One round (sync, carry out, unmute), then stop.")
def matrix_command(once: bool) -> None:
    """The Matrix bridge: bring the connected rooms' messages in as items and carry
    decisions out in the rooms. Long-running (one process); safe to restart, it goes
    on from the stored sync tokens."""
    from marketplace.moderation.matrix_bridge import Bridge

    bridge = Bridge()
    if once:
        try:
            counts = bridge.run_once()
        finally:
            bridge.close()
        click.echo(
            "Imported {imported} message(s), carried out {carried_out} event(s), "
            "lifted {unmuted} mute(s).".format(**counts)
        )
        return
    click.echo("Matrix bridge running (Ctrl+C stops).")
    try:
        bridge.run_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")


# The housekeeping commands (expire-proposals, purge-evidence) live beside their
# services and register on this group when imported.
from marketplace.moderation import cron  # noqa: E402, F401
