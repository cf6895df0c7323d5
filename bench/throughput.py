#!/usr/bin/env python3
"""Throughput benchmark: webhook -> transform runs on gunicorn + dramatiq, PostgreSQL + Redis.

Run from anywhere with the project's virtualenv, PostgreSQL and Redis up::

    .venv/bin/python bench/throughput.py --requests 2000 --concurrency 32

What it does, in order (n8n's own benchmark scenario, a webhook feeding one node):

1. creates its own database (``--database``, dropped again at the end unless
   ``--keep-db``) and uses its own Redis namespace and database index, so a test suite
   running beside it is never disturbed;
2. runs ``flask --app wsgi db upgrade``, then starts the app in production mode:
   gunicorn (``gunicorn.conf.py`` when the repo has one) and ``dramatiq worker``;
3. registers a user, logs in and saves a webhook -> transform workflow through the API;
4. fires warm-up calls, then ``--requests`` webhook calls from a separate process,
   ``--concurrency`` connections at once (optionally paced at ``--rate`` per second);
5. waits for every accepted run to finish and reads the timings from the database.

It reports accepted webhooks/s (client side), completed executions/s (first run created
-> last run finished, from the database), webhook-to-success latency percentiles (the
client's send time -> the run's ``finished_at``), a per-stage breakdown, and the errors.
It also measures the CPU each part used (gunicorn, dramatiq, the PostgreSQL backends of
its database, Redis, the load generator, and everything else on the machine, since a
shared machine skews throughput) and from it the CPU-bound ceiling: the runs per second
the cores could finish running nothing but the platform. ``--profile cpu|wall`` records
the web and worker processes with py-spy and lists the hottest functions. The table is
printed and the figures are written as JSON to ``bench/results/`` (with the logs). Every process it started is stopped on the way out, whatever happens.
Only loopback addresses are used; every loop is bounded by a count and a deadline.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg

from stack import (BIN, RESULTS_DIR, ROOT, Service, Stack, api_session, exit_on_signals, proc_stats, production_env,
                   production_stack, save_workflow, shown, wait_for_runs)

CLK_TCK = os.sysconf("SC_CLK_TCK")

WORKFLOW = {
    "nodes": [
        {"id": "hook", "type": "webhook", "name": "Order in", "params": {}},
        {"id": "shape", "type": "transform", "name": "Shape", "params": {"fields": {
            "order": "{{ input.body.id }}",
            "customer": "{{ input.body.customer }}",
            "total": "{{ input.body.amount * 1.2 }}",
            "items": "{{ input.body['items'] | length }}",
        }}},
    ],
    "edges": [{"source": "hook", "target": "shape"}],
}


# -- command line -----------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--requests", type=int, default=2000, help="measured webhook calls")
    p.add_argument("--concurrency", type=int, default=32, help="connections firing at once")
    p.add_argument("--rate", type=float, default=0.0, help="pace the calls at this many per second (0: as fast as possible)")
    p.add_argument("--warmup", type=int, default=50, help="webhook calls fired and finished before measuring")
    p.add_argument("--web-workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py, else 2)")
    p.add_argument("--web-threads", type=int, default=None, help="gunicorn threads per worker (default: gunicorn.conf.py, else 4)")
    p.add_argument("--worker-processes", type=int, default=2, help="dramatiq worker processes")
    p.add_argument("--worker-threads", type=int, default=4, help="dramatiq threads per process")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the web and worker processes (e.g. dramatiq_queue_prefetch=16)")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                   help="PostgreSQL server (no database name); its 'postgres' database is used to create ours")
    p.add_argument("--database", default="automateos_bench_tp", help="database created (and dropped) for the run")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15",
                   help="Redis for broker and rate limits (a database index of its own keeps test runs apart)")
    p.add_argument("--namespace", default="automateos-bench-tp", help="AUTOMATEOS_REDIS_NAMESPACE of the run")
    p.add_argument("--fire-timeout", type=float, default=300.0, help="seconds allowed for firing the calls")
    p.add_argument("--drain-timeout", type=float, default=300.0, help="seconds allowed for the runs to finish after firing")
    p.add_argument("--startup-timeout", type=float, default=60.0, help="seconds allowed for the app and workers to start")
    p.add_argument("--profile", choices=("cpu", "wall"), default=None,
                   help="record the web and worker processes with py-spy while measuring (pip install py-spy): "
                        "cpu = only the thread holding the GIL (Python work), wall = every thread, waiting too")
    p.add_argument("--keep-db", action="store_true", help="leave the database in place for inspection")
    p.add_argument("--label", default="", help="free text stored in the JSON result")
    args = p.parse_args(argv)
    for name in ("requests", "concurrency", "worker_processes", "worker_threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0 or args.rate < 0:
        p.error("--warmup and --rate must not be negative")
    if not args.database.isidentifier():
        p.error("--database must be a plain identifier")
    if args.database in ("test", "postgres"):
        p.error("--database must be a database of its own (the test suite drops 'test')")
    return args


# -- processes ------------------------------------------------------------------------------

def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_snapshot(groups: dict[str, int], database: str) -> dict[int, tuple[str, int]]:
    """pid -> (part, CPU ticks so far) of our process groups, the PostgreSQL backends of
    ``database`` with the server's own background processes, and Redis (the whole server)."""
    by_pgid = {pgid: name for name, pgid in groups.items()}
    snapshot = {}
    for pid, comm, pgrp, ticks in proc_stats():
        if pgrp in by_pgid:
            snapshot[pid] = (by_pgid[pgrp], ticks)
        elif comm == "postgres":
            title = _cmdline(pid)
            # "postgres: 15/main: USER DB HOST(PORT) ..." is a backend; other titles are the
            # server's own processes (WAL writer, checkpointer...), which serve us too.
            client = re.search(r": \S+ (\S+) (?:\d[\d.:]*\(\d+\)|\[local\])", title)
            if client is None or client.group(1) == database:
                snapshot[pid] = ("postgres", ticks)
        elif comm.startswith("redis-server"):
            snapshot[pid] = ("redis (whole server)", ticks)
    return snapshot


