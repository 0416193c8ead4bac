"""Talking to a company's own mail servers: opening an IMAP session (imapclient)
and an SMTP one, and turning whatever goes wrong into a problem a person can act
on (DNS, refused, timeout, TLS, login, folder …), named in their language.

Every connection first resolves the host and refuses private, loopback and
link-local addresses unless MAIL_CONNECT_ALLOW_PRIVATE is on (development and
tests): a company must not be able to make our servers connect into our own
network by typing an address into a form.
"""

from __future__ import annotations

import imaplib
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, LoginError

from marketplace.mail import transport
from marketplace.workpool.models import Security


class Problem(StrEnum):
    DNS = "dns"
    PRIVATE = "private_address"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    TLS_CERTIFICATE = "tls_certificate"
    NO_STARTTLS = "no_starttls"
    NO_AUTH = "no_auth"
    LOGIN = "login"
    FOLDER = "folder"
    SENT_FOLDER = "sent_folder"
    NETWORK = "network"
    PROTOCOL = "protocol"
    SECRET = "secret"  # noqa: S105 - a problem code, not a password


@dataclass(frozen=True)
class ServerLogin:
    host: str
    port: int
    security: Security
    username: str
    password: str


class MailServerError(Exception):
    """A mail server could not be used; ``problem`` says why, ``detail`` in its words."""

    def __init__(self, service: str, problem: Problem, detail: str = "", folder: str = ""):
        super().__init__(f"{service} {problem}: {detail}")
        self.service = service  # "imap" or "smtp"
        self.problem = problem
        self.detail = detail[:500]
        self.folder = folder

    def message(self, host: str = "") -> str:
        return problem_message(self.service, self.problem, host=host, folder=self.folder)


def problem_message(service: str, problem: str, *, host: str = "", folder: str = "") -> str:
    """What went wrong, in the reader's language."""
    name = service.upper()  # "IMAP" or "SMTP"
    messages = {
        Problem.DNS: _("The %(service)s server “%(host)s” was not found (DNS). Please check "
                       "the spelling of the host name.", service=name, host=host),
        Problem.PRIVATE: _("The %(service)s server “%(host)s” is on a private network address, "
                           "which we may not connect to.", service=name, host=host),
        Problem.REFUSED: _("The %(service)s server refused the connection. Please check the "
                           "host name and the port.", service=name),
        Problem.TIMEOUT: _("The %(service)s server did not answer in time. Please check the "
                           "host name, the port and whether the server can be reached from "
                           "the internet.", service=name),
        Problem.TLS: _("No encrypted connection (TLS) to the %(service)s server could be set "
                       "up. Please check the port and the security setting (TLS or STARTTLS).",
                       service=name),
        Problem.TLS_CERTIFICATE: _("The certificate of the %(service)s server could not be "
                                   "verified for “%(host)s” (expired, self-signed or made out "
                                   "to another name). Please use the host name your provider "
                                   "gives.", service=name, host=host),
        Problem.NO_STARTTLS: _("The %(service)s server does not offer STARTTLS on this port. "
                               "Please choose TLS, or the port your provider gives for "
                               "STARTTLS.", service=name),
        Problem.NO_AUTH: _("The %(service)s server does not offer a login on this connection. "
                           "Many servers offer it only after STARTTLS or on the port for "
                           "sending mail (587 or 465).", service=name),
        Problem.LOGIN: _("The %(service)s server refused the user name or password. Some "
                         "providers need an app password for this.", service=name),
        Problem.FOLDER: _("The folder “%(folder)s” does not exist in this mailbox.",
                          folder=folder),
        Problem.SENT_FOLDER: _("We found no Sent folder in this mailbox. Please enter its name "
                               "(e.g. “Sent” or “Gesendet”)."),
        Problem.NETWORK: _("The connection to the %(service)s server was lost. We will try "
                           "again.", service=name),
        Problem.PROTOCOL: _("The %(service)s server gave an answer we did not expect.",
                            service=name),
        Problem.SECRET: _("The stored password cannot be read any more (the site's key was "
                          "changed). Please enter the password again."),
    }  # fmt: skip
    return messages.get(problem, _("The %(service)s server could not be used.", service=name))


