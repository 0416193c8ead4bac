"""Connecting a mailbox to the company's own account at its mail provider (IMAP in,
SMTP out) and to its forwarding address.

A connection is saved only after a test of both servers passed, so a mistyped
password never leaves a mailbox that silently fetches nothing; the passwords are
stored encrypted (marketplace/crypto.py) and never shown again. Saving a new
server, account or folder starts the UID cursor afresh; the Message-ID
de-duplication of ``inbound.store`` keeps what was stored before from coming twice.
"""

from __future__ import annotations

import imaplib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from imapclient.imapclient import SENT

from marketplace import crypto
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import mailserver
from marketplace.workpool.mailserver import MailServerError, Problem, ServerLogin
from marketplace.workpool.models import (
    AfterFetch,
    Conversation,
    Mailbox,
    MailboxConnection,
    Reply,
    ReplyStatus,
    Security,
    SentCopy,
)


@dataclass
class ConnectionSettings:
    imap_host: str
    imap_port: int
    imap_security: Security
    imap_username: str
    imap_password: str  # "": keep the stored one
    imap_folder: str
    after_fetch: AfterFetch
    move_to_folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: Security
    smtp_username: str  # "": the IMAP login
    smtp_password: str  # "": keep the stored one (or the IMAP password)
    file_in_sent: bool
    sent_folder: str
    fetch_existing: bool = False  # also fetch what is in the folder already


@dataclass
class CheckResult:
    """What a connection test found, in the reader's language."""

    imap: list[str] = field(default_factory=list)  # what worked
    smtp: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ConnectionFailed(DomainError):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(" ".join(result.problems))
        self.result = result


# --- forwarding address -------------------------------------------------------------------


def forwarding_address(mailbox: Mailbox) -> str | None:
    domain = current_app.config["INBOUND_DOMAIN"]
    return f"{mailbox.forward_token}@{domain}" if domain else None


def _forward_token(address: str) -> str | None:
    """The token of a forwarding address (any case), or None for another domain."""
    local, _at, domain = address.strip().strip("<>").rpartition("@")
    expected = current_app.config["INBOUND_DOMAIN"]
    if not expected or domain.lower() != expected or not local:
        return None
    return local.lower()


def mailbox_for_address(address: str) -> Mailbox | None:
    """The mailbox whose forwarding address this is (any case), or None."""
    token = _forward_token(address)
    if token is None:
        return None
    return db.session.scalar(sa.select(Mailbox).where(Mailbox.forward_token == token))


def is_forwarding_address(mailbox: Mailbox, address: str) -> bool:
    """Whether this is the mailbox's current forwarding address (any case)."""
    token = _forward_token(address)
    return token is not None and token == mailbox.forward_token


def rotate_forwarding_address(mailbox: Mailbox, *, by: User) -> None:
    """A new forwarding address; the old one refuses mail from now on."""
    mailbox.forward_token = secrets.token_hex(10)
    record(
        actor=by, action="mailbox.rotate_forwarding", object_type="mailbox", object_id=mailbox.id
    )


# --- the company's own IMAP/SMTP account ------------------------------------------------------


def connection_of(mailbox: Mailbox) -> MailboxConnection | None:
    return db.session.scalar(
        sa.select(MailboxConnection).where(MailboxConnection.mailbox_id == mailbox.id)
    )


def _secret(encrypted: str) -> str:
    try:
        return crypto.decrypt(encrypted)
    except crypto.SecretUnreadable as exc:
        raise MailServerError("imap", Problem.SECRET, str(exc)) from exc


def imap_login(connection: MailboxConnection) -> ServerLogin:
    return ServerLogin(
        host=connection.imap_host,
        port=connection.imap_port,
        security=connection.imap_security,
        username=connection.imap_username,
        password=_secret(connection.imap_password_encrypted),
    )


def smtp_login(connection: MailboxConnection) -> ServerLogin:
    own = bool(connection.smtp_username)
    try:
        password = _secret(
            connection.smtp_password_encrypted if own else connection.imap_password_encrypted
        )
    except MailServerError as exc:
        raise MailServerError("smtp", Problem.SECRET, exc.detail) from exc
    return ServerLogin(
        host=connection.smtp_host,
        port=connection.smtp_port,
        security=connection.smtp_security,
        username=connection.smtp_username if own else connection.imap_username,
        password=password,
    )


