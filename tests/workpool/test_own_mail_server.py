"""Connecting the company's own account: the test names what failed, a failed test
stores nothing, passwords are stored encrypted, and replies then go out through the
company's SMTP server (AUTH) with its address and are filed once in its Sent folder."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import crypto
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import connections, pool
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    MailboxConnection,
    Reply,
    ReplyStatus,
    Security,
    SentCopy,
)
from marketplace.workpool.outgoing import send_due_replies
from marketplace.workpool.sent_copies import file_sent_copies
from tests.imap_server import Dovecot
from tests.mail_servers import ImapAccount
from tests.smtp_sink import free_port
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool
from tests.workpool.imap_helpers import COMPANY_SMTP_LOGIN, connect, connection_settings

pytestmark = pytest.mark.usefixtures("db")


def owner_of(mailbox):
    return mailbox.gig.company.memberships[0].user


def connection_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(MailboxConnection.id)))


def test_saved_passwords_are_encrypted_and_never_stored_in_plain(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    row = db.session.execute(
        sa.select(MailboxConnection.__table__).where(MailboxConnection.id == connection.id)
    ).one()
    assert imap_account.password not in repr(tuple(row))
    assert COMPANY_SMTP_LOGIN[1] not in repr(tuple(row))
    assert crypto.decrypt(connection.imap_password_encrypted) == imap_account.password
    assert connections.smtp_login(connection).password == COMPANY_SMTP_LOGIN[1]


def test_bad_credentials_are_named_and_nothing_is_stored(imap_account, company_smtp):
    mailbox, _engagements, _token = make_pool()
    settings = connection_settings(imap_account, company_smtp, imap_password="wrong")
    with pytest.raises(connections.ConnectionFailed) as failed:
        connections.save_connection(mailbox, settings, by=owner_of(mailbox))
    db.session.rollback()
    assert failed.value.result.problems == [
        "The IMAP server refused the user name or password. Some providers need an app "
        "password for this."
    ]
    assert failed.value.result.smtp  # the SMTP server itself was fine
    assert connection_rows() == 0

    settings = connection_settings(imap_account, company_smtp, smtp_password="wrong")
    with pytest.raises(connections.ConnectionFailed) as failed:
        connections.save_connection(mailbox, settings, by=owner_of(mailbox))
    assert failed.value.result.problems == [
        "The SMTP server refused the user name or password. Some providers need an app "
        "password for this."
    ]
    db.session.rollback()
    assert connection_rows() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"imap_host": "imap.no-such-host.invalid"}, "“imap.no-such-host.invalid” was not found"),
        ({"imap_port": "free"}, "The IMAP server refused the connection"),
        ({"imap_security": Security.TLS}, "No encrypted connection (TLS) to the IMAP server"),
        ({"imap_security": Security.STARTTLS}, "does not offer STARTTLS"),
        ({"imap_folder": "Kunden"}, "The folder “Kunden” does not exist"),
        ({"sent_folder": "Gesendet"}, "The folder “Gesendet” does not exist"),
        ({"smtp_port": "free"}, "The SMTP server refused the connection"),
        ({"smtp_security": Security.TLS}, "No encrypted connection (TLS) to the SMTP server"),
        ({"smtp_security": Security.STARTTLS}, "The SMTP server does not offer STARTTLS"),
    ],
)
def test_the_connection_test_says_what_failed(imap_account, company_smtp, overrides, message):
    overrides = {k: free_port() if v == "free" else v for k, v in overrides.items()}
    result = connections.check_settings(
        connection_settings(imap_account, company_smtp, **overrides)
    )
    assert not result.ok
    assert len(result.problems) == 1
    assert message in result.problems[0]


def test_an_smtp_server_without_login_is_named(imap_account, smtp_sink):
    """The site's test sink offers no AUTH, as some servers do before STARTTLS."""
    result = connections.check_settings(connection_settings(imap_account, smtp_sink))
    assert result.problems == [
        "The SMTP server does not offer a login on this connection. Many servers offer it "
        "only after STARTTLS or on the port for sending mail (587 or 465)."
    ]


def test_a_mailbox_without_a_sent_folder_is_asked_for_its_name(imap_account, company_smtp):
    with imap_account.client() as client:
        client.delete_folder("Sent")
    result = connections.check_settings(connection_settings(imap_account, company_smtp))
    assert result.problems == [
        "We found no Sent folder in this mailbox. Please enter its name (e.g. “Sent” or "
        "“Gesendet”)."
    ]
    turned_off = connection_settings(imap_account, company_smtp, file_in_sent=False)
    assert connections.check_settings(turned_off).ok


