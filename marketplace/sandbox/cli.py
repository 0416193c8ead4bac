"""``flask sandbox …``: local stand-ins for outside services."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

import click
from flask import current_app
from flask.cli import AppGroup

sandbox_cli = AppGroup(
    "sandbox", help="Local stand-ins for outside services (Stripe, a community)."
)


def _schedule(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise click.BadParameter("comma-separated seconds, e.g. 1,5,25,125") from exc


@sandbox_cli.command("stripe")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=12111, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="JSON file that keeps the emulator's state across restarts.",
)
@click.option(
    "--webhook-url",
    envvar="STRIPE_EMULATOR_WEBHOOK_URL",
    default=None,
    help="Where events are POSTed, e.g. http://127.0.0.1:5000/stripe/webhook (none: no delivery).",
)
@click.option(
    "--webhook-secret",
    default=None,
    help="Signing secret (whsec_…); default: the app's STRIPE_WEBHOOK_SECRET.",
)
@click.option(
    "--retry-schedule",
    default="1,5,25,125",
    show_default=True,
    callback=_schedule,
    help="Seconds to wait after each failed delivery attempt.",
)
@click.option("--public-url", default=None, help="Base URL browsers use to reach the emulator.")
@click.option("--quiet", is_flag=True, help="Do not log every request.")
def stripe_command(
    host: str,
    port: int,
    state_path: str | None,
    webhook_url: str | None,
    webhook_secret: str | None,
    retry_schedule: tuple[float, ...],
    public_url: str | None,
    quiet: bool,
) -> None:
    """Serve the Stripe API emulator (see docs/STRIPE_EMULATOR.md)."""
    from marketplace.sandbox.stripe_emulator import EmulatorServer

    secret = webhook_secret or current_app.config.get("STRIPE_WEBHOOK_SECRET")
    try:
        server = EmulatorServer(
            host,
            port,
            quiet=quiet,
            state_path=state_path,
            webhook_url=webhook_url,
            webhook_secret=secret,
            retry_schedule=retry_schedule,
            public_url=public_url,
        )
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Stripe emulator on {server.url} (API {server.url}/v1, Stripe.js {server.url}/v3)")
    click.echo(f"Webhooks: {webhook_url or 'not delivered (no --webhook-url)'}")
    if state_path:
        click.echo(f"State: {state_path}")
    # Stop cleanly on SIGTERM too (make, process managers), so the state file is flushed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


@sandbox_cli.command("community")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=12112, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--api-url", default=None, help="Nebendesk's base URL [default: http://127.0.0.1:5000]."
)
@click.option("--community-id", type=int, default=None, help="The community's id in Nebendesk.")
@click.option("--token", default=None, help="The community's API token.")
@click.option("--webhook-secret", default=None, help="The secret Nebendesk signs webhooks with.")
@click.option(
    "--connection-file",
    type=click.Path(dir_okay=False),
    default="instance/sandbox-community.json",
    show_default=True,
    help="JSON file with api_url, community_id, token, webhook_secret (written by "
    "`flask seed demo`; read again when it changes); options win over it.",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="JSON file that keeps the community's users, messages and decisions across restarts.",
)
@click.option(
    "--poll",
    default=0.0,
    type=click.FloatRange(0),
    help="Also poll Nebendesk for decisions every POLL seconds (0: only at start and on "
    "'Sync decisions now'), for a Nebendesk that cannot reach the sandbox's webhook.",
)
@click.option(
    "--demo", is_flag=True, help="Post a few users' messages into an empty sandbox once connected."
)
@click.option("--quiet", is_flag=True, help="Do not log every request.")
def community_command(
    host: str,
    port: int,
    api_url: str | None,
    community_id: int | None,
    token: str | None,
    webhook_secret: str | None,
    connection_file: str,
    state_path: str | None,
    poll: float,
    demo: bool,
    quiet: bool,
) -> None:
    """Serve the sandbox community: a small chat and forum that sends what is
    posted to Nebendesk's community API and applies the decisions it receives."""
    from marketplace.sandbox.community import CommunityServer
    from marketplace.sandbox.community.client import NebendeskError

    try:
        server = CommunityServer(
            host,
            port,
            quiet=quiet,
            api_url=api_url,
            community_id=community_id,
            token=token,
            webhook_secret=webhook_secret,
            connection_file=connection_file,
            state_path=state_path,
        )
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    connection = server.community.connection.current()
    click.echo(f"Sandbox community on {server.url} (webhook endpoint {server.url}/webhook)")
    if connection.complete:
        click.echo(f"Posting to {connection.base}/items")
    else:
        click.echo(f"Not connected yet: waiting for {connection_file} or options.")
    if state_path:
        click.echo(f"State: {state_path}")

    def catch_up() -> None:
        # Decisions made while the sandbox was down. Nebendesk (and the connection
        # file) may come up after the sandbox (make run seeds first): try for ten minutes.
        for _attempt in range(300):
            if server.community.connection.current().complete:
                with contextlib.suppress(NebendeskError):
                    server.community.sync()
                    if demo:
                        server.community.seed_demo()
                    break
            time.sleep(2)
        while poll > 0:  # a Nebendesk that cannot reach the sandbox's webhook
            time.sleep(poll)
            with contextlib.suppress(NebendeskError):
                server.community.sync()

    threading.Thread(target=catch_up, name="sandbox-community-sync", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


@sandbox_cli.command("wait")
@click.option("--url", default=None, help="Base URL to wait for; default: STRIPE_API_BASE.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds before giving up.")
def wait_command(url: str | None, timeout: float) -> None:
    """Wait until the Stripe emulator (or whatever answers at STRIPE_API_BASE) answers
    HTTP; exit 1 after TIMEOUT seconds. ``make run`` seeds only after this."""
    base = (url or current_app.config["STRIPE_API_BASE"] or "").rstrip("/")
    if not base:
        click.echo("STRIPE_API_BASE is empty (Stripe itself): nothing to wait for.")
        return
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        try:
            opener.open(f"{base}/_emulator/", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (a real server may say 404)
        except OSError as exc:
            if time.monotonic() >= deadline:
                message = f"{base} did not answer within {timeout:g} s: {exc}"
                raise click.ClickException(message) from None
            time.sleep(0.1)