def cpu_used(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]]) -> dict[str, float]:
    """CPU seconds each part used between two snapshots (processes that exited meanwhile
    are missing their last moments)."""
    used: dict[str, float] = {}
    for pid, (part, ticks) in after.items():
        used[part] = used.get(part, 0.0) + (ticks - before.get(pid, (part, 0))[1]) / CLK_TCK
    return used


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (every core, every process) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


# -- the load generator (runs in its own process) ------------------------------------------

def fire(host: str, port: int, path: str, count: int, concurrency: int, rate: float,
         timeout: float, first_order: int, out_path: str) -> None:
    """Send ``count`` webhook calls over ``concurrency`` keep-alive connections; write one
    record per call (send time, accept time, HTTP status, log id, error) to ``out_path``."""
    records: list[dict[str, Any]] = []
    lock = threading.Lock()
    counter = iter(range(count))
    start = time.time()
    deadline = time.monotonic() + timeout

    def next_index() -> int | None:
        with lock:
            return next(counter, None)

    def body(i: int) -> bytes:
        n = first_order + i
        return json.dumps({"id": n, "customer": f"customer-{n % 97}", "amount": n % 500 + 0.5,
                           "items": [{"sku": f"sku-{n % 13}", "qty": 1 + n % 3}]}).encode()

    def connection() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(host, port, timeout=30)

    def loop() -> None:
        conn = connection()
        mine: list[dict[str, Any]] = []
        try:
            while time.monotonic() < deadline:
                i = next_index()
                if i is None:
                    break
                if rate:
                    pause = start + i / rate - time.time()
                    if pause > 0:
                        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                record: dict[str, Any] = {"i": i, "sent": time.time()}
                try:
                    conn.request("POST", path, body=body(i), headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    record["status"] = resp.status
                    if resp.status == 202:
                        record["log_id"] = json.loads(data)["log_id"]
                    else:
                        record["error"] = f"HTTP {resp.status}"
                    if resp.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = connection()
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    record["status"] = None
                    record["error"] = type(exc).__name__
                    conn.close()
                    conn = connection()
                record["done"] = time.time()
                mine.append(record)
        finally:
            conn.close()
            with lock:
                records.extend(mine)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline - time.monotonic() + 35))
    usage = os.times()
    Path(out_path).write_text(json.dumps({
        "records": records, "cpu_seconds": usage.user + usage.system,
        "unsent": count - len(records),
    }))


def fire_in_subprocess(base: str, path: str, count: int, concurrency: int, rate: float,
                       timeout: float, first_order: int, out_path: Path) -> dict[str, Any]:
    """Run ``fire`` in a separate (spawned) process and return what it recorded."""
    host, port = base.removeprefix("http://").split(":")
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=fire, args=(host, int(port), path, count, concurrency, rate,
                                          timeout, first_order, str(out_path)))
    proc.start()
    timed_out = False
    try:
        proc.join(timeout + 60)
        timed_out = proc.is_alive()
    finally:  # over time or interrupted: the generator must not outlive us
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    if timed_out:
        raise RuntimeError("load generator did not finish in time")
    if proc.exitcode != 0 or not out_path.exists():
        raise RuntimeError(f"load generator failed (exit code {proc.exitcode})")
    return json.loads(out_path.read_text())


