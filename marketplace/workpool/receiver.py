"""The SMTP receiver for forwarding addresses (``flask mailboxes smtpd``).

A company sets a forwarding rule at its mail provider to its mailbox's address
``<token>@INBOUND_DOMAIN``; the provider (or our Postfix in front, see the README)
delivers here. Refusals happen during the SMTP dialogue, so the sender's server
bounces the mail rather than us dropping it silently:

- RCPT TO an address that is not a mailbox's forwarding address: 550;
- a message larger than INBOUND_MAX_BYTES: 552 (announced as SIZE in EHLO, so
  well-behaved senders stop at MAIL FROM);
- a message that is not a readable email: 554; a database failure: 451 (try again).

A recipient found once is remembered for ``ADDRESS_MEMORY_SECONDS`` (only hits:
an unknown address is looked up every time), so the RCPT of the next email for the
same mailbox needs no query; when the mail is stored the address is checked against
the mailbox again, so a forwarding address the company has just replaced is refused
then (550 after DATA) rather than stored.

Accepted mail is stored by ``inbound.store`` (the same parsing, threading and
Message-ID de-duplication as the HTTP endpoint and IMAP) and committed before
"250" is answered. The asyncio loop only talks SMTP; parsing and storing (the
``Storage``) runs elsewhere, each email in its own application context and session:

- one process (the default): in a small thread pool beside the loop, so all of it
  shares one core (Python's GIL);
- ``--processes N``: in N store processes fed by one queue, so the work spreads over
  the cores however many connections the senders open (with processes that each
  speak SMTP on a shared port, the kernel spreads *connections*, and a provider with
  three connections open keeps one process busy and the other idle).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TypeVar

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.exc import DBAPIError

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import inbound
from marketplace.workpool.connections import is_forwarding_address, mailbox_for_address
from marketplace.workpool.models import Mailbox

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_RECIPIENTS = 20
DB_THREADS = 4
ADDRESS_MEMORY_SECONDS = 60.0
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"
NO_SUCH_MAILBOX = "550 5.1.1 No such mailbox here"

# The receiver does not ping a pooled connection before each use (a round trip per
# email, a tenth of its throughput): ``Storage._in_app`` runs the work again when a
# connection turns out dead instead.
RECEIVER_CONFIG = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}}


def receiver_app() -> Flask:
    """The app a receiver process runs: the configuration from the environment, as
    every process has it, with RECEIVER_CONFIG."""
    from marketplace import create_app

    return create_app(RECEIVER_CONFIG)


class Storage:
    """The receiver's database side. Its answers are plain values (a mailbox id or an
    SMTP reply), never exceptions, so that they cross a process boundary as they are."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _in_app(self, work: Callable[[], T]) -> T:
        """``work`` in an application context of its own (session removed after). A
        pooled connection that died meanwhile (the database restarted) fails the first
        statement; SQLAlchemy then replaces the pool, and the work runs once more."""
        for attempt in (1, 2):
            with self.app.app_context():
                try:
                    return work()
                except DBAPIError as exc:
                    db.session.rollback()
                    if not (exc.connection_invalidated and attempt == 1):
                        raise
                finally:
                    db.session.remove()
        raise AssertionError("unreachable")

    def lookup(self, address: str) -> int | str:
        """The id of the mailbox this address forwards to, or the SMTP reply refusing it."""

        def work() -> int | str:
            mailbox = mailbox_for_address(address)
            return mailbox.id if mailbox else NO_SUCH_MAILBOX

        try:
            return self._in_app(work)
        except DBAPIError:
            log.exception("looking up %s", address)
            return TEMPORARY_FAILURE

    def store(self, recipients: list[tuple[str, int]], raw: bytes) -> str:
        """Store the email once for each recipient's mailbox; the SMTP reply."""

        def work() -> str:
            stored = set()
            for address, mailbox_id in recipients:
                mailbox = db.session.get(Mailbox, mailbox_id)
                # Remembered at RCPT time: the address may have been replaced since.
                if mailbox is None or not is_forwarding_address(mailbox, address):
                    continue
                if mailbox_id not in stored:
                    inbound.store(mailbox, raw)
                    stored.add(mailbox_id)
            if not stored:
                db.session.rollback()
                return NO_SUCH_MAILBOX
            db.session.commit()
            return "250 2.0.0 Stored"

        try:
            return self._in_app(work)
        except DomainError as exc:
            return f"554 5.6.0 {_ascii(exc.message)}"
        except DBAPIError:
            log.exception("storing forwarded mail")
            return TEMPORARY_FAILURE


def _ascii(text: str) -> str:
    """SMTP replies are ASCII: the English message (the refusal goes to a server)."""
    return text.encode("ascii", "replace").decode()


