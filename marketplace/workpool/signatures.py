"""What customers see of the worker and of time: the name a worker's replies carry
(their first name unless they choose their full name or a signature name of their
own), and times in the mailbox's time zone, as the workbench shows them and as the
quoted "On <date>, <customer> wrote:" line of a reply dates the customer's mail."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool.models import DEFAULT_TIME_ZONE, Mailbox, ReplyNameMode, WorkerReplyName

CHOSEN_NAME_MAX = 80
TIME_FORMAT = "short"  # the workbench's and the quote line's format


# --- the name in the worker's replies -----------------------------------------------------


def reply_name_setting(worker: User) -> WorkerReplyName | None:
    return db.session.scalar(sa.select(WorkerReplyName).where(WorkerReplyName.user_id == worker.id))


def first_name(display_name: str) -> str:
    words = display_name.split()
    return words[0] if words else ""


def reply_name(worker: User) -> str:
    """The name the worker's replies carry: the first name unless they chose otherwise."""
    setting = reply_name_setting(worker)
    mode = setting.mode if setting else ReplyNameMode.FIRST
    if mode == ReplyNameMode.FULL:
        return worker.display_name.strip()
    if mode == ReplyNameMode.CHOSEN and setting and setting.chosen_name.strip():
        return setting.chosen_name.strip()
    return first_name(worker.display_name)


def set_reply_name(worker: User, *, mode: ReplyNameMode, chosen_name: str = "") -> None:
    chosen_name = " ".join((chosen_name or "").split())
    if mode == ReplyNameMode.CHOSEN and not chosen_name:
        raise DomainError(_("Please write the name you want to sign with."))
    if len(chosen_name) > CHOSEN_NAME_MAX or any(ord(ch) < 32 for ch in chosen_name):
        raise DomainError(
            _("Please keep the name to at most %(max)d characters.", max=CHOSEN_NAME_MAX)
        )
    setting = reply_name_setting(worker)
    if setting is None:
        setting = WorkerReplyName(user_id=worker.id)
        db.session.add(setting)
    setting.mode = mode
    setting.chosen_name = chosen_name if mode == ReplyNameMode.CHOSEN else ""
    db.session.flush()


def from_display_name(worker: User, mailbox: Mailbox) -> str:
    """The From name of a worker's answer: "Mia (Shop Support)"."""
    name = reply_name(worker)
    if not name:
        return mailbox.from_name
    return f"{name} ({mailbox.from_name})" if mailbox.from_name else name


# --- times in the mailbox's zone ----------------------------------------------------------


def time_zones() -> list[str]:
    return sorted(available_timezones() - {"localtime", "Factory"})


def valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones()


def zone_of(mailbox: Mailbox) -> ZoneInfo:
    try:
        return ZoneInfo(mailbox.time_zone or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def mailbox_time(value: datetime | None, mailbox: Mailbox, locale: str | None = None) -> str:
    """A moment as the workbench shows it: the mailbox's zone, the short format."""
    if value is None:
        return ""
    return format_datetime(
        value, TIME_FORMAT, tzinfo=zone_of(mailbox), locale=locale or str(get_locale())
    )


QUOTE_INTRO = {
    "de": "Am {when} schrieb {who}:",
    "en": "On {when}, {who} wrote:",
}


def quote_intro(when: datetime, who: str, mailbox: Mailbox, language: str) -> str:
    """The line above the quoted customer mail in ``language``, dated in the mailbox's
    zone and the workbench's format."""
    language = language.split("_")[0]
    language = language if language in QUOTE_INTRO else "en"
    return QUOTE_INTRO[language].format(when=mailbox_time(when, mailbox, language), who=who)
