"""Triage of customer conversations: priority rules per mailbox, the company's tags,
and internal notes (never part of any email to the customer)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import enum_column, utcnow
from marketplace.extensions import db
from marketplace.workpool.models import Priority

# Tag colours: a fixed palette; each is dark enough for white text (WCAG AA, 4.5:1).
TAG_COLOURS = {
    "blue": "#1d4ed8",
    "green": "#166534",
    "red": "#b91c1c",
    "purple": "#6b21a8",
    "orange": "#9a3412",
    "teal": "#115e59",
    "grey": "#374151",
}


class TriageRule(db.Model):
    """A word or phrase that, found in a customer's subject or text, gives the
    conversation a priority. Each mailbox has its own (German and English defaults)."""

    __tablename__ = "triage_rules"
    __table_args__ = (sa.UniqueConstraint("mailbox_id", "phrase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True
    )
    phrase: Mapped[str] = mapped_column(sa.String(200))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.URGENT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


conversation_mail_tags = sa.Table(
    "conversation_mail_tags",
    db.Model.metadata,
    sa.Column(
        "conversation_id",
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "tag_id", sa.ForeignKey("mail_tags.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class MailTag(db.Model):
    """A tag a company puts on its customer conversations (its own list)."""

    __tablename__ = "mail_tags"
    __table_args__ = (sa.UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    colour: Mapped[str] = mapped_column(sa.String(16), default="blue")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def hex(self) -> str:
        return TAG_COLOURS.get(self.colour, TAG_COLOURS["grey"])

    @property
    def css_class(self) -> str:
        """The badge's classes: the colour is a class in static/css/app.css, since the
        Content-Security-Policy (style-src 'self') drops inline style attributes."""
        return f"mail-tag tag-{self.colour if self.colour in TAG_COLOURS else 'grey'}"


class ConversationNote(db.Model):
    """An internal note on a conversation, by company staff or the worker on it.
    Customers never see notes: no email is ever built from them."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
