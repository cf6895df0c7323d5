#!/usr/bin/env python3
"""AutomateOS vs n8n on the same machine and services, one after the other (issue 9).

    .venv/bin/python bench/vs_n8n.py            # or: make bench

1. Our production stack: ``AUTOMATEOS_ENV=production``, gunicorn with ``gunicorn.conf.py``
   and the Procfile's dramatiq worker, on PostgreSQL (a database of its own, never
   ``test``) and Redis (a database index and namespace of its own). Figures:
   webhook -> transform answered ``when_finished`` under ``wrk -c 20 -d 15s`` (req/s, p99),
   p99 at a paced 100 req/s (open loop, timed from each call's scheduled send), one run of
   webhook -> 40 transforms answered when finished (median of 15), and the long chain's
   steps/s (runs answered 202, timed in the database: first run created -> last finished).
2. The Dramatiq floor: plain no-op Dramatiq messages/s on the same Redis with the same
   worker processes and threads (this module is the floor worker's actor module).
3. n8n 1.123.81 (``../shared/peers/n8n/setup.sh`` relative to the repository) with the same
   load, then stopped.

Prints both sides with ratios and the load average next to each figure, and writes the JSON
to ``bench/results/``. Everything it started is stopped on the way out; only 127.0.0.1 is
used; every load is bounded in count and time.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import dramatiq
import psycopg
import redis
from dramatiq.brokers.redis import RedisBroker

from stack import (BIN, RESULTS_DIR, ROOT, Service, api_session, clear_redis_namespace, exit_on_signals, production_env,
                   production_stack, save_workflow, shown, start_service, stop_services, wait_for_runs,
                   worker_size)
from throughput import cpu_snapshot, cpu_used, percentiles, start_profilers, stop_profilers, top_frames

PEER_DIR = ROOT.parent / "shared" / "peers"
N8N_PORT = 5678
FLOOR_ENV = "VS_N8N_FLOOR_REDIS"  # set only in the floor's dramatiq worker: declares the no-op actor
FLOOR_QUEUE = "floor"
CHAIN_LENGTH = 40
WEB_SETTINGS = ("WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS", "GUNICORN_WORKER_CONNECTIONS")


# -- the Dramatiq floor's actor module ------------------------------------------------------

def _declare_floor_actor() -> None:
    """Declare the no-op actor on a broker of the floor's own namespace (worker side)."""
    url, namespace = os.environ[FLOOR_ENV].split(" ", 1)
    floor_broker = RedisBroker(client=redis.Redis.from_url(url), namespace=namespace)
    dramatiq.set_broker(floor_broker)

    @dramatiq.actor(queue_name=FLOOR_QUEUE, max_retries=0)
    def noop() -> None:
        """Nothing: the cost left is Dramatiq's own (fetch, decode, middleware, ack)."""


if os.environ.get(FLOOR_ENV):  # only in `dramatiq vs_n8n`, never when run as the benchmark
    _declare_floor_actor()


# -- workflows --------------------------------------------------------------------------------

def hook_transform(respond: str) -> dict[str, Any]:
    """n8n's webhook-set.json: a webhook feeding one Set of two fields."""
    return {"nodes": [
        {"id": "hook", "type": "webhook", "name": "Webhook", "params": {"respond": respond}},
        {"id": "shape", "type": "transform", "name": "Edit Fields", "params": {"fields": {
            "order": "{{ input.body.id }}", "total": "{{ input.body.amount * 2 }}"}}},
    ], "edges": [{"source": "hook", "target": "shape"}]}


def chain(respond: str) -> dict[str, Any]:
    """n8n's chain40.json: a webhook, then 40 transforms each adding 1 to ``n``."""
    nodes = [{"id": "hook", "type": "webhook", "name": "Webhook", "params": {"respond": respond}}]
    edges = []
    for i in range(1, CHAIN_LENGTH + 1):
        source = "{{ input.body.n + 1 }}" if i == 1 else "{{ input.n + 1 }}"
        nodes.append({"id": f"s{i}", "type": "transform", "name": f"Step {i}", "params": {"fields": {"n": source}}})
        edges.append({"source": nodes[-2]["id"], "target": f"s{i}"})
    return {"nodes": nodes, "edges": edges}