def classify(exc: BaseException) -> Problem:
    """The problem behind an exception from socket, ssl, imaplib/imapclient or smtplib."""
    if isinstance(exc, transport.TransportError) and exc.__cause__ is not None:
        return classify(exc.__cause__)
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc):
        return Problem.NO_AUTH
    checks: list[tuple[type | tuple[type, ...], Problem]] = [
        (socket.gaierror, Problem.DNS),
        (ConnectionRefusedError, Problem.REFUSED),
        (TimeoutError, Problem.TIMEOUT),
        (ssl.SSLCertVerificationError, Problem.TLS_CERTIFICATE),
        (ssl.SSLError, Problem.TLS),
        ((LoginError, smtplib.SMTPAuthenticationError), Problem.LOGIN),
        (CapabilityError, Problem.NO_STARTTLS),
        (smtplib.SMTPNotSupportedError, Problem.NO_STARTTLS),
        ((imaplib.IMAP4.abort, smtplib.SMTPServerDisconnected, OSError), Problem.NETWORK),
    ]
    for kinds, problem in checks:
        if isinstance(exc, kinds):
            return problem
    return Problem.PROTOCOL


def _check_address(service: str, host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MailServerError(service, Problem.DNS, str(exc)) from exc
    if current_app.config["MAIL_CONNECT_ALLOW_PRIVATE"]:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise MailServerError(service, Problem.PRIVATE, str(address))


def _timeout() -> int:
    return current_app.config["MAIL_CONNECT_TIMEOUT"]


def open_imap(login: ServerLogin) -> IMAPClient:
    """A logged-in IMAP session; the caller logs out (or use ``imap_session``)."""
    _check_address("imap", login.host, login.port)
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            login.host,
            port=login.port,
            ssl=login.security == Security.TLS,
            ssl_context=context,
            timeout=_timeout(),
        )
    except Exception as exc:
        raise MailServerError("imap", classify(exc), str(exc)) from exc
    try:
        if login.security == Security.STARTTLS:
            client.starttls(context)
        client.login(login.username, login.password)
    except Exception as exc:
        close_imap(client)
        raise MailServerError("imap", classify(exc), _server_words(exc)) from exc
    return client


def close_imap(client: IMAPClient) -> None:
    with suppress(Exception):
        client.logout()
    with suppress(Exception):
        client.shutdown()


@contextmanager
def imap_session(login: ServerLogin) -> Iterator[IMAPClient]:
    client = open_imap(login)
    try:
        yield client
    finally:
        close_imap(client)


def _server_words(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)


def smtp_server(login: ServerLogin) -> transport.SMTPServer:
    return transport.SMTPServer(
        host=login.host,
        port=login.port,
        tls=login.security == Security.TLS,
        starttls=login.security == Security.STARTTLS,
        username=login.username,
        password=login.password,
        timeout=_timeout(),
    )


def check_smtp(login: ServerLogin) -> None:
    """Connect, encrypt and log in, send nothing; a MailServerError says what failed."""
    _check_address("smtp", login.host, login.port)
    try:
        transport.check(smtp_server(login))
    except transport.TransportError as exc:
        raise MailServerError("smtp", classify(exc), str(exc)) from exc


def send_smtp(login: ServerLogin, message) -> None:
    """Send by the company's SMTP server; a MailServerError when it was not accepted."""
    _check_address("smtp", login.host, login.port)
    try:
        transport.send_via(smtp_server(login), message)
    except transport.TransportError as exc:
        raise MailServerError("smtp", classify(exc), str(exc)) from exc


def imap_failure(exc: BaseException, folder: str = "") -> MailServerError:
    """An exception raised during an IMAP session, as a MailServerError."""
    if isinstance(exc, MailServerError):
        return exc
    return MailServerError("imap", classify(exc), _server_words(exc), folder=folder)
