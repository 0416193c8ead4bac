"""Settings of one emulator instance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import stripe

DEFAULT_RETRY_SCHEDULE = (1.0, 5.0, 25.0, 125.0)


@dataclass
class EmulatorConfig:
    # Where events are POSTed (e.g. http://127.0.0.1:5000/stripe/webhook); None: no delivery.
    webhook_url: str | None = None
    # Signing secret (whsec_…), the app's STRIPE_WEBHOOK_SECRET.
    webhook_secret: str | None = None
    # Seconds to wait after each failed attempt; attempts = len(schedule) + 1.
    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    # False: events wait until POST /_emulator/webhooks/deliver (deterministic tests).
    deliver_in_background: bool = True
    delivery_workers: int = 4
    delivery_timeout: float = 10.0
    # JSON file the state is kept in across restarts; None: memory only.
    state_path: str | None = None
    # Base URL browsers use to reach the emulator (onboarding and 3-D Secure
    # links); None: the URL of the request that created the link.
    public_url: str | None = None
    # Reported in events and the Stripe-Version header: the installed client's.
    api_version: str = field(default_factory=lambda: stripe.api_version)

    def __post_init__(self) -> None:
        self.retry_schedule = tuple(float(seconds) for seconds in self.retry_schedule)
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("a webhook URL needs a webhook secret (whsec_…) to sign events")
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {self.webhook_url!r}")

    def copy(self, **changes: object) -> EmulatorConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def max_attempts(self) -> int:
        return len(self.retry_schedule) + 1