def save_workflows(base: str) -> dict[str, str]:
    """Register, log in and save the three workflows; their webhook paths by name."""
    http = api_session(base)
    return {name: save_workflow(http, base, f"bench vs n8n: {name}", definition)
            for name, definition in (("transform", hook_transform("when_finished")), ("chain", chain("when_finished")),
                                     ("chain_202", chain("immediately")))}


# -- load -------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


# The peers' post.lua, plus a count of answers by HTTP status (wrk's own summary only says
# "Non-2xx"): an error answered fast must not pass for throughput.
STATUS_LUA = """dofile(%s)
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do io.write("status ", code, " ", n, "\\n") end
  end
end
"""


def run_wrk(url: str, connections: int, seconds: int, run_dir: Path) -> dict[str, Any]:
    """``wrk --latency`` with the peers' post.lua: 2xx answers/s, p99 (ms), answers by status."""
    script = run_dir / "post-status.lua"
    script.write_text(STATUS_LUA % json.dumps(str(PEER_DIR / "post.lua")))
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency",
           "-s", str(script), url]
    load = os.getloadavg()[0]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    out = done.stdout
    if "cannot open" in done.stderr or "status " not in out:  # wrk goes on without a broken script
        raise RuntimeError(f"wrk's script failed:\n{done.stderr}")
    statuses: dict[str, int] = {}
    for code, n in re.findall(r"^status (\d+) (\d+)$", out, re.M):
        statuses[code] = statuses.get(code, 0) + int(n)
    ok = sum(n for code, n in statuses.items() if code.startswith("2"))
    window = float(re.search(r"requests in ([\d.]+)(m?s)", out).group(1))
    window *= 1e-3 if re.search(r"requests in [\d.]+ms", out) else 1.0
    rps = ok / window
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"req_per_s": rps, "statuses": statuses, "p99_ms": float(p99.group(1)) * _UNITS[p99.group(2)] if p99 else None,
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else "",
            "load_avg": load, "command": "wrk " + " ".join(shlex.quote(c) for c in cmd[1:-2]) + " post.lua+status URL"}


def paced(port: int, path: str, rate: float, seconds: float, connections: int = 40) -> dict[str, Any]:
    """Open-loop load at ``rate`` calls/s for ``seconds``: each latency runs from the call's
    scheduled send time (a late call counts its wait), so a stall is not hidden."""
    total = int(rate * seconds)
    body = b'{"id":"A-1","amount":150}'
    lock, counter, results = threading.Lock(), iter(range(total)), []
    start = time.monotonic() + 0.2
    load = os.getloadavg()[0]

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            due = start + i / rate
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                ok = 200 <= resp.status < 300
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            with lock:
                results.append((time.monotonic() - due, ok))
        conn.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    lat = percentiles([r[0] for r in results])
    return {"rate": rate, "calls": total, "answered_ok": sum(1 for r in results if r[1]),
            "p50_ms": lat["p50"], "p99_ms": lat["p99"], "load_avg": load}


def chain_median(port: int, path: str, runs: int, check: Callable[[Any], bool]) -> dict[str, Any]:
    """Median wall time of ``runs`` sequential calls (after 3 warm-ups); each answer checked."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times, load = [], os.getloadavg()[0]
    for i in range(runs + 3):
        t0 = time.perf_counter()
        conn.request("POST", path, body=b'{"n":1}', headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - t0
        if resp.status >= 300 or not check(json.loads(data)):
            raise RuntimeError(f"chain answered {resp.status}: {data[:300]!r}")
        if i >= 3:
            times.append(elapsed * 1000)
    conn.close()
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "load_avg": load}


# -- our stack ----------------------------------------------------------------------------------

def procfile_worker(args: argparse.Namespace) -> list[str]:
    """The Procfile's worker command (processes/threads overridable for tuning)."""
    line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith("worker:"))
    cmd = shlex.split(line.split(":", 1)[1])
    for flag, value in (("--processes", args.worker_processes), ("--threads", args.worker_threads)):
        if value and flag in cmd:
            cmd[cmd.index(flag) + 1] = str(value)
        elif value:
            cmd += [flag, str(value)]
    cmd[0] = str(BIN / cmd[0])
    return cmd


