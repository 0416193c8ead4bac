"""Fixtures with real mail servers for the mailbox-connection tests (imported by
tests/conftest.py): Dovecot (IMAP) for the whole run, a fresh IMAP account per
test, and the company's own SMTP server (aiosmtpd, AUTH required)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.imap_server import Dovecot, dovecot_available
from tests.smtp_sink import SMTPSink
from tests.workpool.imap_helpers import COMPANY_SMTP_LOGIN

ACCOUNTS = 500  # one fresh account per test that asks for one
_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not dovecot_available():
        pytest.fail("Dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)")
    server = Dovecot(accounts=ACCOUNTS).start()
    yield server
    server.cleanup()


@dataclass
class ImapAccount:
    server: Dovecot
    username: str
    password: str

    @property
    def port(self) -> int:
        return self.server.port

    def client(self):
        return self.server.client(self.username, self.password)

    def append(self, *messages: bytes, folder: str = "INBOX", msg_time=None) -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw, msg_time=msg_time)

    def message_ids(self, folder: str = "INBOX", *, unseen: bool = False) -> list[str]:
        """The Message-IDs in a folder (only unread ones with ``unseen``), in UID order."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["UNSEEN"] if unseen else ["ALL"])
            found = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            headers = [found[uid][b"BODY[HEADER.FIELDS (MESSAGE-ID)]"] for uid in sorted(found)]
            return [h.decode().partition(":")[2].strip() for h in headers]

    def create_folder(self, name: str) -> None:
        with self.client() as client:
            client.create_folder(name)


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    """A new, empty account on the Dovecot server (with a Sent folder)."""
    account = ImapAccount(dovecot, *dovecot.account(next(_accounts)))
    account.create_folder("Sent")
    return account


@pytest.fixture(scope="session")
def company_smtp_server() -> Iterator[SMTPSink]:
    sink = SMTPSink(login=COMPANY_SMTP_LOGIN)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def company_smtp(company_smtp_server: SMTPSink) -> SMTPSink:
    company_smtp_server.clear()
    return company_smtp_server
