"""A real IMAP server for tests and benchmarks: Debian's Dovecot (``dovecot-imapd``)
in the foreground with its own configuration, a passwd-file of users and their
maildirs in a temporary folder, on a free port of 127.0.0.1. ``.ci/run`` installs
Dovecot when it is missing.

Dovecot runs as root here (as the tests do) and keeps the mail as ``nobody``;
failed logins are answered at once (``auth_failure_delay = 0``, and 127.0.0.1 is
a trusted network, so no growing penalty) instead of after seconds. Dovecot
re-reads its passwd-file at most once a second, so the accounts are all made
before it starts: ``Dovecot(accounts=n)`` gives ``shop<i>@shop.example`` with the
password ``imap-password-<i>`` for i = 1 … n.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

from tests.smtp_sink import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={user} gid={group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


def dovecot_available() -> bool:
    return os.path.exists(DOVECOT)


class Dovecot:
    """``start()`` / ``stop()``; ``add_user()``, ``client()``, ``append()`` for tests."""

    def __init__(self, accounts: int = 0, *, tls: bool = False) -> None:
        """``tls``: also IMAP over TLS on ``tls_port`` (and STARTTLS on ``port``) with a
        self-signed certificate for "localhost", which no client trusts."""
        self.root = Path(tempfile.mkdtemp(prefix="nebendesk-dovecot-"))
        self.root.chmod(0o755)  # Dovecot's processes run as nobody
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir()
        self.mail_user = pwd.getpwnam("nobody")
        os.chown(self.root / "mail", self.mail_user.pw_uid, self.mail_user.pw_gid)
        (self.root / "passwd").write_text("")
        for number in range(1, accounts + 1):
            self.add_user(*self.account(number))
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.proc: subprocess.Popen | None = None
        ssl = "ssl = no"
        if tls:
            _self_signed(self.root)
            ssl = f"ssl = yes\nssl_cert = <{self.root}/cert.pem\nssl_key = <{self.root}/key.pem"
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                tls_port=self.tls_port,
                ssl=ssl,
                user="nobody",
                group="nogroup",
            )
        )

    def start(self) -> Dovecot:
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"dovecot stopped: {self.log()}") from None
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start again: every open connection is cut."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    @staticmethod
    def account(number: int) -> tuple[str, str]:
        return f"shop{number}@shop.example", f"imap-password-{number}"

    def add_user(self, name: str, password: str) -> None:
        """Before start() only (see above)."""
        with (self.root / "passwd").open("a") as passwd:
            passwd.write(f"{name}:{{PLAIN}}{password}::::::\n")

    def remove_mail(self, name: str) -> None:
        """Empty a user's whole mailbox (the user stays)."""
        shutil.rmtree(self.root / "mail" / name, ignore_errors=True)

    def client(self, name: str, password: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(name, password)
        return client

    def append(self, name: str, password: str, folder: str, *messages: bytes) -> None:
        with self.client(name, password) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)


def _self_signed(folder: Path) -> None:
    """A key and a self-signed certificate for "localhost" (cryptography)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