# -- setup through the API ------------------------------------------------------------------

def create_workflow(base: str) -> str:
    """Register, log in, save the webhook -> transform workflow; returns its webhook path."""
    return save_workflow(api_session(base), base, "bench: webhook -> transform", WORKFLOW)


# -- reading results from the database ------------------------------------------------------

def read_runs(db_url: str, log_ids: list[int]) -> list[dict[str, Any]]:
    """Timings of the runs and of their two steps."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute("""
            SELECT e.id, e.status, e.started_at, e.finished_at,
                   h.started_at, h.finished_at, s.started_at, s.finished_at, s.attempts + h.attempts
            FROM execution_logs e
            JOIN step_logs h ON h.log_id = e.id AND h.node_id = 'hook'
            JOIN step_logs s ON s.log_id = e.id AND s.node_id = 'shape'
            WHERE e.id = ANY(%s)""", (log_ids,)).fetchall()
    names = ("id", "status", "created", "finished", "hook_start", "hook_end", "shape_start", "shape_end", "attempts")
    return [{k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in zip(names, row)} for row in rows]


# -- figures --------------------------------------------------------------------------------

def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max (and mean) of ``values`` in milliseconds."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000  # nearest rank

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": ordered[-1] * 1000,
            "mean": statistics.fmean(ordered) * 1000}


def summarise(fired: dict[str, Any], runs: list[dict[str, Any]], unfinished: int,
              cpu: dict[str, float], wall: float) -> dict[str, Any]:
    """The benchmark's figures out of the client's records and the database's timings."""
    records = fired["records"]
    accepted = [r for r in records if r.get("log_id") is not None]
    errors: dict[str, int] = {}
    for r in records:
        if r.get("error"):
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    if fired.get("unsent"):
        errors["not sent (fire timeout)"] = fired["unsent"]
    sent_at = {r["log_id"]: r["sent"] for r in accepted}
    succeeded = [r for r in runs if r["status"] == "success"]
    failed = [r for r in runs if r["status"] == "failed"]
    if failed:
        errors["run failed"] = len(failed)
    if unfinished:
        errors["run unfinished at drain timeout"] = unfinished

    accept_window = (max(r["done"] for r in accepted) - min(r["sent"] for r in accepted)) if accepted else 0.0
    complete_window = (max(r["finished"] for r in succeeded) - min(r["created"] for r in runs)) if succeeded else 0.0
    cpu_total = sum(cpu.values())
    platform_cpu = sum(v for k, v in cpu.items() if k not in ("load generator", "other processes"))
    cores = os.cpu_count() or 1
    return {
        "requests": len(records) + fired.get("unsent", 0),
        "accepted": len(accepted),
        "succeeded": len(succeeded),
        "errors": errors,
        "accepted_per_s": len(accepted) / accept_window if accept_window else None,
        "completed_per_s": len(succeeded) / complete_window if complete_window else None,
        "accept_window_s": accept_window,
        "complete_window_s": complete_window,
        "latency_ms": {
            "webhook_to_success": percentiles([r["finished"] - sent_at[r["id"]] for r in succeeded]),
            "accept (client round trip)": percentiles([r["done"] - r["sent"] for r in accepted]),
            "run created -> success": percentiles([r["finished"] - r["created"] for r in succeeded]),
            "created -> hook step starts": percentiles([r["hook_start"] - r["created"] for r in succeeded]),
            "hook step (claim..record)": percentiles([r["hook_end"] - r["hook_start"] for r in succeeded]),
            "hook done -> shape starts": percentiles([r["shape_start"] - r["hook_end"] for r in succeeded]),
            "shape step (claim..record)": percentiles([r["shape_end"] - r["shape_start"] for r in succeeded]),
        },
        "cpu_seconds": cpu,
        "cpu_share": {k: v / cpu_total for k, v in cpu.items()} if cpu_total else {},
        "cpu_ms_per_run": {k: 1000 * v / len(succeeded) for k, v in cpu.items()} if succeeded else {},
        "cpu_utilisation_of_2_cores": cpu_total / (wall * cores) if wall else None,
        # Runs per second the cores could finish if they ran nothing but the platform.
        "cpu_bound_ceiling_per_s": len(succeeded) * cores / platform_cpu if platform_cpu else None,
        "retried_steps": sum(1 for r in runs if r["attempts"] > 2),
    }


