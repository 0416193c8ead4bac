"""A real SMTP server for tests (aiosmtpd), keeping every message it accepts.

``SMTPSink(login=("user", "password"))`` demands AUTH as a provider's submission
server does (530 without, 535 for a wrong password), and records who logged in."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import warnings
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: SMTPSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # A long subject is folded onto a continuation line, whose leading
        # space the parser keeps; mail programs drop it, and so do we.
        if message["Subject"] is not None:
            subject = str(message["Subject"]).strip()
            del message["Subject"]
            message["Subject"] = subject
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos),
                                        session.auth_data))  # fmt: skip
        return "250 Message accepted for delivery"


class SMTPSink:
    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        # (MAIL FROM, RCPT TOs, the AUTH login or None) of every accepted message
        self.envelopes: list[tuple[str, list[str], object]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.login = login
        auth: dict[str, object] = {}
        if login is not None:
            auth = {"authenticator": self._authenticate, "auth_required": True,
                    "auth_require_tls": False}  # fmt: skip
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **auth)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.login == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        with warnings.catch_warnings():
            # AUTH without TLS: fine on 127.0.0.1 in tests, which is what it warns about.
            warnings.simplefilter("ignore", UserWarning)
            self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no email to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]
