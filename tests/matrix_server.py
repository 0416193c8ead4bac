"""A real Matrix homeserver for tests: Synapse (``matrix-synapse`` from PyPI) in its
own virtualenv (``make synapse`` makes ``.synapse-venv``; its pins conflict with the
project's), with SQLite, a generated configuration in a temporary folder and the
overrides a machine without internet needs (no key servers, raised rate limits), on
a free port of 127.0.0.1.

``Synapse().start()`` waits for ``/health``; users are registered with the
shared-secret admin API (``register``), and ``MatrixUser`` speaks the client-server
API with plain HTTP so the tests see the room as its people do (the code under test
uses matrix-nio).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[1]
SYNAPSE_PYTHON = ROOT / ".synapse-venv" / "bin" / "python"

OVERRIDES = """\
server_name: localhost
public_baseurl: http://127.0.0.1:{port}/
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
trusted_key_servers: []
suppress_key_server_warning: true
report_stats: false
enable_metrics: false
registration_shared_secret: "{secret}"
rc_message: {{per_second: 10000, burst_count: 10000}}
rc_registration: {{per_second: 10000, burst_count: 10000}}
rc_login:
  address: {{per_second: 10000, burst_count: 10000}}
  account: {{per_second: 10000, burst_count: 10000}}
  failed_attempts: {{per_second: 10000, burst_count: 10000}}
rc_joins:
  local: {{per_second: 10000, burst_count: 10000}}
  remote: {{per_second: 10000, burst_count: 10000}}
rc_invites:
  per_room: {{per_second: 10000, burst_count: 10000}}
  per_user: {{per_second: 10000, burst_count: 10000}}
rc_admin_redaction: {{per_second: 10000, burst_count: 10000}}
"""


def synapse_available() -> bool:
    return SYNAPSE_PYTHON.exists()


def _request(url: str, method: str = "GET", body: Any = None, token: str = "") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Synapse:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nebendesk-synapse-"))
        self.port = free_port()
        self.secret = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self) -> Synapse:
        subprocess.run(
            [
                str(SYNAPSE_PYTHON),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                "localhost",
                "--config-path",
                str(self.root / "homeserver.yaml"),
                "--data-directory",
                str(self.root),
                "--generate-config",
                "--report-stats=no",
            ],
            cwd=self.root,
            check=True,
            capture_output=True,
        )
        (self.root / "overrides.yaml").write_text(
            OVERRIDES.format(port=self.port, secret=self.secret)
        )
        self._log = (self.root / "stdout.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(SYNAPSE_PYTHON),
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(self.root / "homeserver.yaml"),
                "-c",
                str(self.root / "overrides.yaml"),
            ],
            cwd=self.root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"synapse stopped: {self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"synapse did not start: {self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "stdout.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    _names = itertools.count(1)

    def register(self, name: str | None = None, *, admin: bool = False) -> MatrixUser:
        """A new user through the shared-secret admin API; returns it logged in."""
        name = name or f"user{next(self._names)}"
        password = secrets.token_hex(8)
        url = f"{self.url}/_synapse/admin/v1/register"
        _status, answer = _request(url)
        nonce = answer["nonce"]
        message = "\x00".join((nonce, name, password, "admin" if admin else "notadmin"))
        mac = hmac.new(self.secret.encode(), message.encode(), hashlib.sha1)
        status, answer = _request(
            url,
            "POST",
            {
                "nonce": nonce,
                "username": name,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        assert status == 200, answer
        return MatrixUser(self, answer["user_id"], answer["access_token"])


class MatrixUser:
    """A person in the test rooms, over the plain client-server API."""

    _txns = itertools.count(1)

    def __init__(self, server: Synapse, user_id: str, token: str) -> None:
        self.server = server
        self.user_id = user_id
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict]:
        return _request(f"{self.server.url}/_matrix/client/v3{path}", method, body, self.token)

    def create_room(self, *, alias: str = "", invite: tuple[str, ...] = (), power=None) -> str:
        # A private room: only the invited may join (version 10: ids with ":server").
        body: dict[str, Any] = {"room_version": "10", "preset": "private_chat"}
        if alias:
            body["room_alias_name"] = alias
        if invite:
            body["invite"] = list(invite)
        if power:
            body["power_level_content_override"] = {"users": {self.user_id: 100, **power}}
        status, answer = self.call("POST", "/createRoom", body)
        assert status == 200, answer
        return answer["room_id"]

    def join(self, room: str) -> tuple[int, dict]:
        return self.call("POST", f"/join/{quote(room)}", {})

    def invite(self, room_id: str, user_id: str) -> None:
        status, answer = self.call("POST", f"/rooms/{quote(room_id)}/invite", {"user_id": user_id})
        assert status == 200, answer

    def set_displayname(self, name: str) -> None:
        status, answer = self.call(
            "PUT", f"/profile/{quote(self.user_id)}/displayname", {"displayname": name}
        )
        assert status == 200, answer

    def send(self, room_id: str, text: str) -> tuple[int, dict]:
        txn = f"t{time.time_ns()}-{next(self._txns)}"
        return self.call(
            "PUT",
            f"/rooms/{quote(room_id)}/send/m.room.message/{txn}",
            {"msgtype": "m.text", "body": text},
        )

    def event(self, room_id: str, event_id: str) -> dict:
        status, answer = self.call("GET", f"/rooms/{quote(room_id)}/event/{quote(event_id)}")
        assert status == 200, answer
        return answer

    def messages(self, room_id: str, limit: int = 50) -> list[dict]:
        status, answer = self.call("GET", f"/rooms/{quote(room_id)}/messages?dir=b&limit={limit}")
        assert status == 200, answer
        return answer["chunk"]

    def texts(self, room_id: str) -> list[str]:
        return [
            event["content"].get("body", "")
            for event in self.messages(room_id)
            if event["type"] == "m.room.message"
        ]

    def power_levels(self, room_id: str) -> dict:
        status, answer = self.call("GET", f"/rooms/{quote(room_id)}/state/m.room.power_levels")
        assert status == 200, answer
        return answer
