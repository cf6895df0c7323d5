#!/usr/bin/env python3
"""Execution history benchmark: the logs API and ``flask logs cleanup`` at a million runs.

Run from anywhere with the project's virtualenv and PostgreSQL up::

    .venv/bin/python bench/logs.py --rows 1000000

What it does, in order:

1. creates its own database (``--database``, dropped again at the end unless ``--keep-db``;
   never ``test``, which the test suite drops) and runs the migrations;
2. registers three users and twenty workflows through the API (in-process test client);
3. loads ``--rows`` execution logs with ``--steps`` steps each by COPY: runs spread evenly
   over the last ``--days`` days, one "hot" workflow holding half of them, 90 % success,
   8 % failed, 1 % re-runs, a few old runs still ``running``, realistic payloads, results
   and errors. The secondary indexes are dropped for the load and rebuilt from the
   models' own definitions (so they are exactly the migration's), then VACUUM ANALYZE;
4. times, through the API (Flask test client: JWT, query, serialisation), p50/p95 over
   ``--repeat`` calls of: the first page, a page at depth 50,000 by cursor and by offset,
   counts with a status filter, and ``q`` searches (and checks with EXPLAIN that the
   search uses the trigram index);
5. starts the app under gunicorn (embedded worker) and, while ``--senders`` threads keep
   posting webhooks to it over HTTP, runs ``flask logs cleanup --days N`` as a separate
   process to delete the runs older than half the span (half the rows); reports the
   rows/s, the webhook errors (must be 0) and the webhook latency during the cleanup,
   and checks that the old ``running`` runs survived.

The table is printed and the figures are written as JSON to ``bench/results/``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import psycopg

from pgdb import drop_database, recreate_database
from stack import free_port
import requests

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

FLOW = {
    "nodes": [
        {"id": "hook", "type": "webhook", "name": "Order in", "params": {}},
        {"id": "shape", "type": "transform", "name": "Shape", "params": {"fields": {
            "order": "{{ input.body.order_id }}", "total": "{{ input.body.amount * 1.2 }}"}}},
    ],
    "edges": [{"source": "hook", "target": "shape"}],
}
TRACEBACK = ("Traceback (most recent call last):\n  File \"automateos/engine/runner.py\", line 171, in _execute\n"
             "    result = node_cls().execute(ctx, params, claim.scope[\"input\"])\n"
             "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000, help="execution logs to load")
    p.add_argument("--steps", type=int, default=2, choices=(1, 2), help="steps per log")
    p.add_argument("--days", type=int, default=60, help="the runs are spread over this many days; cleanup keeps half")
    p.add_argument("--repeat", type=int, default=100, help="measured calls per query")
    p.add_argument("--batch-size", type=int, default=None, help="--batch-size of the cleanup (default: the CLI's)")
    p.add_argument("--jobs", type=int, default=1, help="--jobs of the cleanup (parallel parts)")
    p.add_argument("--senders", type=int, default=4, help="threads posting webhooks during the cleanup")
    p.add_argument("--webhook-rate", type=float, default=50.0,
                   help="webhooks per second during the cleanup, all senders together (0: as fast as they can)")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                   help="PostgreSQL server (no database name); its 'postgres' database is used to create ours")
    p.add_argument("--database", default="automateos_bench_logs", help="database created (and dropped) for the run")
    p.add_argument("--keep-db", action="store_true", help="leave the database in place for inspection")
    p.add_argument("--skip-cleanup", action="store_true", help="measure the queries only")
    args = p.parse_args(argv)
    if args.senders < 0 or args.webhook_rate < 0:
        p.error("--senders and --webhook-rate must not be negative")
    if args.rows < 200_000:
        p.error("--rows must be at least 200000 (the hot workflow holds half; pages are read at depth 50,000)")
    if not args.database.isidentifier() or args.database in ("test", "postgres"):
        p.error("--database must be a plain identifier of a database of its own (the test suite drops 'test')")
    return args


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]


# -- setup ---------------------------------------------------------------------------------



@dataclass
class Setup:
    """Who and what the loaded history belongs to."""

    app: Any
    client: Any
    headers: dict[str, str]
    owner_id: int
    hot: dict[str, Any]
    workflows: list[dict[str, Any]] = field(default_factory=list)  # (id, owner_id, version)


def build_app() -> Setup:
    """The app in this process (no embedded worker), three users and twenty workflows."""
    from flask_migrate import upgrade

    from automateos import create_app
    from config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        RUN_EMBEDDED_SERVICES = False
        RATELIMIT_ENABLED = False

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    client = app.test_client()
    users = []
    for n in range(3):
        email = f"bench{n}@example.com"
        assert client.post("/api/auth/register", json={"email": email, "password": "bench password 1"}).status_code == 201
        token = client.post("/api/auth/login", json={"email": email, "password": "bench password 1"}).get_json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        users.append((headers, client.get("/api/auth/me", headers=headers).get_json()["id"]))
    workflows = []
    for i in range(20):
        headers, owner_id = users[0] if i < 10 else users[1 + i % 2]
        resp = client.post("/api/workflows", headers=headers, json={"name": f"flow {i}", "definition": FLOW})
        assert resp.status_code == 201, resp.get_json()
        workflows.append({**resp.get_json(), "owner_id": owner_id})
    return Setup(app, client, users[0][0], users[0][1], workflows[0], workflows)


# -- load ------------------------------------------------------------------------------------

def _esc(text: str) -> str:
    # COPY text format: backslash is the escape character (JSON has no raw tabs or newlines).
    return text.replace("\\", "\\\\")


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f+00")


@dataclass
class Loaded:
    """What the load put in."""

    rows: int
    steps: int
    old_running_ids: list[int]
    span_start: datetime
    seconds: dict[str, float]


def load(setup: Setup, conninfo: str, rows: int, steps: int, days: int) -> Loaded:
    """COPY ``rows`` logs (and their steps) with the secondary indexes dropped, then rebuild
    the indexes from the models and VACUUM ANALYZE."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex

    from automateos.engine.models import ExecutionLog, StepLog

    rng = random.Random(42)
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=days)
    step = timedelta(days=days) / rows
    definition = _esc(json.dumps(FLOW))
    # the hot workflow has half of the runs, the other 19 share the rest
    others = setup.workflows[1:]
    old_running = set(rng.sample(range(1, rows // 3), 25))  # stuck long ago: cleanup must keep them
    tables = (ExecutionLog.__table__, StepLog.__table__)
    seconds: dict[str, float] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        before = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('execution_logs', 'step_logs')")}
        t0 = time.perf_counter()
        for table in tables:
            for index in table.indexes:
                conn.execute(f"DROP INDEX {index.name}")
        conn.execute("ALTER TABLE step_logs DROP CONSTRAINT uq_step_logs_log_node")
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")  # bench load: the data is consistent by construction
            with conn.cursor().copy(
                "COPY execution_logs (id, workflow_id, owner_id, status, trigger, workflow_version, retry_of, "
                "started_at, finished_at, updated_at, definition, payload, result, error) FROM STDIN"
            ) as copy:
                buf: list[str] = []
                for i in range(1, rows + 1):
                    wf = setup.hot if i % 2 else others[i % len(others)]
                    started = start + step * i
                    roll = rng.random()
                    if i in old_running or i > rows - 20:
                        status = "running"
                    elif roll < 0.08:
                        status = "failed"
                    else:
                        status = "success"
                    trig_roll = rng.random()
                    trigger = "retry" if trig_roll < 0.01 else "manual" if trig_roll < 0.05 else "schedule" if trig_roll < 0.15 else "webhook"
                    retry_of = str(i - 2) if trigger == "retry" and i > 2 else "\\N"
                    amount = rng.randint(1, 500)
                    payload = (f'{{"body": {{"order_id": "ORD-{i:07d}", "email": "customer{rng.randint(1, 50000)}@example.com", '
                               f'"amount": {amount}, "sku": "SKU-{rng.randint(1, 2000):04d}"}}, '
                               f'"headers": {{"Content-Type": "application/json", "User-Agent": "shop/2.1"}}, '
                               f'"query": {{}}, "method": "POST"}}')
                    finished = "\\N" if status == "running" else _ts(started + timedelta(milliseconds=rng.randint(20, 900)))
                    result = f'{{"order": "ORD-{i:07d}", "total": {amount * 1.2:.1f}}}' if status == "success" else "\\N"
                    error = (_esc(json.dumps({"message": f"HTTP 503 from https://api.example.com/orders/ORD-{i:07d}",
                                              "type": "HTTPError", "node_id": "shape", "traceback": TRACEBACK}))
                             if status == "failed" else "\\N")
                    buf.append(f"{i}\t{wf['id']}\t{wf['owner_id']}\t{status}\t{trigger}\t1\t{retry_of}\t{_ts(started)}\t"
                               f"{finished}\t{_ts(started)}\t{definition}\t{payload}\t{result}\t{error}\n")
                    if len(buf) == 20_000:
                        copy.write("".join(buf))
                        buf.clear()
                copy.write("".join(buf))
            seconds["copy_logs"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            with conn.cursor().copy(
                "COPY step_logs (id, log_id, node_id, type, status, attempts, output_port, started_at, finished_at, "
                "input, output) FROM STDIN"
            ) as copy:
                buf = []
                sid = 0
                for i in range(1, rows + 1):
                    started = _ts(start + step * i)
                    for node, kind in (("hook", "webhook"), ("shape", "transform"))[:steps]:
                        sid += 1
                        buf.append(f"{sid}\t{i}\t{node}\t{kind}\tsuccess\t1\tmain\t{started}\t{started}\t"
                                   f'{{"order_id": "ORD-{i:07d}"}}\t{{"order": "ORD-{i:07d}"}}\n')
                    if len(buf) >= 20_000:
                        copy.write("".join(buf))
                        buf.clear()
                copy.write("".join(buf))
            seconds["copy_steps"] = time.perf_counter() - t1
        conn.execute("SELECT setval('execution_logs_id_seq', %s)", (rows,))
        conn.execute("SELECT setval('step_logs_id_seq', %s)", (sid,))
        t2 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        conn.execute("ALTER TABLE step_logs ADD CONSTRAINT uq_step_logs_log_node UNIQUE (log_id, node_id)")
        for table in tables:
            for index in table.indexes:
                conn.execute(str(CreateIndex(index).compile(dialect=postgresql.dialect())))
        seconds["indexes"] = time.perf_counter() - t2
        after = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('execution_logs', 'step_logs')")}
        assert after == before, f"indexes differ from the migration's: {sorted(before ^ after)}"
        t3 = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) execution_logs")
        conn.execute("VACUUM (ANALYZE) step_logs")
        # Flush the gigabytes just written now, not while the cleanup is measured: in real
        # life the old runs were written weeks before they are deleted.
        conn.execute("CHECKPOINT")
        seconds["vacuum_analyze_checkpoint"] = time.perf_counter() - t3
    return Loaded(rows, sid, sorted(old_running), start, seconds)


# -- queries ---------------------------------------------------------------------------------

def measure(setup: Setup, repeat: int, url_for: Callable[[int], str]) -> dict[str, float]:
    """p50/p95/max milliseconds of GET url_for(n) for n in 0..repeat-1, after 5 warm-up calls."""
    timings = []
    for n in range(-5, repeat):
        url = url_for(max(n, 0))
        t0 = time.perf_counter()
        resp = setup.client.get(url, headers=setup.headers)
        elapsed = (time.perf_counter() - t0) * 1000
        assert resp.status_code == 200, (url, resp.get_json())
        if n >= 0:
            timings.append(elapsed)
    return {"p50_ms": percentile(timings, 50), "p95_ms": percentile(timings, 95), "max_ms": max(timings),
            "mean_ms": statistics.fmean(timings), "calls": repeat}


def search_plan(setup: Setup, conninfo: str, term: str) -> str:
    """EXPLAIN ANALYZE of the q search exactly as the list endpoint runs it."""
    from automateos.logs.service import LogFilter, page_query

    with setup.app.app_context():
        from automateos.extensions import db

        compiled = page_query(LogFilter(setup.owner_id, q=term), 51).compile(
            db.engine, compile_kwargs={"render_postcompile": True})
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + compiled.string, compiled.params).fetchall()
    return "\n".join(r[0] for r in rows)


def run_queries(setup: Setup, conninfo: str, loaded: Loaded, repeat: int) -> tuple[dict[str, Any], str]:
    """The latency of the API's list, count and search calls."""
    hot = setup.hot["id"]
    base = f"/api/workflows/{hot}/logs"
    rng = random.Random(7)

    def cursor_at(depth: int) -> str:
        page = setup.client.get(f"{base}?limit=1&offset={depth - 1}", headers=setup.headers).get_json()
        return page["next_cursor"]

    deep = min(400_000, loaded.rows // 2 - 100)
    depth50k, deep_cursor = cursor_at(50_000), cursor_at(deep)
    small = f"/api/workflows/{setup.workflows[5]['id']}/logs"  # one of 19 sharing half the runs
    order_ids = [f"ORD-{rng.randrange(1, loaded.rows):07d}" for _ in range(repeat)]
    emails = [f"customer{rng.randint(1, 50000)}@example.com" for _ in range(repeat)]
    results: dict[str, Any] = {
        "first page (50)": measure(setup, repeat, lambda n: base),
        "cursor page at depth 50,000": measure(setup, repeat, lambda n: f"{base}?cursor={depth50k}"),
        f"cursor page at depth {deep:,}": measure(setup, repeat, lambda n: f"{base}?cursor={deep_cursor}"),
        "offset page at depth 50,000": measure(setup, repeat, lambda n: f"{base}?offset=50000"),
        "failed runs, first page": measure(setup, repeat, lambda n: f"{base}?status=failed"),
        "all workflows, failed, first page": measure(setup, repeat, lambda n: "/api/logs?status=failed"),
        "small workflow, failed+running": measure(setup, repeat, lambda n: f"{small}?status=failed,running"),
        "small workflow, trigger=retry": measure(setup, repeat, lambda n: f"{small}?trigger=retry"),
        "count status=failed": measure(setup, repeat, lambda n: f"{base}/count?status=failed"),
        "count status=success": measure(setup, repeat, lambda n: f"{base}/count?status=success"),
        "q search: order id": measure(setup, repeat, lambda n: f"{base}?q={order_ids[n]}"),
        "q search: e-mail, all workflows": measure(setup, repeat, lambda n: f"/api/logs?q={emails[n]}"),
        "q search + count: order id": measure(setup, repeat, lambda n: f"{base}/count?q={order_ids[n]}"),
    }
    return results, search_plan(setup, conninfo, order_ids[0])


# -- cleanup under webhook load ------------------------------------------------------------------

class WebhookSenders:
    """Threads posting webhooks until stopped; they count accepted calls and errors."""

    def __init__(self, url: str, threads: int, rate: float):
        self.url, self.stop = url, threading.Event()
        self.interval = threads / rate if rate > 0 else 0.0  # seconds between two calls of one thread
        self.accepted = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        session = requests.Session()
        i = 0
        next_at = time.perf_counter() + n * self.interval / max(len(self.threads), 1)
        while not self.stop.is_set():
            i += 1
            if self.interval:
                self.stop.wait(max(0.0, next_at - time.perf_counter()))
                next_at += self.interval
            t0 = time.perf_counter()
            try:
                resp = session.post(self.url, json={"order_id": f"LIVE-{n}-{i}", "amount": 10}, timeout=30)
                ok, why = resp.status_code == 202, f"HTTP {resp.status_code}"
            except requests.RequestException as exc:
                ok, why = False, type(exc).__name__
            with self.lock:
                if ok:
                    self.accepted += 1
                    self.latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    self.errors.append(why)

    def __enter__(self) -> "WebhookSenders":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


class WaitSampler(threading.Thread):
    """Samples what the benchmark database's sessions wait on, every 50 ms, until stopped."""

    def __init__(self, conninfo: str, database: str):
        super().__init__(daemon=True)
        self.conninfo, self.database, self.stop = conninfo, database, threading.Event()
        self.samples = 0
        self.waits: dict[str, int] = {}

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self.stop.wait(0.05):
                rows = conn.execute(
                    "SELECT CASE WHEN query ILIKE '%%DELETE FROM execution_logs%%' THEN 'cleanup' ELSE 'app' END,"
                    " wait_event_type, wait_event FROM pg_stat_activity"
                    " WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()", (self.database,)).fetchall()
                self.samples += 1
                for who, kind, event in rows:
                    key = f"{who}: {kind or 'CPU'}{':' + event if event else ''}"
                    self.waits[key] = self.waits.get(key, 0) + 1


def run_cleanup(setup: Setup, conninfo: str, env: dict[str, str], loaded: Loaded, days: int,
                senders: int, rate: float, batch_size: int | None, jobs: int) -> dict[str, Any]:
    """``flask logs cleanup`` as its own process while webhooks arrive over HTTP."""
    keep_days = days // 2
    with psycopg.connect(conninfo) as conn:
        expected = conn.execute(
            "SELECT count(*) FROM execution_logs WHERE status IN ('success', 'failed') AND started_at < now() - %s * interval '1 day'",
            (keep_days,)).fetchone()[0]
    port = free_port()
    log_path = RESULTS_DIR / "logs-bench-gunicorn.log"
    server_env = {**env, "RETENTION_INTERVAL_SECONDS": "0", "RECONCILE_INTERVAL_SECONDS": "0"}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {log_path.name}")
            time.sleep(0.2)
        token = setup.hot["webhook_url"].rsplit("/", 1)[1]
        command = [str(BIN / "flask"), "--app", "wsgi", "logs", "cleanup", "--days", str(keep_days)]
        if batch_size:
            command += ["--batch-size", str(batch_size)]
        if jobs > 1:
            command += ["--jobs", str(jobs)]
        with WebhookSenders(f"http://127.0.0.1:{port}/api/hooks/{token}", senders, rate) as webhooks:
            time.sleep(2)  # webhooks flowing before the cleanup starts
            accepted_before = webhooks.accepted
            load_before = os.getloadavg()[0]
            sampler = WaitSampler(conninfo, conninfo.rsplit("/", 1)[1])
            sampler.start()
            t0 = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
            wall = time.perf_counter() - t0
            sampler.stop.set()
            sampler.join()
            during = webhooks.accepted - accepted_before
            load_after = os.getloadavg()[0]
            time.sleep(1)
        if done.returncode != 0:
            raise RuntimeError(f"cleanup failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    deleted = int(re.search(r"Deleted ([\d,]+) run", done.stdout).group(1).replace(",", ""))
    in_command = float(re.search(r"\(([\d,]+) runs/s\)", done.stdout).group(1).replace(",", ""))
    with psycopg.connect(conninfo) as conn:
        survivors = conn.execute("SELECT count(*) FROM execution_logs WHERE id = ANY(%s)", (loaded.old_running_ids,)).fetchone()[0]
        orphan_steps = conn.execute(
            "SELECT count(*) FROM step_logs s WHERE NOT EXISTS (SELECT 1 FROM execution_logs e WHERE e.id = s.log_id)").fetchone()[0]
    lat = webhooks.latencies or [0.0]
    return {
        "command": " ".join(["flask", "--app", "wsgi", *command[3:]]),
        "expected_to_delete": expected, "deleted": deleted, "wall_seconds": wall,
        "rows_per_second_wall": deleted / wall, "rows_per_second_deleting": in_command,
        "webhook_rate_asked": rate or "max", "webhooks_per_second_during_cleanup": during / wall,
        "webhooks_accepted": webhooks.accepted, "webhook_errors": len(webhooks.errors),
        "webhook_error_kinds": sorted(set(webhooks.errors))[:5],
        "webhook_p50_ms": percentile(lat, 50), "webhook_p95_ms": percentile(lat, 95), "webhook_max_ms": max(lat),
        "old_running_runs_kept": f"{survivors}/{len(loaded.old_running_ids)}", "orphan_steps": orphan_steps,
        "cli_output": done.stdout.strip().splitlines()[-2:],
        "load_average_1min": [load_before, load_after],
        "session_states_sampled": dict(sorted(sampler.waits.items(), key=lambda kv: -kv[1])),
        "lock_waits_sampled": sum(n for k, n in sampler.waits.items() if ": Lock" in k),
    }


# -- report ------------------------------------------------------------------------------------

TARGETS = {
    "first page (50)": 20, "cursor page at depth 50,000": 20, "cursor page at depth 400,000": 20,
    "small workflow, failed+running": 20, "small workflow, trigger=retry": 20,
    "count status=failed": 100, "count status=success": 100,
    "q search: order id": 200, "q search: e-mail, all workflows": 200,
}


def print_report(report: dict[str, Any]) -> None:
    """The figures as a table."""
    print(f"\nExecution history benchmark: {report['rows']:,} logs, {report['steps']:,} steps, PostgreSQL {report['postgres']}")
    print("load: " + ", ".join(f"{k} {v:.1f} s" for k, v in report["load_seconds"].items()))
    print(f"\n{'query (through the API)':38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95")
    for name, r in report["queries"].items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"< {target} ms  {'ok' if r['p95_ms'] < target else 'MISSED'}"
        print(f"{name:38} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['max_ms']:8.1f}  {verdict}")
    print(f"\nq search uses the trigram index: {report['search_uses_trigram_index']}")
    c = report.get("cleanup")
    if c:
        print(f"\ncleanup: `{c['command']}`")
        print(f"  deleted {c['deleted']:,} of {c['expected_to_delete']:,} expected in {c['wall_seconds']:.1f} s: "
              f"{c['rows_per_second_wall']:,.0f} rows/s wall (process start included), "
              f"{c['rows_per_second_deleting']:,.0f} rows/s deleting  (target >= 50,000: "
              f"{'ok' if c['rows_per_second_wall'] >= 50_000 else 'MISSED'})")
        print(f"  webhooks meanwhile ({c['webhooks_per_second_during_cleanup']:.0f}/s, asked {c['webhook_rate_asked']}): "
              f"{c['webhooks_accepted']:,} accepted, {c['webhook_errors']} errors, "
              f"latency p50 {c['webhook_p50_ms']:.0f} ms, p95 {c['webhook_p95_ms']:.0f} ms, max {c['webhook_max_ms']:.0f} ms")
        print(f"  lock waits seen in {c['lock_waits_sampled']} of the sampled session states "
              f"(every 50 ms): {c['session_states_sampled']}")
        print(f"  old running runs kept: {c['old_running_runs_kept']}; orphan steps: {c['orphan_steps']}; "
              f"machine load average (1 min) before/after: {c['load_average_1min'][0]:.1f}/{c['load_average_1min'][1]:.1f}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    conninfo = f"{args.pg_url}/{args.database}"
    env = {**os.environ, "DATABASE_URL": conninfo, "AUTOMATEOS_ENV": "development"}
    env.pop("REDIS_URL", None)  # the embedded broker: the web process runs its own worker
    os.environ.update({"DATABASE_URL": conninfo, "AUTOMATEOS_ENV": "development"})
    os.environ.pop("REDIS_URL", None)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    recreate_database(args.pg_url, args.database)
    try:
        setup = build_app()
        t0 = time.perf_counter()
        loaded = load(setup, conninfo, args.rows, args.steps, args.days)
        print(f"loaded {loaded.rows:,} logs and {loaded.steps:,} steps in {time.perf_counter() - t0:.0f} s", flush=True)
        queries, plan = run_queries(setup, conninfo, loaded, args.repeat)
        with psycopg.connect(conninfo) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            sizes = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('execution_logs')), "
                                 "pg_size_pretty(pg_total_relation_size('step_logs'))").fetchone()
        report: dict[str, Any] = {
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "rows": loaded.rows, "steps": loaded.steps,
            "postgres": version, "cpus": os.cpu_count(), "load_seconds": loaded.seconds,
            "sizes": {"execution_logs": sizes[0], "step_logs": sizes[1]},
            "queries": queries, "search_uses_trigram_index": "ix_execution_logs_search" in plan, "search_plan": plan,
        }
        if not args.skip_cleanup:
            report["cleanup"] = run_cleanup(setup, conninfo, env, loaded, args.days, args.senders, args.webhook_rate,
                                            args.batch_size, args.jobs)
        print_report(report)
        out = RESULTS_DIR / f"logs-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
        out.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nwritten to {out.relative_to(ROOT)}")
    finally:
        if not args.keep_db:
            from automateos.extensions import db

            try:
                with setup.app.app_context():  # close our pooled connections first
                    db.engine.dispose()
            except NameError:
                pass
            drop_database(args.pg_url, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
