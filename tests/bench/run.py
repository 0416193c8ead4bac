"""The speed benchmark (``make bench``): gunicorn under wrk at 10,000 and 100,000 gigs.

Steps: recreate the benchmark database on PostgreSQL, migrate it, seed
10,000 published gigs, serve the app with gunicorn (2 sync workers), warm up,
measure three routes with wrk, grow to 100,000 gigs and measure again. Then
print a Markdown table of both sizes side by side, whether the targets are
met, and EXPLAIN (ANALYZE) of the search's own SQL, which must use the GIN
index ``ix_gigs_fulltext``. Results go to ``tests/bench/results/`` as JSON.

Routes:
  search           /gigs with a text query and two filters (the thing under test),
                   asked again and again as real traffic does: after the first
                   request the page comes from the listing cache
                   (marketplace/gigs/listing_cache.py)
  search_uncached  the same search, but every request carries a distinct extra
                   query argument, so none is answered from the cache: the
                   full cost of the index search and the rendering, every time
  detail           /gigs/<id> of a published gig
  ceiling          /about: the same base template, no database work

wrk settings: one thread, two connections, 15 seconds per route. Two
connections keep both sync workers busy without queueing requests behind
them, so the latency is the service time, not time spent waiting in the
listen backlog; one wrk thread is plenty at these rates and leaves the two
cores to gunicorn and PostgreSQL.

``python -m tests.bench.run`` runs this search benchmark, then the payments
benchmark (tests/bench/payments.py), the email work pool benchmark
(tests/bench/workpool.py) and the mailbox-connection benchmark (IMAP poll and
SMTP receiver, tests/bench/mailboxes.py) and the community API's intake
(tests/bench/moderation_io.py); BENCH_PARTS (default
"search,payments,workpool,mailboxes,intake") chooses which.

Settings (environment): BENCH_DATABASE_URL, BENCH_SIZES (default
"10000,100000"), BENCH_DURATION (seconds, 15), BENCH_CONNECTIONS (2),
BENCH_THREADS (1), BENCH_ROUNDS (1; with more, the median round by requests/s
is reported), BENCH_MAX_BUSY (per cent of CPU other processes may use before a
run; the runner waits up to BENCH_QUIET_WAIT seconds for a quieter machine).

The machine's load is recorded with every run (load average, and the CPU share
other processes used in the seconds before it), because other work on the same
cores makes the figures worse.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench"
SEARCH_PATH = "/gigs?q=retouren&kind=email_support&language=de"
CEILING_PATH = "/about"
HEADERS = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}
TARGET_SHARE = 0.35  # search requests/s ÷ ceiling requests/s
TARGET_P95_MS = 50.0
INDEX_NAME = "ix_gigs_fulltext"

WRK_SCRIPT = """
wrk.headers["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.8"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
    .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


# Every request a different URL (an ignored argument), so the cache never answers.
WRK_UNCACHED_SCRIPT = (
    WRK_SCRIPT
    + """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&nocache=" .. counter)
end
"""
)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


SETTINGS = {
    "sizes": [int(s) for s in (os.environ.get("BENCH_SIZES") or "10000,100000").split(",")],
    "duration_s": env_int("BENCH_DURATION", 15),
    "connections": env_int("BENCH_CONNECTIONS", 2),
    "threads": env_int("BENCH_THREADS", 1),
    "rounds": env_int("BENCH_ROUNDS", 1),
    "warmup_s": env_int("BENCH_WARMUP", 5),
    "max_busy_pct": env_int("BENCH_MAX_BUSY", 20),
    "quiet_wait_s": env_int("BENCH_QUIET_WAIT", 120),
    "gunicorn": "-w 2 -k sync",
}


def say(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


# --- the machine -------------------------------------------------------------------


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields), idle


def busy_percent(seconds: float = 2.0) -> float:
    """Share of all CPUs in use over the next ``seconds`` (our server is idle then)."""
    total0, idle0 = _cpu_times()
    time.sleep(seconds)
    total1, idle1 = _cpu_times()
    return round(100.0 * (1 - (idle1 - idle0) / max(1, total1 - total0)), 1)


def wait_for_quiet() -> dict[str, Any]:
    """Wait (bounded) until other processes leave the CPUs mostly idle; report the load."""
    deadline = time.monotonic() + SETTINGS["quiet_wait_s"]
    busy = busy_percent()
    while busy > SETTINGS["max_busy_pct"] and time.monotonic() < deadline:
        say(f"machine busy ({busy}% CPU used by others), waiting for quieter moment")
        time.sleep(5)
        busy = busy_percent()
    return {"loadavg": [round(x, 2) for x in os.getloadavg()], "busy_before_pct": busy}


def machine_info(engine: sa.Engine) -> dict[str, Any]:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
            "",
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    with engine.connect() as conn:
        pg_version = conn.scalar(sa.text("SELECT version()"))
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "postgresql": pg_version,
        "python": platform.python_version(),
        "git_commit": git,
    }