def _logins(settings: ConnectionSettings, existing: MailboxConnection | None):
    """The IMAP and SMTP logins to test: typed passwords, else the stored ones, but a
    stored password only ever goes to the server and user it was saved for (nobody
    can send it elsewhere by changing the host and leaving the field empty)."""
    again = _("The server or user name changed: please enter the password again.")
    imap_password = settings.imap_password
    stored_imap = not imap_password
    if stored_imap:
        if existing is None:
            raise DomainError(_("Please enter the password of the IMAP account."))
        if (existing.imap_host.lower(), existing.imap_username) != (
            settings.imap_host.lower(),
            settings.imap_username,
        ):
            raise DomainError(again)
        imap_password = _secret(existing.imap_password_encrypted)
    smtp_password = settings.smtp_password
    smtp_host_same = existing is not None and existing.smtp_host.lower() == (
        settings.smtp_host.lower()
    )
    if settings.smtp_username and not smtp_password:
        if existing is None or not existing.smtp_password_encrypted:
            raise DomainError(_("Please enter the password of the SMTP account."))
        if not smtp_host_same or existing.smtp_username != settings.smtp_username:
            raise DomainError(again)
        smtp_password = _secret(existing.smtp_password_encrypted)
    elif not settings.smtp_username and stored_imap and not smtp_host_same:
        raise DomainError(again)  # the stored IMAP password would go to a new SMTP host
    imap = ServerLogin(
        settings.imap_host,
        settings.imap_port,
        settings.imap_security,
        settings.imap_username,
        imap_password,
    )
    smtp = ServerLogin(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_security,
        settings.smtp_username or settings.imap_username,
        smtp_password or imap_password,
    )
    return imap, smtp


def find_sent_folder(client, configured: str) -> str:
    """The folder copies of replies go to: the one named, else the one the server
    marks as Sent (SPECIAL-USE) or calls by a common name."""
    if configured:
        if not client.folder_exists(configured):
            raise MailServerError("imap", Problem.FOLDER, folder=configured)
        return configured
    found = client.find_special_folder(SENT)
    if not found:
        raise MailServerError("imap", Problem.SENT_FOLDER)
    return found


def _check_imap(login: ServerLogin, settings: ConnectionSettings, result: CheckResult) -> None:
    with mailserver.imap_session(login) as client:
        result.imap.append(
            _("Logged in to %(host)s as %(user)s.", host=login.host, user=login.username)
        )
        try:
            info = client.select_folder(settings.imap_folder, readonly=True)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:  # a folder that cannot be opened is missing
            raise MailServerError(
                "imap", Problem.FOLDER, str(exc), folder=settings.imap_folder
            ) from exc
        result.imap.append(
            _(
                "The folder “%(folder)s” holds %(count)d emails.",
                folder=settings.imap_folder,
                count=info.get(b"EXISTS", 0),
            )
        )
        if settings.after_fetch == AfterFetch.MOVE and not client.folder_exists(
            settings.move_to_folder
        ):
            raise MailServerError("imap", Problem.FOLDER, folder=settings.move_to_folder)
        if settings.file_in_sent:
            sent = find_sent_folder(client, settings.sent_folder)
            result.imap.append(_("Copies of replies go to “%(folder)s”.", folder=sent))


def check_settings(
    settings: ConnectionSettings, existing: MailboxConnection | None = None
) -> CheckResult:
    """Try both servers as the settings say (nothing is sent, nothing stored)."""
    result = CheckResult()
    try:
        imap, smtp = _logins(settings, existing)
    except MailServerError as exc:
        result.problems.append(exc.message())
        return result
    try:
        _check_imap(imap, settings, result)
    except (MailServerError, OSError, imaplib.IMAP4.error) as exc:
        result.problems.append(mailserver.imap_failure(exc).message(host=imap.host))
    try:
        mailserver.check_smtp(smtp)
        result.smtp.append(
            _("Logged in to %(host)s as %(user)s.", host=smtp.host, user=smtp.username)
        )
    except MailServerError as exc:
        result.problems.append(exc.message(host=smtp.host))
    return result


