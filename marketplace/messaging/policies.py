"""Authorization rules of conversations (see auth/policies.py).

Only the two parties read a conversation: the applicant (later the worker) and the
members of the gig's company. Admins read one only once a participant reported it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs, is_admin, is_member
from marketplace.extensions import db
from marketplace.messaging.models import MessageThread, ThreadReport
from marketplace.onboarding.models import Application


@rule("messages.inbox")
def _inbox(viewer: Viewer, _obj: Any = None) -> bool:
    """Seekers and company members have conversations; admins do not."""
    user = active_user(viewer)
    return user is not None and (user.is_seeker or user.membership is not None)


@rule("conversation.view", "conversation.report")
def _conversation_view(viewer: Viewer, application: Application) -> bool:
    user = active_user(viewer)
    return user is not None and (
        application.seeker_id == user.id or is_member(viewer, application.gig.company)
    )


@rule("conversation.post")
def _conversation_post(viewer: Viewer, application: Application) -> bool:
    """The applicant, or a member of a company that is not suspended."""
    user = active_user(viewer)
    return user is not None and (
        application.seeker_id == user.id or can_manage_gigs(viewer, application.gig.company)
    )


def is_reported(thread: MessageThread) -> bool:
    return (
        db.session.scalar(
            sa.select(ThreadReport.id).where(ThreadReport.thread_id == thread.id).limit(1)
        )
        is not None
    )


@rule("conversation.admin_read")
def _conversation_admin_read(viewer: Viewer, thread: MessageThread) -> bool:
    return is_admin(viewer) and is_reported(thread)
