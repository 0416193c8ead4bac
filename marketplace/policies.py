"""Every feature's authorization rules, imported in one place so that the
registry in auth/policies.py is complete (as models.py does for the tables)."""

from marketplace.accounts import policies as accounts  # noqa: F401
from marketplace.admin import policies as admin  # noqa: F401
from marketplace.gigs import policies as gigs  # noqa: F401
from marketplace.growth import policies as growth  # noqa: F401
from marketplace.messaging import policies as messaging  # noqa: F401
from marketplace.moderation import policies as moderation  # noqa: F401
from marketplace.onboarding import policies as onboarding  # noqa: F401
from marketplace.ratings import policies as ratings  # noqa: F401
from marketplace.standing import policies as standing  # noqa: F401
from marketplace.workpool import policies as workpool  # noqa: F401
