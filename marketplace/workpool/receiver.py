"""The SMTP receiver for forwarding addresses (``flask mailboxes smtpd``).

A company sets a forwarding rule at its mail provider to its mailbox's address
``<token>@INBOUND_DOMAIN``; the provider (or our Postfix in front, see the README)
delivers here. Refusals happen during the SMTP dialogue, so the sender's server
bounces the mail rather than us dropping it silently:

- RCPT TO an address that is not a mailbox's forwarding address: 550;
- a message larger than INBOUND_MAX_BYTES: 552 (announced as SIZE in EHLO, so
  well-behaved senders stop at MAIL FROM);
- a message that is not a readable email: 554; a database failure: 451 (try again).

Accepted mail is stored by ``inbound.store`` (the same parsing, threading and
Message-ID de-duplication as the HTTP endpoint and IMAP) and committed before
"250" is answered. The asyncio loop only talks SMTP; the database work runs in a
small thread pool, each job in its own application context and session. One
process parses and stores on one core (Python's GIL); ``--processes N`` runs N
receivers on the same port (SO_REUSEPORT), as gunicorn runs several workers.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.exc import DBAPIError, OperationalError

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import inbound
from marketplace.workpool.connections import mailbox_for_address
from marketplace.workpool.models import Mailbox

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 20
DB_THREADS = 4


class InboundHandler:
    def __init__(self, app: Flask, threads: int = DB_THREADS) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="smtpd-db")

    async def _run(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    def _lookup(self, address: str) -> int | None:
        with self.app.app_context():
            try:
                mailbox = mailbox_for_address(address)
                return mailbox.id if mailbox else None
            finally:
                db.session.remove()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            mailbox_id = await self._run(self._lookup, address)
        except OperationalError:
            log.exception("looking up %s", address)
            return "451 4.3.0 Temporary failure, please try again later"
        if mailbox_id is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.mailbox_ids = [*getattr(envelope, "mailbox_ids", []), mailbox_id]
        return "250 2.1.5 OK"

    def _store(self, mailbox_ids: list[int], raw: bytes) -> str:
        with self.app.app_context():
            try:
                for mailbox_id in dict.fromkeys(mailbox_ids):
                    inbound.store(db.session.get(Mailbox, mailbox_id), raw)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                return f"554 5.6.0 {_ascii(exc.message)}"
            except DBAPIError:
                db.session.rollback()
                log.exception("storing forwarded mail")
                return "451 4.3.0 Temporary failure, please try again later"
            finally:
                db.session.remove()
        return "250 2.0.0 Stored"

    async def handle_DATA(self, server, session, envelope):
        mailbox_ids = getattr(envelope, "mailbox_ids", [])
        if not mailbox_ids:
            return "554 5.5.1 No valid recipients"
        content = envelope.original_content or envelope.content
        return await self._run(self._store, mailbox_ids, content)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def _ascii(text: str) -> str:
    """SMTP replies are ASCII: the English message (the refusal goes to a server)."""
    return text.encode("ascii", "replace").decode()


class _Controller(Controller):
    """aiosmtpd's controller, optionally sharing its port with sibling processes
    (SO_REUSEPORT: the kernel spreads new connections over them)."""

    def __init__(self, *args, reuse_port: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reuse_port = reuse_port

    def _create_server(self):
        return self.loop.create_server(
            self._factory_invoker,
            host=self.hostname,
            port=self.port,
            ssl=self.ssl_context,
            reuse_port=self.reuse_port or None,
        )

    def _trigger_server(self) -> None:
        # aiosmtpd connects to its own port to see its server answer; with siblings on
        # the port another process may answer, so the protocol is built here instead.
        if self.reuse_port:
            self.smtpd = self.factory()
            self._factory_invoked.set()
        else:
            super()._trigger_server()


def make_controller(app: Flask, host: str, port: int, *, reuse_port: bool = False) -> Controller:
    """The receiver, not started yet (``start()`` runs it in its own thread)."""
    return _Controller(
        InboundHandler(app),
        hostname=host,
        port=port,
        reuse_port=reuse_port,
        ready_timeout=30,
        data_size_limit=app.config["INBOUND_MAX_BYTES"],
        enable_SMTPUTF8=True,
        ident="Nebendesk inbound",
        server_hostname=app.config["INBOUND_DOMAIN"] or None,
    )


def serve(app: Flask, host: str, port: int, stop: threading.Event, *, reuse_port: bool) -> None:
    """Receive until ``stop`` is set."""
    controller = make_controller(app, host, port, reuse_port=reuse_port)
    controller.start()
    try:
        stop.wait()
    finally:
        controller.stop()
        controller.handler.close()


def serve_process(host: str, port: int) -> None:
    """One of several receiver processes (``flask mailboxes smtpd --processes N``): its
    own app, the same port, until SIGTERM."""
    from marketplace import create_app

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    serve(create_app(), host, port, stop, reuse_port=True)