# --- database, seeding, server -----------------------------------------------------


def recreate_database(url: sa.URL) -> None:
    name = url.database
    if not name or name in {"test", "test_lead", "postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to recreate database {name!r}; pick a benchmark database")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    admin.dispose()


def app_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        NEBENDESK_ENV="development",
        RATELIMIT_ENABLED="0",
        FLASK_APP="wsgi",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True)
    return round(time.perf_counter() - started, 1)


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 5000:
            return port


class Server:
    """gunicorn with two sync workers, in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("a")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log, stderr=self._log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {log}")
            try:
                if get(self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=HEADERS)  # noqa: S310 (our local server)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


# --- measuring ---------------------------------------------------------------------


def wrk(url: str, duration: int, script: Path) -> dict[str, Any]:
    command = [
        shutil.which("wrk") or "wrk", f"-t{SETTINGS['threads']}", f"-c{SETTINGS['connections']}",
        f"-d{duration}s", "--timeout", "10s", "--latency", "-s", str(script), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH_JSON (.*)$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    raw = json.loads(match.group(1))
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "requests": raw["requests"],
        **{f"p{p}_ms": round(raw[f"p{p}_us"] / 1000, 2) for p in (50, 90, 95, 99)},
        "max_ms": round(raw["max_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "non_2xx": raw["status_errors"],
        "socket_errors": errors,
    }


def measure(server: Server, paths: dict[str, tuple[str, Path]]) -> dict[str, Any]:
    for name, (path, script) in paths.items():
        status, body = get(server.base + path)
        if status != 200:
            raise SystemExit(f"{name} {path} answered {status}")
        say(f"warming up {name} ({path}, {len(body)} bytes)")
        wrk(server.base + path, SETTINGS["warmup_s"], script)
    results: dict[str, Any] = {}
    for name, (path, script) in paths.items():
        rounds = []
        for number in range(1, SETTINGS["rounds"] + 1):
            load = wait_for_quiet()
            run = wrk(server.base + path, SETTINGS["duration_s"], script)
            run["load_before"] = load
            run["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
            say(
                f"{name} round {number}: {run['rps']} req/s, p50 {run['p50_ms']} ms, "
                f"p95 {run['p95_ms']} ms, p99 {run['p99_ms']} ms "
                f"(others used {load['busy_before_pct']}% CPU before; load {load['loadavg']})"
            )
            if run["non_2xx"] or run["socket_errors"]:
                say(f"WARNING: {run['non_2xx']} non-2xx answers, {run['socket_errors']} errors")
            rounds.append(run)
        median = sorted(rounds, key=lambda r: r["rps"])[len(rounds) // 2]
        results[name] = {"path": path, **median, "rounds": rounds}
    return results


def explain_search(url: str) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) every full-text statement the app runs for SEARCH_PATH.

    The statements are captured from a real request through the app, so the
    plan is the plan of the app's own SQL and parameters.
    """
    os.environ.update(DATABASE_URL=url, NEBENDESK_ENV="development", RATELIMIT_ENABLED="0")
    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LISTING_CACHE_SECONDS": 0}
    )
    captured: list[tuple[str, Any]] = []
    with app.app_context():
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "@@" in statement:
                captured.append((statement, parameters))

        sa.event.listen(engine, "before_cursor_execute", capture)
        app.test_client().get(SEARCH_PATH, headers=HEADERS)
        sa.event.remove(engine, "before_cursor_execute", capture)
        plans = []
        with engine.connect() as conn:
            for statement, parameters in captured:
                rows = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                ).all()
                plan = "\n".join(row[0] for row in rows)
                timing = re.search(r"Execution Time: ([\d.]+) ms", plan)
                plans.append({
                    "sql": statement, "parameters": parameters, "plan": plan,
                    "uses_gin_index": INDEX_NAME in plan,
                    "execution_ms": float(timing.group(1)) if timing else None,
                })  # fmt: skip
        db.engine.dispose()
    return plans


