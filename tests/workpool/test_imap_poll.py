"""Fetching customer mail from the company's own mailbox by IMAP, against a real
Dovecot: new mail is stored once, a dropped connection loses and doubles nothing,
a renumbered folder (UIDVALIDITY) is handled, bad credentials store nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import crypto, jobs
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool.models import AfterFetch, MailboxConnection, Message
from marketplace.workpool.polling import poll_mailbox
from tests.tcp_proxy import CuttingProxy
from tests.workpool.helpers import customer_mail
from tests.workpool.helpers import pool as make_pool
from tests.workpool.imap_helpers import connect, stored_message_ids

pytestmark = pytest.mark.usefixtures("db")  # an application context for the services


def mails(count: int, *, prefix: str = "m", body_size: int = 0) -> list[bytes]:
    filler = "\n" + "Lorem ipsum dolor sit amet. " * (body_size // 28)
    return [
        customer_mail(
            subject=f"Frage {prefix}{n}",
            body=f"Guten Tag, Nummer {prefix}{n}.{filler}",
            message_id=f"<{prefix}{n}@kunde.example>",
        )
        for n in range(1, count + 1)
    ]


def test_a_poll_imports_new_mail_once_and_marks_it_read(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    imap_account.append(*mails(3))

    first = poll_mailbox(connection.id)
    assert (first.stored, first.duplicates, first.problem) == (3, 0, None)
    assert stored_message_ids(mailbox) == [f"<m{n}@kunde.example>" for n in (1, 2, 3)]
    assert imap_account.message_ids(unseen=True) == []  # marked as read in the mailbox

    imap_account.append(*mails(1, prefix="new"))
    second = poll_mailbox(connection.id)
    assert (second.stored, second.duplicates) == (1, 0)
    again = poll_mailbox(connection.id)
    assert (again.stored, again.duplicates) == (0, 0)
    assert len(stored_message_ids(mailbox)) == 4
    db.session.expire_all()
    connection = db.session.get(MailboxConnection, connection.id)
    assert connection.imported_count == 4
    assert connection.last_success_at is not None and connection.last_problem is None


def test_only_mail_arriving_after_connecting_unless_the_company_asks(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    old = utcnow() - timedelta(days=3)
    imap_account.append(*mails(2, prefix="old"), msg_time=old)
    connection = connect(mailbox, imap_account, company_smtp, fetch_existing=False)
    imap_account.append(*mails(1, prefix="new"))
    assert poll_mailbox(connection.id).stored == 1
    assert stored_message_ids(mailbox) == ["<new1@kunde.example>"]
    assert imap_account.message_ids(unseen=True) == ["<old1@kunde.example>", "<old2@kunde.example>"]

    other, _engagements, _token = make_pool()
    everything = connect(
        other, imap_account, company_smtp, fetch_existing=True, after_fetch=AfterFetch.LEAVE
    )
    assert poll_mailbox(everything.id).stored == 3


def test_fetched_mail_is_moved_or_left_as_the_company_chose(imap_account, company_smtp):
    imap_account.create_folder("Erledigt")
    mailbox, _engagements, _token = make_pool()
    moving = connect(
        mailbox, imap_account, company_smtp, after_fetch=AfterFetch.MOVE, move_to_folder="Erledigt"
    )
    imap_account.append(*mails(2))
    assert poll_mailbox(moving.id).stored == 2
    assert imap_account.message_ids() == []
    assert imap_account.message_ids("Erledigt") == ["<m1@kunde.example>", "<m2@kunde.example>"]

    imap_account.append(*mails(1, prefix="left"))
    db.session.get(MailboxConnection, moving.id).after_fetch = AfterFetch.LEAVE
    db.session.commit()
    assert poll_mailbox(moving.id).stored == 1
    assert imap_account.message_ids(unseen=True) == ["<left1@kunde.example>"]


def test_a_dropped_connection_mid_fetch_loses_and_doubles_nothing(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    proxy = CuttingProxy(imap_account.port).start()
    try:
        connection = connect(mailbox, imap_account, company_smtp)
        db.session.get(MailboxConnection, connection.id).imap_port = proxy.port
        db.session.commit()
        imap_account.append(*mails(20, body_size=2000))
        proxy.cut_after = 30_000  # ~ the login, the search and two batches of five

        cut = poll_mailbox(connection.id, batch_size=5)
        assert proxy.cuts == 1
        assert cut.problem is not None and cut.problem.problem == "network"
        assert cut.stored in (5, 10, 15)  # whole batches only
        kept = stored_message_ids(mailbox)
        assert kept == [f"<m{n}@kunde.example>" for n in range(1, cut.stored + 1)]
        db.session.expire_all()
        assert db.session.get(MailboxConnection, connection.id).last_problem == "network"

        proxy.cut_after = None
        resumed = poll_mailbox(connection.id, batch_size=5)
        assert resumed.problem is None
        assert resumed.stored + cut.stored == 20
        assert stored_message_ids(mailbox) == [f"<m{n}@kunde.example>" for n in range(1, 21)]
        assert imap_account.message_ids(unseen=True) == []
    finally:
        proxy.stop()


def test_a_restarted_server_between_polls_changes_nothing(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    imap_account.append(*mails(2))
    assert poll_mailbox(connection.id).stored == 2
    imap_account.server.restart()
    imap_account.append(*mails(3))  # two of them again (new UIDs), one new
    result = poll_mailbox(connection.id)
    assert (result.stored, result.duplicates) == (1, 2)
    assert len(stored_message_ids(mailbox)) == 3


def test_a_renumbered_folder_resets_the_cursor_and_stores_nothing_twice(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    imap_account.create_folder("Support")
    connection = connect(
        mailbox, imap_account, company_smtp, imap_folder="Support", after_fetch=AfterFetch.LEAVE
    )
    old = mails(3)
    imap_account.append(*old, folder="Support")
    assert poll_mailbox(connection.id).stored == 3
    db.session.expire_all()
    before = db.session.get(MailboxConnection, connection.id).uid_validity

    # The provider rebuilds the folder: new UIDVALIDITY, and the UIDs start again,
    # with a new email at UID 1 and the old ones after it.
    with imap_account.client() as client:
        client.delete_folder("Support")
    imap_account.append(*mails(1, prefix="new"), *old, folder="Support")

    result = poll_mailbox(connection.id)
    assert result.uidvalidity_changed
    assert (result.stored, result.duplicates) == (1, 3)
    assert stored_message_ids(mailbox)[-1] == "<new1@kunde.example>"
    assert len(stored_message_ids(mailbox)) == 4
    db.session.expire_all()
    connection = db.session.get(MailboxConnection, connection.id)
    assert connection.uid_validity != before and connection.last_uid == 4


def test_a_changed_password_stores_nothing_and_says_so(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    imap_account.append(*mails(2))
    # The password was changed at the provider: ours is wrong from now on.
    db.session.get(MailboxConnection, connection.id).imap_password_encrypted = crypto.encrypt(
        "the-old-password"
    )
    db.session.commit()

    result = poll_mailbox(connection.id)
    assert result.problem is not None and result.problem.problem == "login"
    assert stored_message_ids(mailbox) == []
    db.session.expire_all()
    connection = db.session.get(MailboxConnection, connection.id)
    assert connection.last_problem == "login"
    assert connection.poll_lease_until is None and connection.last_uid == 0


def test_mail_too_large_or_unreadable_is_left_in_the_mailbox(
    app, imap_account, company_smtp, monkeypatch
):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", 5_000)
    imap_account.append(
        mails(1, prefix="big", body_size=8_000)[0],
        b"Subject: no sender, no body\r\n\r\n",
        mails(1, prefix="ok")[0],
    )
    result = poll_mailbox(connection.id)
    assert (result.stored, result.skipped) == (1, 2)
    assert stored_message_ids(mailbox) == ["<ok1@kunde.example>"]
    assert len(imap_account.message_ids(unseen=True)) == 2  # still unread for a person
    assert poll_mailbox(connection.id).skipped == 0  # the cursor moved past them


def _refuse_message(message_id: str) -> None:
    """Make PostgreSQL itself refuse to store one email (a trigger raising an error),
    as it refuses a value it cannot hold."""
    db.session.execute(
        sa.text(
            "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.message_id = '{message_id}' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
    )
    db.session.execute(
        sa.text(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON messages "
            "FOR EACH ROW EXECUTE FUNCTION refuse_one()"
        )
    )
    db.session.commit()


def _allow_every_message() -> None:
    db.session.execute(sa.text("DROP TRIGGER refuse_one ON messages"))
    db.session.execute(sa.text("DROP FUNCTION refuse_one()"))
    db.session.commit()


@pytest.mark.postgres  # SQLite's triggers can only raise constraint errors (a duplicate)
def test_an_email_the_database_refuses_leaves_the_rest_of_its_batch_stored(
    imap_account, company_smtp
):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    refused = (
        b"From: anna@kunde.example\r\nSubject: Nein\r\nMessage-ID: <refuse@kunde.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nGuten Tag.\r\n"
    )
    imap_account.append(mails(1, prefix="a")[0], refused, mails(1, prefix="b")[0])
    _refuse_message("<refuse@kunde.example>")
    try:
        result = poll_mailbox(connection.id)
    finally:
        db.session.rollback()
        _allow_every_message()
    assert result.problem is None
    assert (result.stored, result.skipped) == (2, 1)
    stored = stored_message_ids(mailbox)
    assert {"<a1@kunde.example>", "<b1@kunde.example>"} <= set(stored)
    assert "<refuse@kunde.example>" not in stored
    assert imap_account.message_ids(unseen=True) == ["<refuse@kunde.example>"]


def test_a_nul_in_an_email_is_cleaned_before_it_is_stored(imap_account, company_smtp):
    """PostgreSQL refuses NUL characters in text; parsing removes them first (in base64,
    as IMAP servers replace a raw NUL byte)."""
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    nul = (
        b"From: anna@kunde.example\r\nSubject: NUL\r\nMessage-ID: <nul@kunde.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\n" + base64.b64encode(b"Guten Tag\x00, Nummer 1.") + b"\r\n"
    )
    imap_account.append(nul)
    result = poll_mailbox(connection.id)
    assert (result.problem, result.stored, result.skipped) == (None, 1, 0)
    body = db.session.scalar(
        sa.select(Message.body_text).where(Message.message_id == "<nul@kunde.example>")
    )
    assert "\x00" not in body and "Guten Tag" in body


def test_one_poller_per_mailbox_and_a_dead_pollers_lease_runs_out(
    imap_account, company_smtp, travel
):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    imap_account.append(*mails(1))
    now = utcnow()
    travel(now)
    db.session.execute(
        sa.update(MailboxConnection).values(poll_lease_until=now + timedelta(minutes=10))
    )
    db.session.commit()
    assert poll_mailbox(connection.id).busy
    assert stored_message_ids(mailbox) == []
    travel(now + timedelta(minutes=11))
    assert poll_mailbox(connection.id).stored == 1


def test_polling_runs_as_a_job_and_from_the_command_line(app, imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    imap_account.append(*mails(1, prefix="job"))
    jobs.enqueue(poll_mailbox, connection.id)  # inline here; on an RQ worker with Redis
    assert stored_message_ids(mailbox) == ["<job1@kunde.example>"]

    imap_account.append(*mails(1, prefix="cli"))
    result = app.test_cli_runner().invoke(args=["mailboxes", "poll"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    assert len(stored_message_ids(mailbox)) == 2
