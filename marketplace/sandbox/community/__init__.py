"""Nebendesk's sandbox community: a small chat and forum for development and the
demo. Everything posted goes to Nebendesk's community API
(``POST /api/v1/communities/<id>/items``); decisions come back as signed
webhooks (``POST /webhook``) or by polling, and take effect: removed messages
are hidden, warnings shown to their author, muted and banned users cannot post,
questions show the moderation team's answer, reversals undo.

    server = CommunityServer(port=0, api_url=…, community_id=…, token=…,
                             webhook_secret=…).start()
"""

from marketplace.sandbox.community.app import create_community
from marketplace.sandbox.community.config import CommunityConfig, write_connection
from marketplace.sandbox.community.server import CommunityServer
from marketplace.sandbox.community.service import SandboxCommunity

__all__ = [
    "CommunityConfig",
    "CommunityServer",
    "SandboxCommunity",
    "create_community",
    "write_connection",
]