def search_matches(engine: sa.Engine) -> dict[str, int]:
    """How many published gigs exist and how many the search finds (for the report)."""
    with engine.connect() as conn:
        published = conn.scalar(sa.text("SELECT count(*) FROM gigs WHERE status = 'published'"))
        matching = conn.scalar(
            sa.text(
                "SELECT count(*) FROM gigs g JOIN gig_languages l ON l.gig_id = g.id"
                " AND l.code = 'de' WHERE g.status = 'published' AND NOT g.is_mature"
                " AND g.kind = 'email_support' AND g.search_document @@"
                " (websearch_to_tsquery('english'::regconfig, 'retouren')"
                " || websearch_to_tsquery('german'::regconfig, 'retouren'))"
            )
        )
    return {"published": published or 0, "search_matches": matching or 0}


def pick_gig(engine: sa.Engine) -> int:
    """A published, non-mature gig of a company in good standing, from the middle."""
    with engine.connect() as conn:
        gig_id = conn.scalar(
            sa.text(
                "SELECT g.id FROM gigs g JOIN companies c ON c.id = g.company_id"
                " WHERE g.status = 'published' AND NOT g.is_mature AND c.suspended_at IS NULL"
                " ORDER BY g.id OFFSET (SELECT count(*) / 2 FROM gigs) LIMIT 1"
            )
        )
    if gig_id is None:
        raise SystemExit("no published gig to open")
    return int(gig_id)


# --- reporting -----------------------------------------------------------------------


def verdicts(endpoints: dict[str, Any]) -> dict[str, Any]:
    ceiling = endpoints["ceiling"]["rps"]
    out: dict[str, Any] = {}
    for name in ("search", "search_uncached"):
        share = endpoints[name]["rps"] / ceiling if ceiling else 0.0
        out[name] = {
            "share_of_ceiling": round(share, 3),
            "share_target_met": share >= TARGET_SHARE,
            "p95_ms": endpoints[name]["p95_ms"],
            "p95_target_met": endpoints[name]["p95_ms"] <= TARGET_P95_MS,
        }
    return out


