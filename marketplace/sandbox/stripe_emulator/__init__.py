"""Nebendesk's Stripe API emulator: an HTTP server speaking the subset of
Stripe's API the app uses, faithfully enough that the official ``stripe``
client works against it unchanged. See docs/STRIPE_EMULATOR.md.

    server = EmulatorServer(port=0, webhook_url=…, webhook_secret=…).start()
    client = stripe.StripeClient("sk_test_…", base_addresses={"api": server.url})
"""

from marketplace.sandbox.stripe_emulator.app import create_emulator
from marketplace.sandbox.stripe_emulator.client import EmulatorControl
from marketplace.sandbox.stripe_emulator.config import EmulatorConfig
from marketplace.sandbox.stripe_emulator.server import EmulatorServer

__all__ = ["EmulatorConfig", "EmulatorControl", "EmulatorServer", "create_emulator"]
