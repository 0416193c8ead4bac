"""Every feature's models, imported in one place so the metadata is complete
(for Alembic, the schema tests and anything that needs all tables)."""

from marketplace.accounts import models as accounts  # noqa: F401
from marketplace.audit import models as audit  # noqa: F401
from marketplace.gigs import models as gigs  # noqa: F401
from marketplace.growth import models as growth  # noqa: F401
from marketplace.mail import models as mail  # noqa: F401
from marketplace.messaging import models as messaging  # noqa: F401
from marketplace.moderation import item_models as moderation_items  # noqa: F401
from marketplace.moderation import live_models as moderation_live  # noqa: F401
from marketplace.moderation import matrix_models as moderation_matrix  # noqa: F401
from marketplace.moderation import models as moderation  # noqa: F401
from marketplace.moderation import session_models as moderation_sessions  # noqa: F401
from marketplace.onboarding import models as onboarding  # noqa: F401
from marketplace.payments import models as payments  # noqa: F401
from marketplace.ratings import models as ratings  # noqa: F401
from marketplace.standing import models as standing  # noqa: F401
from marketplace.work import models as work  # noqa: F401
from marketplace.workpool import models as workpool  # noqa: F401
from marketplace.workpool import triage_models as workpool_triage  # noqa: F401