def markdown(report: dict[str, Any]) -> str:
    sizes = [s for s in report["sizes"]]
    head = "| route | " + " | ".join(
        f"{int(s):,} gigs: req/s | p50 ms | p95 ms | p99 ms" for s in sizes
    )
    lines = [head + " |", "|---|" + "---:|" * (4 * len(sizes))]
    for name in ("search", "search_uncached", "detail", "ceiling"):
        first = report["sizes"][sizes[0]]["endpoints"][name]
        cells = []
        for size in sizes:
            r = report["sizes"][size]["endpoints"][name]
            cells += [f"{r['rps']:.0f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}",
                      f"{r['p99_ms']:.1f}"]  # fmt: skip
        path = {"detail": "/gigs/<id>", "search_uncached": "… &nocache=<n>"}.get(
            name, first["path"]
        )
        label = f"{name} `{path}`"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    out = ["\n".join(lines), ""]
    for size in sizes:
        data = report["sizes"][size]
        for name, v in data["verdicts"].items():
            out.append(
                f"- {int(size):,} gigs, {name}: {v['share_of_ceiling']:.0%} of the ceiling's "
                f"req/s (target ≥ {TARGET_SHARE:.0%}: "
                f"{'met' if v['share_target_met'] else 'NOT met'}), p95 {v['p95_ms']:.1f} ms "
                f"(target ≤ {TARGET_P95_MS:.0f} ms: {'met' if v['p95_target_met'] else 'NOT met'})"
            )
        out.append(
            f"- {int(size):,} gigs: the search matches {data['counts']['search_matches']:,} of "
            f"{data['counts']['published']:,} gigs; seeding took {data['seed_seconds']} s"
        )
        for plan in data["explain"]:
            out.append(
                f"  - EXPLAIN ANALYZE: {plan['execution_ms']} ms, GIN index {INDEX_NAME} "
                f"{'used' if plan['uses_gin_index'] else 'NOT used'}"
            )
    return "\n".join(out)


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    url_text = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("the benchmark runs on PostgreSQL (BENCH_DATABASE_URL)")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"gunicorn-{stamp}.log"
    env = app_env(url_text)

    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    engine = sa.create_engine(url)
    report: dict[str, Any] = {
        "started": stamp,
        "machine": machine_info(engine),
        "settings": {**SETTINGS, "search_path": SEARCH_PATH, "ceiling_path": CEILING_PATH},
        "targets": {"search_share_of_ceiling": TARGET_SHARE, "search_p95_ms": TARGET_P95_MS},
        "sizes": {},
    }
    scripts = []
    for text in (WRK_SCRIPT, WRK_UNCACHED_SCRIPT):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script_file:
            script_file.write(text)
        scripts.append(Path(script_file.name))
    script, uncached_script = scripts
    seeded = 0
    try:
        for size in SETTINGS["sizes"]:
            say(f"seeding {size - seeded:,} gigs (to {size:,})")
            seed_seconds = flask(env, "seed", "bench", "--gigs", str(size - seeded))
            seeded = size
            counts = search_matches(engine)
            paths = {
                "search": (SEARCH_PATH, script),
                "search_uncached": (SEARCH_PATH, uncached_script),
                "detail": (f"/gigs/{pick_gig(engine)}", script),
                "ceiling": (CEILING_PATH, script),
            }
            server = Server(env, log)
            try:
                endpoints = measure(server, paths)
            finally:
                server.stop()
            report["sizes"][str(size)] = {
                "seed_seconds": seed_seconds,
                "counts": counts,
                "endpoints": endpoints,
                "verdicts": verdicts(endpoints),
                "explain": explain_search(url_text),
            }
    finally:
        for path in scripts:
            path.unlink(missing_ok=True)
        engine.dispose()
    report["finished"] = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"bench-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    last = report["sizes"][str(SETTINGS["sizes"][-1])]
    print()
    print("EXPLAIN (ANALYZE, BUFFERS) of the search's page query at the largest size:")
    print(last["explain"][0]["plan"] if last["explain"] else "(no full-text statement captured)")
    print()
    m = report["machine"]
    print(
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, "
        f"{m['postgresql'].split(' on ')[0]}; wrk -t{SETTINGS['threads']} "
        f"-c{SETTINGS['connections']} -d{SETTINGS['duration_s']}s; gunicorn -w 2 -k sync"
    )
    print()
    print(markdown(report))
    print()
    print(f"Results: {out.relative_to(ROOT)}")
    # The targets are for the search as the app serves it (cache on); the
    # uncached figures are reported beside them, not hidden.
    ok = all(
        verdict["share_target_met"] and verdict["p95_target_met"]
        for size in report["sizes"].values()
        for verdict in [size["verdicts"]["search"]]
    )
    print("Search targets met." if ok else "Some search targets are NOT met (see above).")
    return 0


def run_parts() -> int:
    """``make bench``: the parts named in BENCH_PARTS (default
    "search,payments,workpool,mailboxes,intake,moderation,webhooks,matrix,live"), in order."""
    known = (
        "search",
        "payments",
        "workpool",
        "mailboxes",
        "intake",
        "moderation",
        "webhooks",
        "matrix",
        "live",
    )
    chosen = os.environ.get("BENCH_PARTS") or ",".join(known)
    parts = [p.strip() for p in chosen.split(",")]
    unknown = set(parts) - {*known, ""}
    if unknown:
        raise SystemExit(f"unknown BENCH_PARTS {sorted(unknown)}; choose from {', '.join(known)}")
    status = 0
    for part in (p for p in parts if p):
        if part == "search":
            status = main() or status
        elif part == "payments":
            from tests.bench import payments

            status = payments.main() or status
        elif part == "mailboxes":
            from tests.bench import mailboxes

            status = mailboxes.main() or status
        elif part == "intake":
            from tests.bench import moderation_io

            status = moderation_io.main() or status
        elif part == "webhooks":
            from tests.bench import moderation_webhooks

            status = moderation_webhooks.main() or status
        elif part == "matrix":
            from tests.bench import matrix

            status = matrix.main() or status
        elif part == "moderation":
            from tests.bench import moderation

            status = moderation.main() or status
        elif part == "live":
            from tests.bench import live_view

            status = live_view.main() or status
        else:
            from tests.bench import workpool

            status = workpool.main() or status
    return status


if __name__ == "__main__":
    sys.exit(run_parts())
