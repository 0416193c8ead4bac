"""Sending one email through an SMTP server.

``MAIL_URL`` names the site's own transport: ``smtp://host:port`` (plain),
``smtp+starttls://user:pass@host:587``, ``smtps://user:pass@host:465``, or
``console://`` for development: the message is logged, and the dev outbox page
shows it. A company's own SMTP server (workpool/mailserver.py) is an
``SMTPServer`` built from its stored settings.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20


class TransportError(Exception):
    """The message was not accepted; it stays in the outbox for a retry."""


@dataclass(frozen=True)
class SMTPServer:
    host: str
    port: int
    tls: bool = False  # TLS from the first byte (465)
    starttls: bool = False  # plain, then STARTTLS (587)
    username: str = ""
    password: str = ""
    timeout: float = SMTP_TIMEOUT_SECONDS


def server_from_url(mail_url: str) -> SMTPServer:
    url = urlsplit(mail_url)
    if url.scheme not in {"smtp", "smtp+starttls", "smtps"}:
        raise TransportError(f"unsupported MAIL_URL scheme {url.scheme!r}")
    return SMTPServer(
        host=url.hostname or "localhost",
        port=url.port or (465 if url.scheme == "smtps" else 25),
        tls=url.scheme == "smtps",
        starttls=url.scheme == "smtp+starttls",
        username=unquote(url.username or ""),
        password=unquote(url.password or ""),
    )


def send(mail_url: str, message: EmailMessage) -> None:
    if urlsplit(mail_url).scheme == "console":
        log.info(
            "console mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content()
        )
        return
    send_via(server_from_url(mail_url), message)


def _connect(server: SMTPServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if server.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=server.timeout, context=context
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    try:
        if server.starttls:
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password)
    except BaseException:
        client.close()
        raise
    return client


def send_via(server: SMTPServer, message: EmailMessage) -> None:
    try:
        with _connect(server) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc


def check(server: SMTPServer) -> None:
    """Connect, encrypt and log in as for sending, then say goodbye; send nothing."""
    try:
        with _connect(server) as client:
            client.noop()
    except (OSError, smtplib.SMTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