def print_report(result: dict[str, Any]) -> None:
    """A readable table of the figures."""
    s = result["summary"]
    cfg = result["config"]

    def num(v: float | None, unit: str = "") -> str:
        return "-" if v is None else f"{v:,.1f}{unit}"

    print()
    print(f"AutomateOS throughput: webhook -> transform, {cfg['requests']} calls, concurrency {cfg['concurrency']}"
          + (f", paced at {cfg['rate']:g}/s" if cfg["rate"] else ""))
    print(f"  web: {cfg['web']}")
    print(f"  worker: {cfg['worker']}")
    print(f"  machine busy before firing: {100 * cfg['machine_busy_before']:.0f}%, "
          f"load average {cfg['load_average_before'][0]:.1f}")
    print()
    rows = [("accepted webhooks/s", num(s["accepted_per_s"])),
            ("completed executions/s", num(s["completed_per_s"])),
            ("accepted / succeeded", f"{s['accepted']} / {s['succeeded']} of {s['requests']}"),
            ("errors", ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "none")]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    print()
    print(f"  {'latency (ms)':<30} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}")
    for name, p in s["latency_ms"].items():
        print(f"  {name:<30} {num(p['p50']):>9} {num(p['p95']):>9} {num(p['p99']):>9} {num(p['max']):>9}")
    print()
    print(f"  {'CPU':<30} {'seconds':>9} {'share':>9} {'ms/run':>9}")
    for name, secs in s["cpu_seconds"].items():
        print(f"  {name:<30} {secs:>9.1f} {100 * s['cpu_share'].get(name, 0):>8.1f}% "
              f"{num(s['cpu_ms_per_run'].get(name)):>9}")
    util = s["cpu_utilisation_of_2_cores"]
    print(f"  machine CPU busy while measuring: {num(None if util is None else 100 * util, '%')}")
    print(f"  CPU-bound ceiling (all cores, platform only): {num(s['cpu_bound_ceiling_per_s'])} executions/s")
    print()


# -- profiling (optional) -------------------------------------------------------------------

def start_profilers(services: list[Service], out_dir: Path, duration: float, mode: str) -> list[subprocess.Popen]:
    """py-spy record each service's process tree (raw collapsed stacks) for ``duration`` s;
    ``mode`` "cpu" samples only the thread holding the GIL (where Python work goes), "wall"
    every thread, waiting ones too (where the time goes)."""
    py_spy = shutil.which("py-spy", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if py_spy is None:
        print("  --profile: py-spy not found (pip install py-spy); not profiling", flush=True)
        return []
    procs = []
    for s in services:
        cmd = [py_spy, "record", "--pid", str(s.proc.pid), "--subprocesses", "--rate", "100",
               "--duration", str(int(duration)), "--format", "raw", "--output", str(out_dir / f"{s.name}.stacks"),
               "--nonblocking"] + (["--idle"] if mode == "wall" else ["--gil"])
        log = (out_dir / f"{s.name}.py-spy.log").open("wb")
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    return procs


def stop_profilers(procs: list[subprocess.Popen]) -> None:
    """Let py-spy write its output (SIGINT), then make sure it is gone."""
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=5)


_LINE = re.compile(r":\d+\)$")