# --- store processes (--processes N) ----------------------------------------------------

_process_storage: Storage | None = None


def _start_store_process() -> None:
    """In each store process: its own app. Ctrl+C (sent to the whole process group) is
    for the SMTP process, which lets us finish the emails in hand and then stops us;
    SIGTERM still ends a store process (the pool ends the rest of a broken pool so)."""
    global _process_storage
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _process_storage = Storage(receiver_app())


def _in_store_process(method: str, *args):  # type: ignore[no-untyped-def]
    assert _process_storage is not None
    return getattr(_process_storage, method)(*args)


def _ready() -> bool:
    return _process_storage is not None


class StoreProcesses:
    """N store processes behind one queue (a process that dies is replaced, with the
    emails it had answered 451 so that their senders try again)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.executor = self._start()
        self._restarting = asyncio.Lock()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_store_process,
        )
        # Submitted together, these start all the processes; one has built its app (a
        # configuration error shows here) before the first email.
        waiting = [executor.submit(_ready) for _ in range(self.processes)]
        for job in waiting:
            job.result(timeout=120)
        return executor

    async def call(self, method: str, *args):  # type: ignore[no-untyped-def]
        executor = self.executor
        try:
            return await asyncio.get_running_loop().run_in_executor(
                executor, partial(_in_store_process, method), *args
            )
        except BrokenProcessPool:
            await self._restart(executor)
            return TEMPORARY_FAILURE

    async def _restart(self, broken: ProcessPoolExecutor) -> None:
        async with self._restarting:
            if self.executor is not broken:  # another email's failure did it already
                return
            log.error("a store process died; starting the store processes again")
            self.executor = await asyncio.get_running_loop().run_in_executor(None, self._start)
            broken.shutdown(wait=False)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class StoreThreads:
    """The Storage on a few threads of this process."""

    def __init__(self, app: Flask, threads: int = DB_THREADS) -> None:
        self.storage = Storage(app)
        self.executor: Executor = ThreadPoolExecutor(threads, thread_name_prefix="smtpd-db")

    async def call(self, method: str, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, getattr(self.storage, method), *args
        )

    def close(self) -> None:
        self.executor.shutdown(wait=True)


# --- SMTP -------------------------------------------------------------------------------


class KnownAddresses:
    """Forwarding addresses found recently (address → mailbox id), for a while. Used
    only from the event loop's thread."""

    def __init__(self, seconds: float = ADDRESS_MEMORY_SECONDS) -> None:
        self.seconds = seconds
        self._found: dict[str, tuple[int, float]] = {}

    @staticmethod
    def _key(address: str) -> str:
        return address.strip().strip("<>").lower()

    def get(self, address: str) -> int | None:
        hit = self._found.get(self._key(address))
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def remember(self, address: str, mailbox_id: int) -> None:
        if len(self._found) > 10_000:  # far more mailboxes than one receiver sees in a minute
            self._found.clear()
        self._found[self._key(address)] = (mailbox_id, time.monotonic() + self.seconds)


class InboundHandler:
    def __init__(self, store: StoreThreads | StoreProcesses) -> None:
        self.store = store
        self.known = KnownAddresses()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        mailbox_id = self.known.get(address)
        if mailbox_id is None:
            found = await self.store.call("lookup", address)
            if isinstance(found, str):
                return found
            mailbox_id = found
            self.known.remember(address, mailbox_id)
        envelope.rcpt_tos.append(address)
        envelope.recipients = [*getattr(envelope, "recipients", []), (address, mailbox_id)]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        recipients = getattr(envelope, "recipients", [])
        if not recipients:
            return "554 5.5.1 No valid recipients"
        content = envelope.original_content or envelope.content
        return await self.store.call("store", recipients, content)

    def close(self) -> None:
        self.store.close()


def make_controller(app: Flask, host: str, port: int, *, processes: int = 1) -> Controller:
    """The receiver, not started yet (``start()`` runs it in its own thread). With
    ``processes`` > 1 the store processes build their app from the environment."""
    store = StoreProcesses(processes) if processes > 1 else StoreThreads(app)
    return Controller(
        InboundHandler(store),
        hostname=host,
        port=port,
        ready_timeout=30,
        data_size_limit=app.config["INBOUND_MAX_BYTES"],
        enable_SMTPUTF8=True,
        ident="Nebendesk inbound",
        server_hostname=app.config["INBOUND_DOMAIN"] or None,
    )


def serve(app: Flask, host: str, port: int, stop: threading.Event, *, processes: int) -> None:
    """Receive until ``stop`` is set."""
    controller = make_controller(app, host, port, processes=processes)
    controller.start()
    try:
        stop.wait()
    finally:
        controller.stop()
        controller.handler.close()
