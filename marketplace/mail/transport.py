"""Sending one email through the transport that ``MAIL_URL`` names.

``smtp://host:port`` (plain), ``smtp+starttls://user:pass@host:587``,
``smtps://user:pass@host:465``, or ``console://`` for development: the
message is logged, and the dev outbox page shows it.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20


class TransportError(Exception):
    """The message was not accepted; it stays in the outbox for a retry."""


def send(mail_url: str, message: EmailMessage) -> None:
    url = urlsplit(mail_url)
    if url.scheme == "console":
        log.info(
            "console mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content()
        )
        return
    if url.scheme not in {"smtp", "smtp+starttls", "smtps"}:
        raise TransportError(f"unsupported MAIL_URL scheme {url.scheme!r}")
    host = url.hostname or "localhost"
    try:
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=SMTP_TIMEOUT_SECONDS
            )
        else:
            client = smtplib.SMTP(host, url.port or 25, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            if url.scheme == "smtp+starttls":
                client.starttls()
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
