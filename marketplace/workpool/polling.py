"""Fetching new mail from the companies' IMAP accounts (``flask mailboxes poll``,
from cron or as RQ jobs).

Per mailbox, one poller at a time (a lease taken by a conditional UPDATE, which
ends by itself if a poller dies). The cursor is the folder's UIDVALIDITY and the
highest UID stored: each poll asks for UIDs above it, fetches them in batches
(``BODY.PEEK[]``, which leaves the mail unread), stores every email through
``inbound.store`` (the same parsing, threading and Message-ID de-duplication as
the HTTP endpoint) and commits the batch together with the new cursor. Only then
is the batch marked as read or moved in the company's mailbox, so a crash or a
dropped connection loses nothing and doubles nothing: the next poll starts after
the last committed batch. A changed UIDVALIDITY (the server renumbered the
folder) resets the cursor; whatever comes again is recognised by its Message-ID.

A batch is stored without a savepoint per email (two round trips fewer each);
only when the database refuses one is the batch stored again email by email.
(Parsing in worker processes, one batch ahead, was tried and measured slower on
two cores: the processes' start, pickling and PostgreSQL compete for them.)
"""

from __future__ import annotations

import imaplib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from imapclient import IMAPClient
from imapclient.imapclient import SEEN
from sqlalchemy.exc import DBAPIError

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool import inbound, mailserver
from marketplace.workpool.connections import imap_login
from marketplace.workpool.mailserver import MailServerError
from marketplace.workpool.models import AfterFetch, MailboxConnection
from marketplace.workpool.parsing import NotAnEmail, ParsedEmail, parse

log = logging.getLogger(__name__)

FETCH_BATCH = 100
LEASE = timedelta(minutes=10)


@dataclass
class PollResult:
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0  # unreadable or larger than INBOUND_MAX_BYTES; left in the mailbox
    uidvalidity_changed: bool = False
    problem: MailServerError | None = None
    busy: bool = False  # another poller holds this mailbox


def connection_ids() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(MailboxConnection.id).order_by(
                MailboxConnection.last_poll_at.is_not(None), MailboxConnection.last_poll_at
            )
        )
    )


def poll_mailbox(connection_id: int, *, batch_size: int = FETCH_BATCH) -> PollResult:
    """Fetch what is new in one mailbox. Commits per batch; safe to run anywhere,
    any time, as often as wanted (also as an RQ job)."""
    result = PollResult()
    if not _take_lease(connection_id):
        result.busy = True
        return result
    connection = db.session.get(MailboxConnection, connection_id)
    try:
        with mailserver.imap_session(imap_login(connection)) as client:
            client.normalise_times = False
            _fetch_new(client, connection, result, batch_size)
    except MailServerError as exc:
        result.problem = exc
    except (OSError, imaplib.IMAP4.error) as exc:  # e.g. the connection dropped mid-fetch
        result.problem = mailserver.imap_failure(exc, folder=connection.imap_folder)
    finally:
        _finish(connection_id, result)
    return result