def test_private_addresses_are_refused_where_they_are_not_allowed(
    app, imap_account, company_smtp, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_CONNECT_ALLOW_PRIVATE", False)
    result = connections.check_settings(connection_settings(imap_account, company_smtp))
    assert result.problems == [
        "The IMAP server “127.0.0.1” is on a private network address, which we may not connect to.",
        "The SMTP server “127.0.0.1” is on a private network address, which we may not connect to.",
    ]


def test_a_stored_password_only_goes_to_the_server_it_was_saved_for(imap_account, company_smtp):
    """Leaving the password empty keeps it, but only for the same server and user: a
    changed host would otherwise receive the stored password in the connection test."""
    mailbox, _engagements, _token = make_pool()
    connect(mailbox, imap_account, company_smtp)
    for change in (
        {"imap_host": "localhost"},  # the IMAP password to another host
        {"imap_username": "someone@else.example"},
        {"smtp_host": "localhost"},  # the SMTP password to another host
        {"smtp_username": "someone@else.example"},
        {"smtp_host": "localhost", "smtp_username": ""},  # the IMAP password to it
    ):
        settings = connection_settings(
            imap_account, company_smtp, imap_password="", smtp_password="", **change
        )
        with pytest.raises(DomainError, match="please enter the password again"):
            connections.check_settings(settings, connections.connection_of(mailbox))
    # The same servers with the fields left empty: the stored passwords are used.
    same = connection_settings(
        imap_account, company_smtp, imap_password="", smtp_password="", after_fetch="leave"
    )
    connections.save_connection(mailbox, same, by=owner_of(mailbox))
    db.session.commit()
    assert connections.connection_of(mailbox).after_fetch == "leave"


@pytest.fixture(scope="module")
def tls_dovecot():
    """Dovecot with TLS and STARTTLS, its certificate self-signed for "localhost"."""
    server = Dovecot(accounts=1, tls=True).start()
    yield server
    server.cleanup()


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_a_certificate_that_cannot_be_verified_is_refused(tls_dovecot, company_smtp, security):
    account = ImapAccount(tls_dovecot, *tls_dovecot.account(1))
    port = tls_dovecot.tls_port if security == Security.TLS else tls_dovecot.port
    settings = connection_settings(
        account,
        company_smtp,
        imap_host="localhost",
        imap_port=port,
        imap_security=security,
        file_in_sent=False,
    )
    assert connections.check_settings(settings).problems == [
        "The certificate of the IMAP server could not be verified for “localhost” (expired, "
        "self-signed or made out to another name). Please use the host name your provider gives."
    ]


def _answered_by_worker(mailbox, engagement, customer_message_id="<frage-1@kunde.example>"):
    inbound = deliver(mailbox, message_id=customer_message_id, references="<earlier@kunde.example>")
    claim = pool.claim_next(engagement.worker)
    db.session.commit()
    reply = pool.answer(claim.conversation, worker=engagement.worker, body="Sie ist unterwegs.")
    db.session.commit()  # the reply is sent after this commit (inline here)
    return inbound, db.session.get(Reply, reply.id)


def test_replies_leave_by_the_companys_server_and_are_filed_in_sent_once(
    imap_account, company_smtp, smtp_sink
):
    mailbox, (engagement,), _token = make_pool()
    connect(mailbox, imap_account, company_smtp)
    inbound, reply = _answered_by_worker(mailbox, engagement)

    assert reply.status == ReplyStatus.SENT
    assert smtp_sink.to("anna@kunde.example") == []  # not through the site's server
    sent = company_smtp.last_to("anna@kunde.example")
    # The company's address; the worker's first name beside the mailbox's name.
    first_name = engagement.worker.display_name.split()[0]
    assert sent["From"].addresses[0].addr_spec == "support@shop.example"
    assert sent["From"].addresses[0].display_name == f"{first_name} (Shop Support)"
    assert sent["Message-ID"] == reply.message_id
    assert sent["In-Reply-To"] == inbound.message_id
    assert sent["References"] == f"<earlier@kunde.example> {inbound.message_id}"
    mail_from, rcpt_tos, login = company_smtp.envelopes[-1]
    assert (mail_from, rcpt_tos) == ("support@shop.example", ["anna@kunde.example"])
    assert (login.login.decode(), login.password.decode()) == COMPANY_SMTP_LOGIN
    conversation = db.session.get(Conversation, reply.conversation_id)
    assert conversation.status == ConversationStatus.ANSWERED

    assert reply.sent_copy == SentCopy.FILED
    assert imap_account.message_ids("Sent") == [reply.message_id]
    with imap_account.client() as client:
        client.select_folder("Sent", readonly=True)
        filed = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]", "FLAGS"])
    (item,) = filed.values()
    assert b"Sie ist unterwegs." in item[b"BODY[]"]
    assert b"\\Seen" in item[b"FLAGS"]

    # Asked to file again (say, after a crash before the commit): still one copy.
    reply.sent_copy = SentCopy.PENDING
    db.session.commit()
    assert file_sent_copies() == 1
    assert imap_account.message_ids("Sent") == [reply.message_id]


