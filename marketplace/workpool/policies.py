"""Authorization rules of the email work pool (see auth/policies.py)."""

from __future__ import annotations

from marketplace.accounts.models import Company
from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool.models import Conversation, ConversationStatus, Mailbox, Reply
from marketplace.workpool.triage_models import MailTag


@rule("mailbox.manage")
def _mailbox_manage(viewer: Viewer, mailbox: Mailbox) -> bool:
    return can_manage_gigs(viewer, mailbox.gig.company)


@rule("conversation.company")
def _conversation_company(viewer: Viewer, conversation: Conversation) -> bool:
    """Company staff see and answer every conversation of their mailboxes."""
    return can_manage_gigs(viewer, conversation.mailbox.gig.company)


@rule("conversation.work")
def _conversation_work(viewer: Viewer, conversation: Conversation) -> bool:
    """A worker sees a customer's conversation only while holding its lease."""
    user = active_user(viewer)
    return (
        user is not None
        and conversation.status == ConversationStatus.WAITING
        and conversation.claimed_by_id == user.id
        and conversation.lease_expires_at is not None
        and conversation.lease_expires_at > utcnow()
    )


@rule("reply.view_own")
def _reply_own(viewer: Viewer, reply: Reply) -> bool:
    """A worker's own past answers stay visible to them."""
    user = active_user(viewer)
    return user is not None and reply.author_id == user.id


@rule("conversation.add_note")
def _conversation_add_note(viewer: Viewer, conversation: Conversation) -> bool:
    """Internal notes: company staff of the conversation's company, and the worker
    holding it (who sees its tags and notes on the workbench, nothing of any other)."""
    return _conversation_company(viewer, conversation) or _conversation_work(viewer, conversation)


@rule("mail_tag.manage")
def _mail_tag_manage(viewer: Viewer, tag: MailTag) -> bool:
    company = db.session.get(Company, tag.company_id)
    return company is not None and can_manage_gigs(viewer, company)