def _take_lease(connection_id: int) -> bool:
    now = utcnow()
    taken = db.session.execute(
        sa.update(MailboxConnection)
        .where(
            MailboxConnection.id == connection_id,
            sa.or_(
                MailboxConnection.poll_lease_until.is_(None),
                MailboxConnection.poll_lease_until < now,
            ),
        )
        .values(poll_lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def _finish(connection_id: int, result: PollResult) -> None:
    db.session.rollback()  # whatever a failed batch left half done
    connection = db.session.get(MailboxConnection, connection_id)
    if connection is None:  # disconnected while we polled
        return
    now = utcnow()
    connection.poll_lease_until = None
    connection.last_poll_at = now
    if result.problem is None:
        connection.last_success_at = now
        connection.last_problem = connection.last_problem_detail = None
    else:
        connection.last_problem = result.problem.problem.value
        connection.last_problem_detail = result.problem.detail or None
        log.warning("polling mailbox connection %s: %s", connection_id, result.problem)
    db.session.commit()


def _select(client: IMAPClient, connection: MailboxConnection) -> int:
    """Open the folder; returns its UIDVALIDITY."""
    try:
        info = client.select_folder(
            connection.imap_folder, readonly=connection.after_fetch == AfterFetch.LEAVE
        )
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # a folder that cannot be opened is missing
        raise MailServerError(
            "imap", mailserver.Problem.FOLDER, str(exc), folder=connection.imap_folder
        ) from exc
    return int(info[b"UIDVALIDITY"])


def _new_uids(client: IMAPClient, connection: MailboxConnection) -> list[int]:
    criteria: list = ["UID", f"{connection.last_uid + 1}:*"]
    if connection.fetch_since is not None:
        # SINCE compares dates in the server's time zone: a day earlier, to be sure;
        # the exact time is checked on each email's INTERNALDATE.
        criteria += ["SINCE", connection.fetch_since.date() - timedelta(days=1)]
    # "n:*" also names the highest UID when it is below n: keep only the new ones.
    return sorted(uid for uid in client.search(criteria) if uid > connection.last_uid)


def _fetch_new(
    client: IMAPClient, connection: MailboxConnection, result: PollResult, batch_size: int
) -> None:
    validity = _select(client, connection)
    if connection.uid_validity is not None and connection.uid_validity != validity:
        result.uidvalidity_changed = True
        connection.last_uid = 0
    connection.uid_validity = validity
    uids = _new_uids(client, connection)
    for start in range(0, len(uids), batch_size):
        batch = uids[start : start + batch_size]
        _store_batch(
            client, connection, batch, _download(client, connection, batch, result), result
        )
    db.session.commit()  # the cursor, also when nothing was new


def _parse_outcome(raw: bytes) -> ParsedEmail | None:
    """The parsed email, or None for one we cannot read."""
    try:
        return parse(raw)
    except NotAnEmail:
        return None


def _download(
    client: IMAPClient, connection: MailboxConnection, uids: list[int], result: PollResult
) -> list[tuple[int, bytes]]:
    """The raw emails of these UIDs that we take (not too large, not too old)."""
    limit = current_app.config["INBOUND_MAX_BYTES"]
    sizes = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
    wanted = [uid for uid in uids if uid in sizes and _wanted(sizes[uid], connection, limit)]
    result.skipped += sum(1 for uid in uids if uid in sizes) - len(wanted)
    bodies = client.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
    # An email deleted in the meantime has no body: nothing to take.
    return [(uid, bodies[uid][b"BODY[]"]) for uid in wanted if b"BODY[]" in bodies.get(uid, {})]


def _store_batch(
    client: IMAPClient,
    connection: MailboxConnection,
    uids: list[int],
    downloaded: list[tuple[int, bytes]],
    result: PollResult,
) -> None:
    """Store a batch and move the cursor past it in one commit; then flag or move it."""
    emails = [((uid, raw), _parse_outcome(raw)) for uid, raw in downloaded]
    try:
        outcomes = [
            _store(connection, email, len(raw), careful=False) for (_u, raw), email in emails
        ]
    except DBAPIError:
        # One email the database refuses (say, a header too long): the batch again,
        # each email in its own savepoint, so only that one is left out.
        db.session.rollback()
        outcomes = [
            _store(connection, email, len(raw), careful=True) for (_u, raw), email in emails
        ]
    handled = [
        uid
        for ((uid, _raw), _email), done in zip(emails, outcomes, strict=True)
        if done is not None
    ]
    stored = sum(1 for done in outcomes if done)
    result.skipped += len(outcomes) - len(handled)
    connection.last_uid = max(uids)
    connection.imported_count += stored
    connection.poll_lease_until = utcnow() + LEASE
    db.session.commit()
    result.stored += stored
    result.duplicates += len(handled) - stored
    _after_fetch(client, connection, handled)


def _wanted(item: dict, connection: MailboxConnection, limit: int) -> bool:
    if item.get(b"RFC822.SIZE", 0) > limit:
        return False
    since: datetime | None = connection.fetch_since
    arrived = item.get(b"INTERNALDATE")
    # INTERNALDATE has whole seconds.
    return since is None or arrived is None or arrived >= since.replace(microsecond=0)


def _store(
    connection: MailboxConnection, parsed: ParsedEmail | None, size: int, *, careful: bool
) -> bool | None:
    """Store one email: True new, False known, None not storable. ``careful`` puts it
    in savepoints (four more round trips), for a batch the database refused."""
    if parsed is None:
        return None
    if not careful:
        return inbound.store_parsed(connection.mailbox, parsed, size=size, savepoint=False)[1]
    try:
        with db.session.begin_nested():
            _message, created = inbound.store_parsed(connection.mailbox, parsed, size=size)
    except DBAPIError:
        return None
    return created


def _after_fetch(client: IMAPClient, connection: MailboxConnection, uids: list[int]) -> None:
    """Mark as read or move what was stored (after the commit: a failure here leaves
    the mail in place, never lost)."""
    if not uids or connection.after_fetch == AfterFetch.LEAVE:
        return
    if connection.after_fetch == AfterFetch.SEEN:
        client.add_flags(uids, [SEEN], silent=True)
    elif client.has_capability("MOVE"):
        client.move(uids, connection.move_to_folder)
    else:
        client.copy(uids, connection.move_to_folder)
        client.delete_messages(uids, silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()
