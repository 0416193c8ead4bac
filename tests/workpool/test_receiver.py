"""The SMTP receiver for forwarding addresses, driven with smtplib as a provider's
server would: mail for a mailbox's address is stored once; unknown recipients and
oversized mail are refused during the SMTP dialogue, and then nothing is stored."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.workpool import connections
from marketplace.workpool.models import Message
from marketplace.workpool.receiver import make_controller
from tests.conftest import WAIT_SECONDS
from tests.smtp_sink import free_port
from tests.workpool.helpers import customer_mail as lf_mail
from tests.workpool.helpers import pool as make_pool

LIMIT = 20_000


@pytest.fixture
def receiver(app, monkeypatch) -> Iterator[int]:
    """`flask mailboxes smtpd` on a free port, with a 20 KB limit; yields the port."""
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", LIMIT)
    port = free_port()
    controller = make_controller(app, "127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()
    controller.handler.close()


def customer_mail(**kwargs) -> bytes:
    """As mail servers send it: lines end in CRLF."""
    return lf_mail(**kwargs).replace(b"\n", b"\r\n")


def forwarding_address(app) -> tuple[int, str]:
    with app.app_context():
        mailbox, _engagements, _token = make_pool()
        return mailbox.id, connections.forwarding_address(mailbox)


def stored(app, mailbox_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Message.message_id).where(Message.mailbox_id == mailbox_id)
            )
        )


def send(port: int, to: str | list[str], raw: bytes) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.sendmail("shop@provider.example", to, raw)


def test_mail_for_a_forwarding_address_is_stored_once(app, receiver):
    mailbox_id, address = forwarding_address(app)
    assert address.endswith("@inbound.nebendesk.test")
    raw = customer_mail(message_id="<forwarded-1@kunde.example>")
    assert send(receiver, address, raw) == {}
    assert send(receiver, address.upper(), raw) == {}  # again, and in upper case
    assert stored(app, mailbox_id) == ["<forwarded-1@kunde.example>"]


def test_unknown_recipients_are_refused_at_rcpt_time(app, receiver):
    mailbox_id, address = forwarding_address(app)
    token, _at, _domain = address.partition("@")
    for wrong in ("nobody@inbound.nebendesk.test", f"{token}@other.example", "postmaster"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(receiver, wrong, customer_mail())
        ((code, text),) = refused.value.recipients.values()
        assert code == 550 and b"No such mailbox" in text
    # One good and one bad recipient: the good one gets it, the bad one is named.
    refused = send(receiver, [address, "nobody@inbound.nebendesk.test"], customer_mail())
    assert list(refused) == ["nobody@inbound.nebendesk.test"]
    assert len(stored(app, mailbox_id)) == 1


def test_oversized_mail_is_refused_during_the_dialogue(app, receiver):
    mailbox_id, address = forwarding_address(app)
    big = customer_mail(body=("Eine lange Zeile Text.\n" * (LIMIT // 20)))
    # A sender that reads the SIZE we announce is stopped at MAIL FROM …
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(receiver, address, big)
    assert refused.value.smtp_code == 552
    # … one that does not, after DATA.
    with smtplib.SMTP("127.0.0.1", receiver, timeout=30) as client:
        client.ehlo()
        assert client.mail("shop@provider.example")[0] == 250
        assert client.rcpt(address)[0] == 250
        code, _text = client.data(big)
    assert code == 552
    assert stored(app, mailbox_id) == []


def test_unreadable_mail_is_refused_and_a_mailbox_per_recipient_gets_its_copy(app, receiver):
    first_id, first = forwarding_address(app)
    second_id, second = forwarding_address(app)
    with smtplib.SMTP("127.0.0.1", receiver, timeout=30) as client:
        client.ehlo()
        client.mail("shop@provider.example")
        client.rcpt(first)
        code, text = client.data(b"Subject: hello\r\n\r\n")
    assert code == 554 and b"not an email we can read" in text
    assert send(receiver, [first, second], customer_mail(message_id="<both@kunde.example>")) == {}
    assert stored(app, first_id) == stored(app, second_id) == ["<both@kunde.example>"]


def test_a_new_forwarding_address_replaces_the_old_one(app, receiver):
    mailbox_id, old = forwarding_address(app)
    with app.app_context():
        from marketplace.workpool.models import Mailbox

        mailbox = db.session.get(Mailbox, mailbox_id)
        connections.rotate_forwarding_address(mailbox, by=mailbox.gig.company.memberships[0].user)
        db.session.commit()
        new = connections.forwarding_address(mailbox)
    assert new != old
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(receiver, old, customer_mail())
    assert send(receiver, new, customer_mail()) == {}
    assert len(stored(app, mailbox_id)) == 1


def test_an_address_replaced_while_the_receiver_remembers_it_is_refused(app, receiver):
    """The receiver remembers a recipient it found (no query for the next email); the
    address is checked again when the email is stored, so once the company has replaced
    it, nothing more is stored for the old one."""
    mailbox_id, old = forwarding_address(app)
    assert send(receiver, old, customer_mail(message_id="<before@kunde.example>")) == {}
    with app.app_context():
        from marketplace.workpool.models import Mailbox

        mailbox = db.session.get(Mailbox, mailbox_id)
        connections.rotate_forwarding_address(mailbox, by=mailbox.gig.company.memberships[0].user)
        db.session.commit()
        new = connections.forwarding_address(mailbox)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(receiver, old, customer_mail(message_id="<after@kunde.example>"))
    assert refused.value.smtp_code == 550 and b"No such mailbox" in refused.value.smtp_error
    assert send(receiver, new, customer_mail(message_id="<new@kunde.example>")) == {}
    assert sorted(stored(app, mailbox_id)) == ["<before@kunde.example>", "<new@kunde.example>"]


@pytest.mark.postgres
def test_database_connections_that_died_are_replaced_without_losing_mail(
    app, database_url, smtp_sink
):
    """The receiver does not ping a connection before each use (RECEIVER_CONFIG); when
    the database has dropped its connections (a restart), the next email still gets its
    250 and is stored once."""
    from marketplace import create_app
    from marketplace.workpool.receiver import RECEIVER_CONFIG
    from tests.conftest import make_test_config

    receiving = create_app(make_test_config(database_url, smtp_sink.url, **RECEIVER_CONFIG))
    mailbox_id, address = forwarding_address(app)
    port = free_port()
    controller = make_controller(receiving, "127.0.0.1", port)
    controller.start()
    try:
        assert send(port, address, customer_mail(message_id="<one@kunde.example>")) == {}
        with app.app_context():
            ended = db.session.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            db.session.rollback()
        assert ended >= 1  # the receiver's pooled connection, among others
        assert send(port, address, customer_mail(message_id="<two@kunde.example>")) == {}
    finally:
        controller.stop()
        controller.handler.close()
        with receiving.app_context():
            db.engine.dispose()
    assert sorted(stored(app, mailbox_id)) == ["<one@kunde.example>", "<two@kunde.example>"]


def test_store_processes_share_the_work_and_one_that_dies_is_replaced(app, monkeypatch):
    """``processes=2``: the SMTP side hands each email to two store processes (their app
    from the environment, as in production). A store process killed outright costs at
    most one 451 (the sender tries again), and mail keeps arriving, each email once."""
    import multiprocessing

    mailbox_id, address = forwarding_address(app)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    port = free_port()
    controller = make_controller(app, "127.0.0.1", port, processes=2)
    controller.start()
    try:
        for number in range(4):
            raw = customer_mail(message_id=f"<stored-{number}@kunde.example>")
            assert send(port, address, raw) == {}
        store_processes = multiprocessing.active_children()
        assert len(store_processes) == 2
        os.kill(store_processes[0].pid, signal.SIGKILL)
        store_processes[0].join(timeout=WAIT_SECONDS)
        refusals = []
        for attempt in range(3):
            try:
                send(port, address, customer_mail(message_id="<after-kill@kunde.example>"))
                break
            except smtplib.SMTPDataError as exc:  # the email the dead process had
                refusals.append((attempt, exc.smtp_code))
        assert refusals in ([], [(0, 451)])
        deadline = time.monotonic() + WAIT_SECONDS
        while any(process.is_alive() for process in store_processes):  # the broken pool's
            assert time.monotonic() < deadline  # other process is ended too
            time.sleep(0.05)
        assert len(multiprocessing.active_children()) == 2  # two new ones
    finally:
        controller.stop()
        controller.handler.close()
    assert sorted(stored(app, mailbox_id)) == sorted(
        ["<after-kill@kunde.example>", *(f"<stored-{n}@kunde.example>" for n in range(4))]
    )


def test_the_command_receives_with_store_processes(app):
    """`flask mailboxes smtpd --processes 2`, as deployed: a process of its own, stopped by
    SIGTERM; every email sent over new connections arrives once."""
    mailbox_id, address = forwarding_address(app)
    port = free_port()
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    command = [
        sys.executable,
        "-m",
        "flask",
        "mailboxes",
        "smtpd",
        "--port",
        str(port),
        "--processes",
        "2",
    ]
    root = Path(__file__).resolve().parents[2]
    with subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline and process.poll() is None
                    time.sleep(0.1)
            for number in range(6):
                raw = customer_mail(message_id=f"<process-{number}@kunde.example>")
                assert send(port, address, raw) == {}
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, output
    assert "stored by 2 process(es)" in output and "Stopped." in output
    assert sorted(stored(app, mailbox_id)) == [f"<process-{n}@kunde.example>" for n in range(6)]