def our_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings on the benchmark's own database and Redis namespace."""
    extra = {}
    if args.web_workers:
        extra["WEB_CONCURRENCY"] = str(args.web_workers)
    if args.web_class:
        extra["GUNICORN_WORKER_CLASS"] = args.web_class
    if args.web_connections:
        extra["GUNICORN_WORKER_CONNECTIONS"] = str(args.web_connections)
    return production_env(f"{args.pg_url}/{args.database}", args.redis_url, args.namespace, extra)


def fire_chains(port: int, path: str, runs: int, connections: int = 10) -> list[int]:
    """POST ``runs`` chain calls answered 202 over ``connections`` connections; their log ids."""
    lock, counter, ids = threading.Lock(), iter(range(runs)), []

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            conn.request("POST", path, body=b'{"n":1}', headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = json.loads(resp.read())
            if resp.status == 202:
                with lock:
                    ids.append(data["log_id"])
        conn.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return ids


def chain_steps_per_s(db_url: str, port: int, path: str, runs: int) -> dict[str, Any]:
    """Fire ``runs`` long chains answered 202; steps/s = runs x 40 / (first created -> last finished)."""
    load = os.getloadavg()[0]
    ids = fire_chains(port, path, runs)
    left = wait_for_runs(db_url, ids, 300.0, "long chains")
    with psycopg.connect(db_url, autocommit=True) as conn:
        first, last, ok = conn.execute(
            "SELECT min(started_at), max(finished_at), count(*) FILTER (WHERE status = 'success')"
            " FROM execution_logs WHERE id = ANY(%s)", (ids,)).fetchone()
    window = (last - first).total_seconds()
    return {"runs": runs, "succeeded": ok, "unfinished": left, "window_s": window,
            "steps_per_s": ok * CHAIN_LENGTH / window if window else None, "load_avg": load}


def measure_ours(args: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    """Every figure of our stack, then the Dramatiq floor on the same Redis and worker size."""
    env, worker_cmd = our_env(args), procfile_worker(args)
    result: dict[str, Any] = {"worker": shown(worker_cmd),
                              "web_env": {k: env[k] for k in WEB_SETTINGS if k in env}}
    with production_stack(run_dir, pg_url=args.pg_url, database=args.database, redis_url=args.redis_url,
                          namespace=args.namespace, worker_cmd=worker_cmd, env=env) as stack:
        result["web"] = shown(stack.web_cmd).replace(f"127.0.0.1:{stack.port}", "127.0.0.1:PORT")
        paths = save_workflows(stack.base)
        print(f"ours: {result['web']} {result['web_env']} | {result['worker']}", flush=True)
        probe = WrkProbe(stack.services, args.database, args, run_dir)
        try:
            result |= measure_side(stack.port, paths, args,
                                   lambda a: a.get("result", {}).get("n") == CHAIN_LENGTH + 1, run_dir, probe)
        finally:
            probe.stop()
        result["wrk"]["cpu_ms_per_call"] = probe.cpu_ms_per_call(result.get("wrk", {}))
        print(f"  CPU per when_finished call (ms): {result['wrk']['cpu_ms_per_call']}", flush=True)
        if args.profile:
            result["profile"] = {s.name: top_frames(run_dir / f"{s.name}.stacks") for s in stack.services}
            print_profile(result["profile"])
        result["chain_steps"] = chain_steps_per_s(stack.db_url, stack.port, paths["chain_202"],
                                                  args.chain_throughput_runs)
        print(f"  long chain: {result['chain_steps']}", flush=True)
    result["floor"] = dramatiq_floor(args, env, worker_cmd, run_dir)
    print(f"  dramatiq floor: {result['floor']}", flush=True)
    return result


class WrkProbe:
    """Around our wrk run: the CPU each part of the stack used (web, worker, PostgreSQL's
    backends of our database, Redis), and with ``--profile`` py-spy on web and worker.

    CPU per call holds up on a shared machine far better than req/s does (a process is
    charged only while it runs), and 2 cores / CPU per call is the req/s the platform
    could reach on this box with nothing else running. Web and worker are exactly ours;
    "postgres" counts the server's own processes too (WAL writer...) and "redis" the whole
    server, so on a shared machine both are upper bounds.
    """

    def __init__(self, services: list[Service], database: str, args: argparse.Namespace, run_dir: Path,
                 uses_redis: bool = True) -> None:
        self.services, self.database, self.args, self.run_dir = services, database, args, run_dir
        self.uses_redis = uses_redis  # n8n (regular mode) does not: other users' Redis CPU is not its
        self.groups = {s.name: s.pgid for s in services}
        self.profilers: list[subprocess.Popen] = []
        self.before: dict[int, tuple[str, int]] = {}
        self.used: dict[str, float] | None = None

    def start(self) -> None:
        if self.args.profile and self.database == self.args.database:  # ours only
            self.profilers = start_profilers(self.services, self.run_dir, self.args.duration + 2, self.args.profile)
        self.before = cpu_snapshot(self.groups, self.database)

    def stop(self) -> None:
        if self.used is None and self.before:
            self.used = cpu_used(self.before, cpu_snapshot(self.groups, self.database))
            if not self.uses_redis:
                self.used = {part: used for part, used in self.used.items() if not part.startswith("redis")}
        stop_profilers(self.profilers)
        self.profilers = []

    def cpu_ms_per_call(self, wrk: dict[str, Any]) -> dict[str, float] | None:
        """CPU milliseconds per answered call, by part, and their sum."""
        calls = sum(wrk.get("statuses", {}).values())
        if not self.used or not calls:
            return None
        per = {part: round(1000 * seconds / calls, 2) for part, seconds in sorted(self.used.items())}
        per["total"] = round(sum(per.values()), 2)
        per["ceiling_req_per_s_on_all_cores"] = round((os.cpu_count() or 1) * 1000 / per["total"], 1)
        return per


def measure_side(port: int, paths: dict[str, str], args: argparse.Namespace,
                 chain_ok: Callable[[Any], bool], run_dir: Path, probe: WrkProbe | None = None) -> dict[str, Any]:
    """The three client-side figures, the same for both systems (``probe`` is started after
    the warm-up and stopped once the wrk run is over)."""
    url = f"http://127.0.0.1:{port}{paths['transform']}"
    subprocess.run(["wrk", "-t", "1", "-c", "4", "-d", "3s", "-s", str(PEER_DIR / "post.lua"), url],
                   capture_output=True, timeout=60, check=True)  # warm-up: connections, caches, JIT
    if probe:
        probe.start()
    out = {"wrk": run_wrk(url, args.connections, args.duration, run_dir)}
    if probe:
        probe.stop()
    print(f"  wrk: {out['wrk']}", flush=True)
    out["paced"] = paced(port, paths["transform"], args.rate, args.paced_seconds)
    print(f"  paced: {out['paced']}", flush=True)
    out["chain"] = chain_median(port, paths["chain"], args.chain_runs, chain_ok)
    print(f"  chain: {out['chain']}", flush=True)
    return out


def dramatiq_floor(args: argparse.Namespace, env: dict[str, str], worker_cmd: list[str],
                   run_dir: Path) -> dict[str, Any]:
    """No-op messages/s through ``dramatiq`` with the worker's processes and threads on the
    same Redis: all messages queued first, timed from 5 % to 95 % acknowledged (so the
    workers' start and the last stragglers are left out)."""
    namespace = f"{args.namespace}-floor"
    client = redis.Redis.from_url(args.redis_url)
    clear_redis_namespace(args.redis_url, namespace)
    broker = RedisBroker(client=client, namespace=namespace)
    message = dramatiq.Message(queue_name=FLOOR_QUEUE, actor_name="noop", args=(), kwargs={}, options={})
    for _ in range(args.floor_messages):
        broker.enqueue(message.copy(message_id=dramatiq.message.generate_unique_id()))
    pending_key = f"{namespace}:{FLOOR_QUEUE}.msgs"
    total = client.hlen(pending_key)
    processes, threads = worker_size(worker_cmd)
    # The module before --path: --path takes several values and would swallow it.
    cmd = [str(BIN / "dramatiq"), Path(__file__).stem, "--processes", str(processes), "--threads", str(threads),
           "--path", str(Path(__file__).parent)]
    floor_env = env | {FLOOR_ENV: f"{args.redis_url} {namespace}"}
    load = os.getloadavg()[0]
    service = start_service("floor", cmd, floor_env, run_dir)
    try:
        low, high = total * 0.95, total * 0.05
        t_low = t_high = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and t_high is None:
            left = client.hlen(pending_key)
            now = time.monotonic()
            if t_low is None and left <= low:
                t_low, n_low = now, left
            if left <= high:
                t_high, n_high = now, left
            if not service.alive():
                raise RuntimeError(f"floor worker exited:\n{service.log_tail()}")
            time.sleep(0.01)
        if t_low is None or t_high is None or t_high <= t_low:
            raise RuntimeError("the floor worker did not drain its queue in time")
        return {"messages": total, "processes": processes, "threads": threads,
                "messages_per_s": (n_low - n_high) / (t_high - t_low), "load_avg": load}
    finally:
        stop_services([service])
        clear_redis_namespace(args.redis_url, namespace)


# -- n8n -------------------------------------------------------------------------------------------

def measure_n8n(args: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    """Install (once) and start n8n with the peers' setup.sh, measure it, stop it."""
    n8n_dir = Path(args.n8n_dir)
    env = os.environ | {"N8N_DIR": str(n8n_dir)}
    pid_file = n8n_dir / "n8n.pid"
    try:
        with (run_dir / "n8n-setup.log").open("wb") as log:
            subprocess.run(["bash", str(PEER_DIR / "n8n" / "setup.sh")], env=env, check=True, stdout=log,
                           stderr=subprocess.STDOUT, timeout=900, stdin=subprocess.DEVNULL)
        paths = {"transform": "/webhook/bench", "chain": "/webhook/chain40"}
        print("n8n 1.123.81 on :5678", flush=True)
        # setup.sh started n8n with setsid: its pid leads the group its workers are in.
        probe = WrkProbe([Service("n8n", _Adopted(int(pid_file.read_text())), n8n_dir / "n8n.log")], "n8n", args,
                         run_dir, uses_redis=False)
        result = measure_side(N8N_PORT, paths, args,
                              lambda a: (a[0] if isinstance(a, list) else a).get("n") == CHAIN_LENGTH + 1, run_dir,
                              probe)
        result["wrk"]["cpu_ms_per_call"] = probe.cpu_ms_per_call(result["wrk"])
        print(f"  CPU per when_finished call (ms): {result['wrk']['cpu_ms_per_call']}", flush=True)
        return result
    finally:
        if pid_file.exists():  # setup.sh started it with setsid: its pid leads its own group
            pid = int(pid_file.read_text())
            stop_services([Service("n8n", _Adopted(pid), n8n_dir / "n8n.log")])
            pid_file.unlink(missing_ok=True)


class _Adopted:
    """Enough of ``subprocess.Popen`` for ``stop_service`` on a process we did not spawn."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        return None if Path(f"/proc/{self.pid}").exists() else 0

    def wait(self, timeout: float | None = None) -> int:
        deadline = time.monotonic() + (timeout or 0)
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        return 0


# -- report -----------------------------------------------------------------------------------------

def report(ours: dict[str, Any], n8n: dict[str, Any] | None,
           args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    """Rows of (figure, ours, n8n, ratio) and the goal each ratio is held to."""
    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}x" if a and b else "-"

    def f(v: float | None, unit: str) -> str:
        return "-" if v is None else f"{v:,.1f}{unit}"

    def cpu(side: dict[str, Any]) -> float | None:
        return (side["wrk"].get("cpu_ms_per_call") or {}).get("total")

    n = n8n or {"wrk": {}, "paced": {}, "chain": {}}
    rows = [
        (f"webhook->transform when_finished, wrk -c{args.connections} {args.duration}s: req/s (goal >= 4x)",
         f(ours["wrk"]["req_per_s"], ""), f(n["wrk"].get("req_per_s"), ""),
         ratio(ours["wrk"]["req_per_s"], n["wrk"].get("req_per_s"))),
        ("  same run: p99", f(ours["wrk"]["p99_ms"], " ms"), f(n["wrk"].get("p99_ms"), " ms"),
         ratio(n["wrk"].get("p99_ms"), ours["wrk"]["p99_ms"])),
        ("  same run: CPU ms per call, all parts (upper bound)", f(cpu(ours), " ms"), f(cpu(n), " ms"),
         ratio(cpu(n), cpu(ours))),
        (f"p99 at a paced {args.rate:g} req/s (goal < 100 ms at 100)", f(ours["paced"]["p99_ms"], " ms"),
         f(n["paced"].get("p99_ms"), " ms"), ratio(n["paced"].get("p99_ms"), ours["paced"]["p99_ms"])),
        (f"40-transform chain, median of {args.chain_runs} (goal < 100 ms, <= n8n)", f(ours["chain"]["median_ms"], " ms"),
         f(n["chain"].get("median_ms"), " ms"), ratio(n["chain"].get("median_ms"), ours["chain"]["median_ms"])),
        ("long chain steps/s vs Dramatiq no-op msgs/s (goal >= 50%)", f(ours["chain_steps"]["steps_per_s"], ""),
         f(ours["floor"]["messages_per_s"], " (floor)"),
         f"{100 * ours['chain_steps']['steps_per_s'] / ours['floor']['messages_per_s']:.0f}%"
         if ours["chain_steps"]["steps_per_s"] else "-"),
    ]
    return rows


def print_profile(profile: dict[str, Any], limit: int = 15) -> None:
    """The hottest frames of each profiled service (share of samples)."""
    for name, tops in profile.items():
        for kind in ("self", "inclusive"):
            print(f"\n{name}, {kind}:")
            for frame, share in tops.get(kind, [])[:limit]:
                print(f"  {100 * share:5.1f}%  {frame}")


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    """The figures as a Markdown table (ratio: ours over n8n, higher is better for us)."""
    print("\n| figure | AutomateOS | n8n 1.123.81 | ratio (ours better > 1) |\n| --- | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--skip-n8n", action="store_true", help="measure only our stack (e.g. while tuning)")
    p.add_argument("--connections", type=int, default=20, help="wrk connections")
    p.add_argument("--duration", type=int, default=15, help="wrk seconds")
    p.add_argument("--rate", type=float, default=100.0, help="paced calls per second")
    p.add_argument("--paced-seconds", type=float, default=15.0, help="paced load duration")
    p.add_argument("--chain-runs", type=int, default=15, help="40-step chain runs timed (median)")
    p.add_argument("--chain-throughput-runs", type=int, default=30, help="long chains fired for steps/s")
    p.add_argument("--floor-messages", type=int, default=5000, help="no-op messages for the Dramatiq floor")
    p.add_argument("--web-workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.conf.py)")
    p.add_argument("--web-class", choices=("gevent", "gthread"), help="GUNICORN_WORKER_CLASS (default: gunicorn.conf.py)")
    p.add_argument("--web-connections", type=int, help="GUNICORN_WORKER_CONNECTIONS (default: gunicorn.conf.py)")
    p.add_argument("--worker-processes", type=int, help="dramatiq --processes (default: the Procfile's)")
    p.add_argument("--worker-threads", type=int, help="dramatiq --threads (default: the Procfile's)")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server, no database")
    p.add_argument("--database", default="automateos_bench_vs_n8n", help="our database (created and dropped)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="Redis for our broker and the floor")
    p.add_argument("--namespace", default="automateos-bench-vs-n8n", help="our AUTOMATEOS_REDIS_NAMESPACE")
    p.add_argument("--n8n-dir", default=os.environ.get("N8N_DIR", str(Path(tempfile.gettempdir(), "peers", "n8n"))),
                   help="where setup.sh installs n8n (setup.sh's own default unless $N8N_DIR)")
    p.add_argument("--profile", choices=("cpu", "wall"), help="py-spy on our web and worker during the wrk run "
                   "(cpu: the thread holding the GIL; wall: every thread)")
    p.add_argument("--label", default="", help="free text stored in the JSON result")
    args = p.parse_args(argv)
    if args.database in ("test", "postgres") or not args.database.isidentifier():
        p.error("--database must be a plain identifier of its own (the test suite drops 'test')")
    return args


def main(argv: list[str] | None = None) -> int:
    """Ours, the floor, then n8n; print the table and write the JSON."""
    args = parse_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = RESULTS_DIR / f"vs_n8n-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    exit_on_signals()  # SIGTERM / SIGHUP unwind through every finally (a second one cannot cut it short)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}, load average {os.getloadavg()}", flush=True)
    ours = measure_ours(args, run_dir)
    n8n = None if args.skip_n8n else measure_n8n(args, run_dir)
    rows = report(ours, n8n, args)
    print_table(rows)
    print(f"\nload average at the end {os.getloadavg()}; cores {os.cpu_count()}")
    out = RESULTS_DIR / f"vs_n8n-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, "commit": commit, "label": args.label, "ours": ours, "n8n": n8n,
                               "table": rows, "load_avg_end": os.getloadavg()}, indent=2, default=str))
    print(f"JSON: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
