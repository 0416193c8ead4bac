"""The live view against real processes: gunicorn with threaded workers, a logged-in
moderator's session cookie, SSE readers in threads, and a community posting
through the API. Used by the multi-process test and the live view benchmark."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACCESS_FORMAT = '%(p)s "%(r)s" %(s)s'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(app, user_id: int) -> str:
    """The signed session cookie of a fresh login of the user (as the login form
    makes it); any process with the same SECRET_KEY accepts it."""
    from marketplace.accounts import logins
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    with app.app_context():
        login = logins.begin(db.session.get(User, user_id), user_agent="pytest", remember=False)
        key = login.key
        db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    return (
        f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'_user_id': key, '_fresh': True})}"
    )


class LiveServer:
    """gunicorn -w N -k gthread on a free port, in its own process group, with an
    access log naming the worker's pid for every request."""

    def __init__(self, env: dict[str, str], log_dir: Path, *, workers: int = 2, threads: int = 40):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = log_dir / "access.log"
        self._log = (log_dir / "gunicorn.log").open("a")
        full_env = {**os.environ, "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1", **env}
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "--access-logfile", str(self.access_log), "--access-logformat", ACCESS_FORMAT,
             "wsgi:app"],
            cwd=ROOT, env=full_env, stdout=self._log, stderr=self._log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {log_dir / 'gunicorn.log'}")
            try:
                if request("GET", self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def pids_of(self, fragment: str) -> list[int]:
        """The worker pids that answered requests whose request line holds ``fragment``."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return [int(line.split(" ", 1)[0].strip("<>")) for line in lines if fragment in line]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def request(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""),
                           body=data, headers={**sent, **(headers or {})})  # fmt: skip
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post_item(base: str, community_id: int, token: str, item: dict[str, Any]) -> int:
    status, _body = request(
        "POST",
        f"{base}/api/v1/communities/{community_id}/items",
        item,
        {"Authorization": f"Bearer {token}"},
    )
    return status


class Watcher(threading.Thread):
    """One open live view: reads the SSE stream and notes when each event arrived."""

    def __init__(self, url: str, cookie: str, *, reconnect_until: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.cookie = cookie
        self.reconnect_until = reconnect_until
        self.connected = threading.Event()
        self.received: list[tuple[float, dict[str, Any]]] = []
        self.statuses: list[int] = []
        self.last_id = ""
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.is_set():
            self._read_once()
            if time.monotonic() >= self.reconnect_until:
                return

    def _read_once(self) -> None:
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Cookie": self.cookie, "Accept": "text/event-stream", "User-Agent": "pytest"}
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        try:
            connection.request("GET", f"{parts.path}?{parts.query}", headers=headers)
            response = connection.getresponse()
            self.statuses.append(response.status)
            if response.status != 200:
                return
            self.connected.set()
            event: dict[str, str] = {}
            while not self._halt.is_set():
                line = response.readline()
                if not line:
                    return
                text = line.decode().rstrip("\n")
                if text == "":
                    if "data" in event:
                        self.last_id = event.get("id", self.last_id)
                        self.received.append((time.monotonic(), json.loads(event["data"])))
                    event = {}
                elif not text.startswith(":") and ": " in text:
                    name, value = text.split(": ", 1)
                    event[name] = value
        except OSError:
            return
        finally:
            connection.close()

    def arrival_of(self, text: str) -> float | None:
        for moment, data in list(self.received):
            if data.get("text") == text:
                return moment
        return None