def top_frames(stacks_path: Path, limit: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Self and inclusive shares of the hottest frames in a py-spy raw (collapsed) file."""
    if not stacks_path.exists():
        return {}
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in stacks_path.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        # Drop the "process N: cmdline" roots and line numbers: a function is one entry.
        frames = [_LINE.sub(")", f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    if not total:
        return {}

    def top(d: dict[str, int]) -> list[tuple[str, float]]:
        return [(k, v / total) for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:limit]]

    return {"self": top(own), "inclusive": top(inclusive)}


# -- main -----------------------------------------------------------------------------------

def busy_share(seconds: float = 2.0) -> float:
    """Share of the machine's CPU busy over the next ``seconds`` (before we add load)."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    return (machine_busy_seconds() - before) / (seconds * (os.cpu_count() or 1))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every call was accepted and every run succeeded."""
    args = parse_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = RESULTS_DIR / f"throughput-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    db_url = f"{args.pg_url}/{args.database}"
    extra = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--env wants KEY=VALUE, got {item!r}")
        extra[key] = value
    env = production_env(db_url, args.redis_url, args.namespace, extra)
    web_extra = []
    if args.web_workers:
        web_extra += ["--workers", str(args.web_workers)]
    if args.web_threads:
        web_extra += ["--threads", str(args.web_threads)]
    worker_cmd = [str(BIN / "dramatiq"), "worker", "--processes", str(args.worker_processes),
                  "--threads", str(args.worker_threads), "--worker-shutdown-timeout", "5000"]

    profilers: list[subprocess.Popen] = []
    exit_on_signals()  # SIGTERM / SIGHUP unwind through the finally blocks, as Ctrl-C does
    print(f"database {args.database}, redis {args.redis_url} namespace {args.namespace}", flush=True)
    with production_stack(run_dir, pg_url=args.pg_url, database=args.database, redis_url=args.redis_url,
                          namespace=args.namespace, worker_cmd=worker_cmd, web_extra=tuple(web_extra), env=env,
                          startup_timeout=args.startup_timeout, keep_db=args.keep_db) as stack:
        print(f"app at {stack.base}: {shown(stack.web_cmd)}; worker: {shown(worker_cmd)}", flush=True)
        try:
            return measure(args, stamp, run_dir, stack, profilers)
        finally:
            print("stopping the app and the workers...", flush=True)
            stop_profilers(profilers)


def measure(args: argparse.Namespace, stamp: str, run_dir: Path, stack: Stack, profilers: list[subprocess.Popen]) -> int:
    """Warm up, fire, wait for the runs, read the figures; 0 when all succeeded."""
    base, services, db_url, web_cmd, worker_cmd = stack.base, stack.services, stack.db_url, stack.web_cmd, stack.worker_cmd
    hook_path = create_workflow(base)
    if args.warmup:
        warm = fire_in_subprocess(base, hook_path, args.warmup, min(args.concurrency, args.warmup), 0.0,
                                  args.fire_timeout, 0, run_dir / "warmup.json")
        warm_ids = [r["log_id"] for r in warm["records"] if r.get("log_id") is not None]
        if wait_for_runs(db_url, warm_ids, args.drain_timeout, "warm-up"):
            raise RuntimeError("warm-up runs did not finish")
        print(f"warm-up: {len(warm_ids)}/{args.warmup} accepted and finished", flush=True)

    # Other work on the machine shares the same cores: say so next to the figures.
    idle_check, load_before = busy_share(), os.getloadavg()
    if idle_check > 0.25:
        print(f"warning: the machine was {100 * idle_check:.0f}% busy before firing; "
              "figures will be lower than on an idle machine", flush=True)
    groups = {"web (gunicorn)": services[0].pgid, "worker (dramatiq)": services[1].pgid}
    cpu_before, busy_before = cpu_snapshot(groups, args.database), machine_busy_seconds()
    if args.profile:
        profilers += start_profilers(services, run_dir, args.fire_timeout + args.drain_timeout, args.profile)
    print(f"firing {args.requests} webhook calls, concurrency {args.concurrency}...", flush=True)
    t0 = time.monotonic()
    fired = fire_in_subprocess(base, hook_path, args.requests, args.concurrency, args.rate,
                               args.fire_timeout, args.warmup, run_dir / "fired.json")
    log_ids = [r["log_id"] for r in fired["records"] if r.get("log_id") is not None]
    unfinished = wait_for_runs(db_url, log_ids, args.drain_timeout, "measured")
    wall = time.monotonic() - t0
    cpu_after, busy_after = cpu_snapshot(groups, args.database), machine_busy_seconds()
    stop_profilers(profilers)
    cpu = {part: 0.0 for part in (*groups, "postgres", "redis (whole server)")}
    cpu |= cpu_used(cpu_before, cpu_after)
    cpu["load generator"] = fired["cpu_seconds"]
    # Anything else busy on the machine meanwhile (other jobs, the profiler) skews the figures.
    cpu["other processes"] = max(0.0, busy_after - busy_before - sum(cpu.values()))

    runs = read_runs(db_url, log_ids)
    result = {
        "benchmark": "webhook -> transform throughput",
        "when": stamp,
        "label": args.label,
        "config": {
            "requests": args.requests, "concurrency": args.concurrency, "rate": args.rate, "warmup": args.warmup,
            "web": shown(web_cmd), "worker": shown(worker_cmd),
            "extra_env": args.env, "cpus": os.cpu_count(),
            "machine_busy_before": idle_check, "load_average_before": load_before,
        },
        "summary": summarise(fired, runs, unfinished, cpu, wall),
    }
    if args.profile:
        result["profile"] = {s.name: top_frames(run_dir / f"{s.name}.stacks") for s in services}
    out = RESULTS_DIR / f"throughput-{stamp}.json"
    out.write_text(json.dumps(result, indent=2))
    print_report(result)
    print(f"JSON: {out.relative_to(ROOT)}   logs: {run_dir.relative_to(ROOT)}/")
    s = result["summary"]
    return 0 if not s["errors"] and s["succeeded"] == args.requests else 1

if __name__ == "__main__":
    sys.exit(main())