def test_a_copy_that_cannot_be_filed_waits_and_is_filed_later(app, imap_account, company_smtp):
    mailbox, (engagement,), _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    connection.imap_port = free_port()  # the IMAP server is away for a moment
    db.session.commit()
    _inbound, reply = _answered_by_worker(mailbox, engagement)
    assert reply.status == ReplyStatus.SENT  # sending does not wait for the copy
    assert reply.sent_copy == SentCopy.PENDING
    assert db.session.get(MailboxConnection, connection.id).last_problem == "refused"

    db.session.get(MailboxConnection, connection.id).imap_port = imap_account.port
    db.session.commit()
    send_due_replies()  # nothing to send: a waiting copy is not retried on every answer
    assert db.session.get(Reply, reply.id).sent_copy == SentCopy.PENDING
    result = app.test_cli_runner().invoke(args=["mailboxes", "send"])  # cron
    assert "Filed 1 cop(y/ies) in Sent folders." in result.output
    db.session.expire_all()
    assert db.session.get(Reply, reply.id).sent_copy == SentCopy.FILED
    assert imap_account.message_ids("Sent") == [reply.message_id]


def test_a_refused_smtp_login_keeps_the_reply_queued(imap_account, company_smtp, smtp_sink):
    mailbox, (engagement,), _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    connection.smtp_password_encrypted = crypto.encrypt("changed-at-the-provider")
    db.session.commit()
    _inbound, reply = _answered_by_worker(mailbox, engagement)
    assert reply.status == ReplyStatus.QUEUED
    assert "SMTPAuthenticationError" in reply.last_error
    assert company_smtp.to("anna@kunde.example") == []
    assert smtp_sink.to("anna@kunde.example") == []  # never by another server instead
    assert imap_account.message_ids("Sent") == []


def test_disconnecting_forgets_the_account_and_sends_by_the_site_again(
    imap_account, company_smtp, smtp_sink
):
    mailbox, (engagement,), _token = make_pool()
    connect(mailbox, imap_account, company_smtp)
    connections.disconnect(mailbox, by=owner_of(mailbox))
    db.session.commit()
    assert connection_rows() == 0
    _inbound, reply = _answered_by_worker(mailbox, engagement)
    assert reply.status == ReplyStatus.SENT and reply.sent_copy == SentCopy.NONE
    assert smtp_sink.last_to("anna@kunde.example")["Message-ID"] == reply.message_id
    assert company_smtp.to("anna@kunde.example") == []


def test_secrets_rotate_to_a_new_key(app, imap_account, company_smtp, monkeypatch):
    mailbox, _engagements, _token = make_pool()
    connection = connect(mailbox, imap_account, company_smtp)
    old_keys = app.config["SECRETS_KEY"]
    new_key = "bmV3LWtleS1mb3ItdGhlLXNlY3JldHMtb2YtdGVzdHM="
    monkeypatch.setitem(app.config, "SECRETS_KEY", (new_key, *old_keys))
    result = app.test_cli_runner().invoke(args=["secrets", "rotate"])
    assert "Re-encrypted 2 secret(s)." in result.output
    db.session.expire_all()
    connection = db.session.get(MailboxConnection, connection.id)
    monkeypatch.setitem(app.config, "SECRETS_KEY", (new_key,))  # the old key is gone
    assert connections.imap_login(connection).password == imap_account.password
    assert connections.smtp_login(connection).password == COMPANY_SMTP_LOGIN[1]