def _cursor_key(connection: MailboxConnection) -> tuple[str, int, str, str]:
    return (
        connection.imap_host.lower(),
        connection.imap_port,
        connection.imap_username,
        connection.imap_folder,
    )


def save_connection(
    mailbox: Mailbox, settings: ConnectionSettings, *, by: User, now: datetime | None = None
) -> MailboxConnection:
    """Test both servers, then store the connection (passwords encrypted). A failed
    test raises ConnectionFailed with every problem, and stores nothing."""
    existing = connection_of(mailbox)
    result = check_settings(settings, existing)
    if not result.ok:
        raise ConnectionFailed(result)
    connection = existing or MailboxConnection(mailbox_id=mailbox.id, last_uid=0)
    before = _cursor_key(connection) if existing else None
    _apply(connection, settings)
    if before != _cursor_key(connection):
        # Another account or folder: its UIDs mean nothing to the old cursor.
        connection.uid_validity = None
        connection.last_uid = 0
        connection.fetch_since = None if settings.fetch_existing else (now or utcnow())
    connection.last_problem = connection.last_problem_detail = None
    db.session.add(connection)
    db.session.flush()
    record(
        actor=by,
        action="mailbox.connect_imap",
        object_type="mailbox",
        object_id=mailbox.id,
        after={"imap_host": connection.imap_host, "smtp_host": connection.smtp_host},
    )
    return connection


def _apply(connection: MailboxConnection, settings: ConnectionSettings) -> None:
    connection.imap_host = settings.imap_host.strip()
    connection.imap_port = settings.imap_port
    connection.imap_security = settings.imap_security
    connection.imap_username = settings.imap_username.strip()
    if settings.imap_password:
        connection.imap_password_encrypted = crypto.encrypt(settings.imap_password)
    connection.imap_folder = settings.imap_folder.strip() or "INBOX"
    connection.after_fetch = settings.after_fetch
    connection.move_to_folder = (
        settings.move_to_folder.strip() if settings.after_fetch == AfterFetch.MOVE else ""
    )
    connection.smtp_host = settings.smtp_host.strip()
    connection.smtp_port = settings.smtp_port
    connection.smtp_security = settings.smtp_security
    connection.smtp_username = settings.smtp_username.strip()
    if not connection.smtp_username:
        connection.smtp_password_encrypted = ""
    elif settings.smtp_password:
        connection.smtp_password_encrypted = crypto.encrypt(settings.smtp_password)
    connection.file_in_sent = settings.file_in_sent
    connection.sent_folder = settings.sent_folder.strip() if settings.file_in_sent else ""


def disconnect(mailbox: Mailbox, *, by: User) -> None:
    """Forget the account (and its passwords). Replies go out by the site's server again;
    copies not yet filed in the Sent folder are given up."""
    connection = connection_of(mailbox)
    if connection is None:
        return
    db.session.execute(
        sa.update(Reply)
        .where(
            Reply.sent_copy == SentCopy.PENDING,
            Reply.conversation_id.in_(_conversation_ids(mailbox)),
        )
        .values(sent_copy=SentCopy.NONE)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(connection)
    record(actor=by, action="mailbox.disconnect_imap", object_type="mailbox", object_id=mailbox.id)


def _conversation_ids(mailbox: Mailbox):
    return sa.select(Conversation.id).where(Conversation.mailbox_id == mailbox.id)


def queued_replies(mailbox: Mailbox) -> int:
    """Replies still waiting to go out (shown beside the SMTP settings)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Reply.id)).where(
                Reply.status == ReplyStatus.QUEUED,
                Reply.conversation_id.in_(_conversation_ids(mailbox)),
            )
        )
        or 0
    )


def rotate_secrets() -> int:
    """Every stored password encrypted again with the first key of SECRETS_KEY
    (``flask secrets rotate``); returns how many were re-encrypted."""
    count = 0
    for connection in db.session.scalars(sa.select(MailboxConnection)):
        connection.imap_password_encrypted = crypto.rotate(connection.imap_password_encrypted)
        count += 1
        if connection.smtp_password_encrypted:
            connection.smtp_password_encrypted = crypto.rotate(connection.smtp_password_encrypted)
            count += 1
    return count
