"""The mail-server side of the mailbox benchmark (tests/bench/mailboxes.py): filling a
Dovecot account's maildir, and the SMTP receiver as a process with smtplib clients."""

from __future__ import annotations

import itertools
import mailbox as stdlib_mailbox
import os
import signal
import smtplib
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.bench.run import BIN, ROOT
from tests.bench.workpool import busy_between, cpu_sample, percentiles
from tests.imap_server import Dovecot

# --- IMAP ------------------------------------------------------------------------------


def fill_maildir(server: Dovecot, username: str, messages: list[bytes]) -> float:
    """Write the emails straight into the account's INBOX (maildir), as delivered mail."""
    started = time.perf_counter()
    home = server.root / "mail" / username
    home.mkdir(parents=True, exist_ok=True)
    box = stdlib_mailbox.Maildir(home / "Maildir", create=True)
    for raw in messages:
        box.add(raw.replace(b"\r\n", b"\n"))
    box.close()
    uid, gid = server.mail_user.pw_uid, server.mail_user.pw_gid
    for path in [home, *home.rglob("*")]:
        os.chown(path, uid, gid)
    return round(time.perf_counter() - started, 1)


def index_mailbox(server: Dovecot, username: str, password: str) -> float:
    started = time.perf_counter()
    with server.client(username, password) as client:
        client.select_folder("INBOX", readonly=True)
        client.fetch(client.search(["ALL"]), ["RFC822.SIZE"])
    return round(time.perf_counter() - started, 1)


def unseen(server: Dovecot, username: str, password: str) -> int:
    with server.client(username, password) as client:
        client.select_folder("INBOX", readonly=True)
        return len(client.search(["UNSEEN"]))


# --- the SMTP receiver --------------------------------------------------------------------


def start_receiver(env: dict[str, str], port: int, log: Path, processes: int) -> subprocess.Popen:
    """`flask mailboxes smtpd --processes N` on the port, answering."""
    handle = log.open("a")
    proc = subprocess.Popen(
        [
            str(BIN / "flask"),
            "mailboxes",
            "smtpd",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--processes",
            str(processes),
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=handle,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"flask mailboxes smtpd stopped; see {log}") from None
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("flask mailboxes smtpd did not start")


def stop_receiver(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def send_all(
    port: int, address: str, messages: list[bytes], *, clients: int, per_connection: int
) -> dict[str, Any]:
    """Every email once, from ``clients`` threads, ``per_connection`` per connection."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def client() -> None:
        mine: list[float] = []
        conn: smtplib.SMTP | None = None
        sent_on_conn = 0
        while (n := next(counter)) < len(messages):
            try:
                if conn is None or sent_on_conn >= per_connection:
                    if conn is not None:
                        conn.quit()
                    conn, sent_on_conn = smtplib.SMTP("127.0.0.1", port, timeout=60), 0
                started = time.perf_counter()
                conn.sendmail("shop@provider.example", [address], messages[n])
                mine.append(time.perf_counter() - started)
                sent_on_conn += 1
            except (OSError, smtplib.SMTPException) as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                conn = None
        if conn is not None:
            conn.quit()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    sample = cpu_sample()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "messages": len(messages),
        "seconds": round(seconds, 2),
        "per_s": round(len(latencies) / seconds, 1),
        **percentiles(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "machine_busy_pct": busy_between(sample, cpu_sample()),
    }
