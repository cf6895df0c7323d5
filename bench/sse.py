"""Benchmark of live events: 1,000 SSE clients against gunicorn while executions run.

Starts, on this machine, gunicorn with gunicorn.conf.py and a ``dramatiq`` worker process
on PostgreSQL (its own database, ``automateos_bench_sse``, created if missing; never the
test suite's) and Redis (its own namespace). Then it registers a user, measures the API's
latency idle, opens the SSE clients, fires executions through a webhook, and reports:

* connections held (opened, still open at the end, and every event delivered to each),
* delivery latency, status change committed → client received: the event id is the Redis
  stream id, stamped by XADD right after the commit, so ``received - id`` on this
  machine's one clock; also ``received - updated_at`` (the status change itself),
* the API's p95 (GET /api/workflows) idle vs under the open streams and the runs,
* how long a graceful stop (SIGTERM) takes with every stream still open.

Usage (needs the ``bench`` extra: ``pip install -e '.[bench]'``)::

    python bench/sse.py [--clients 1000] [--runs 60] [--rate 2] [--worker-class gevent]

Writes bench/results/sse-<worker class>-<time>.json and prints a table.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from stack import free_port, production_env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
PROBE: Any = None  # the process that times API requests (see probe_api)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="concurrent SSE clients")
    parser.add_argument("--users", type=int, default=1, help="spread the clients (and the runs) over this many users")
    parser.add_argument("--runs", type=int, default=60, help="executions fired while the streams are open")
    parser.add_argument("--rate", type=float, default=2.0, help="executions per second")
    parser.add_argument("--worker-class", default="gevent", choices=["gevent", "gthread"])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=600, help="gthread: threads per worker")
    parser.add_argument("--api-samples", type=int, default=500, help="API requests per latency measurement")
    parser.add_argument("--database", default="automateos_bench_sse")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL, without database")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (0: a free one)")
    return parser.parse_args()


def raise_file_limit(needed: int) -> int:
    """Allow this process (and the servers it starts) enough open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def ensure_database(server_url: str, name: str) -> str:
    """Create database ``name`` if missing; returns its URL."""
    import psycopg

    if name == "test":
        raise SystemExit("refusing to use database 'test': the test suite drops it")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


@dataclass
class Services:
    """gunicorn and the dramatiq worker, started for the run."""

    env: dict[str, str]
    port: int
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def start(self, args: argparse.Namespace) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._spawn("dramatiq", [str(BIN / "dramatiq"), "worker", "--processes", "1", "--threads", "8"])
        self._spawn("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
                                 "--workers", str(args.workers), "--worker-class", args.worker_class,
                                 "--threads", str(args.threads)])

    def _spawn(self, name: str, cmd: list[str]) -> None:
        self.logs[name] = RESULTS / f"{name}.log"
        out = self.logs[name].open("w")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def pct(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


@dataclass
class Client:
    """One SSE client and what it received."""

    user: int
    opened: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False
    error: str | None = None
    finals: int = 0  # runs seen finishing
    frames: list[tuple[float, bytes]] = field(default_factory=list)  # received at, raw frame

    @property
    def events(self) -> list[tuple[str, str, float, dict[str, Any]]]:
        """(id, type, received at, data) of every event received."""
        parsed = []
        for received, frame in self.frames:
            fields = dict(line.split(": ", 1) for line in frame.decode().split("\n") if ": " in line)
            parsed.append((fields.get("id", ""), fields["event"], received, json.loads(fields["data"])))
        return parsed


async def follow(session: aiohttp.ClientSession, url: str, token: str, client: Client) -> None:
    """Read one stream until it ends; stamp every event with its arrival time."""
    try:
        async with session.get(url, headers={"Authorization": f"Bearer {token}"},
                               timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as resp:
            if resp.status != 200:
                client.error = f"HTTP {resp.status}"
                return
            buffer = b""
            async for chunk in resp.content.iter_any():
                received = time.time()
                client.opened = True
                buffer += chunk
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    # Keep the raw frame: parsing waits until the end, so the client's own
                    # work stays small while it measures.
                    if b"\nevent: events.ready" in frame:
                        client.ready.set()
                    elif b"event: " in frame:
                        client.frames.append((received, frame))
                        if b"event: execution.updated" in frame and (b'"status":"success"' in frame
                                                                     or b'"status":"failed"' in frame):
                            client.finals += 1
        client.ended = True
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a dropped stream is a result, not a crash of the bench
        client.error = f"{type(exc).__name__}: {exc}"
        client.ended = True


def probe_api(base: str, token: str, samples: int) -> list[float]:
    """Milliseconds of ``samples`` sequential GET /api/workflows, timed in a process of its
    own: the SSE clients' event loop must not add its lag to the API's figures."""
    import requests

    times = []
    with requests.Session() as http:
        for _ in range(samples):
            started = time.perf_counter()
            resp = http.get(f"{base}/api/workflows", headers={"Authorization": f"Bearer {token}"}, timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            assert resp.status_code == 200, resp.status_code
    return times


async def api_latency(base: str, token: str, samples: int) -> list[float]:
    """``probe_api`` in the probe process."""
    return await asyncio.get_running_loop().run_in_executor(PROBE, probe_api, base, token, samples)


async def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base}/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("gunicorn did not become ready: see bench/results/gunicorn.log")


async def make_user(session: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    """A new user with a webhook workflow: (access token, webhook URL)."""
    creds = {"email": f"bench-{secrets.token_hex(6)}@example.com", "password": secrets.token_urlsafe(12)}
    async with session.post(f"{base}/api/auth/register", json=creds) as resp:
        assert resp.status == 201, await resp.text()
    async with session.post(f"{base}/api/auth/login", json=creds) as resp:
        token = (await resp.json())["access_token"]
    definition = {
        "nodes": [{"id": "hook", "type": "webhook", "params": {}},
                  {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}}],
        "edges": [{"source": "hook", "target": "shape"}],
    }
    async with session.post(f"{base}/api/workflows", json={"name": "bench", "definition": definition},
                            headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 201, await resp.text()
        return token, (await resp.json())["webhook_url"]


def iso_ms(value: str) -> float:
    return datetime.fromisoformat(value).timestamp() * 1000


async def run(args: argparse.Namespace, base: str, gunicorn: subprocess.Popen) -> dict[str, Any]:
    load_before = list(os.getloadavg())
    await wait_healthy(base)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        users = [await make_user(session, base) for _ in range(args.users)]
        api_token = users[0][0]
        await api_latency(base, api_token, 20)  # warm up
        idle = await api_latency(base, api_token, args.api_samples)

        clients = [Client(user=i % args.users) for i in range(args.clients)]
        opening = time.monotonic()
        gate = asyncio.Semaphore(100)  # don't SYN-flood the listen backlog

        async def open_one(client: Client) -> None:
            async with gate:
                task = asyncio.create_task(follow(session, f"{base}/api/events", users[client.user][0], client))
                try:
                    await asyncio.wait_for(client.ready.wait(), 60)
                except asyncio.TimeoutError:
                    pass
                tasks.append(task)

        tasks: list[asyncio.Task] = []
        await asyncio.gather(*(open_one(c) for c in clients))
        open_seconds = time.monotonic() - opening
        held_at_start = sum(1 for c in clients if c.ready.is_set() and not c.ended)
        held = await api_latency(base, api_token, args.api_samples)  # streams open, no runs

        # Fire the runs, spread over the users, while measuring the API.
        fired: list[int] = []

        async def fire() -> None:
            for n in range(args.runs):
                _, hook_url = users[n % args.users]
                async with session.post(hook_url, json={"n": n}) as resp:
                    assert resp.status == 202, await resp.text()
                    fired.append((await resp.json())["log_id"])
                await asyncio.sleep(1 / args.rate)

        firing = asyncio.create_task(fire())
        loaded = await api_latency(base, api_token, args.api_samples)
        await firing
        # Let the last runs finish and their final events reach every client.
        finals = {u: sum(1 for n in range(args.runs) if n % args.users == u) for u in range(args.users)}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(
                c.finals < finals[c.user] for c in clients if c.ready.is_set() and not c.ended):
            await asyncio.sleep(0.5)
        held_at_end = sum(1 for c in clients if c.ready.is_set() and not c.ended)

        # Graceful stop with every stream open: SIGTERM the master, time the streams' end.
        stopping = time.monotonic()
        gunicorn.send_signal(signal.SIGTERM)
        await asyncio.wait(tasks, timeout=60)
        stream_end_seconds = round(time.monotonic() - stopping, 2)
        ended_cleanly = sum(1 for c in clients if c.ended and not c.error)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return {
            "load_before": load_before, "stream_end_seconds": stream_end_seconds, "ended_cleanly": ended_cleanly,
            "clients": clients, "tasks": tasks, "idle": idle, "held": held, "loaded": loaded, "open_seconds": open_seconds,
            "held_at_start": held_at_start, "held_at_end": held_at_end, "fired": fired,
        }


def summarise(args: argparse.Namespace, raw: dict[str, Any]) -> dict[str, Any]:
    clients: list[Client] = raw["clients"]
    by_id, by_update = [], []
    per_user_events: dict[int, set[str]] = {}
    events = {id(c): c.events for c in clients}
    for c in clients:
        per_user_events.setdefault(c.user, set()).update(e[0] for e in events[id(c)])
    complete = sum(1 for c in clients if len({e[0] for e in events[id(c)]}) == len(per_user_events[c.user]))
    for c in clients:
        for event_id, type_, received, data in events[id(c)]:
            by_id.append(received * 1000 - int(event_id.split("-")[0]))
            if type_.startswith("execution.") and data.get("updated_at"):
                by_update.append(received * 1000 - iso_ms(data["updated_at"]))
    idle_p95, loaded_p95 = pct(raw["idle"], 0.95), pct(raw["loaded"], 0.95)
    return {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    # Anything else running on the machine skews every figure: say so.
                    "load_average_before": raw["load_before"], "load_average_after": list(os.getloadavg())},
        "settings": {k: v for k, v in vars(args).items() if k not in ("pg", "redis")},
        "connections": {
            "requested": args.clients, "held_at_start": raw["held_at_start"], "held_at_end": raw["held_at_end"],
            "open_seconds": round(raw["open_seconds"], 2),
            "errors": sorted({c.error for c in clients if c.error})[:5],
            "clients_with_every_event": complete,
        },
        "events": {
            "runs_fired": len(raw["fired"]), "distinct_events": sum(len(s) for s in per_user_events.values()),
            "deliveries": len(by_id),
        },
        "latency_ms_commit_to_client": {
            "p50": pct(by_id, 0.50), "p95": pct(by_id, 0.95), "p99": pct(by_id, 0.99), "max": max(by_id, default=None),
        },
        "latency_ms_status_change_to_client": {
            "p50": pct(by_update, 0.50), "p99": pct(by_update, 0.99),
        },
        "api_ms": {
            "idle_p50": statistics.median(raw["idle"]), "idle_p95": idle_p95,
            "streams_held_p50": statistics.median(raw["held"]), "streams_held_p95": pct(raw["held"], 0.95),
            "loaded_p50": statistics.median(raw["loaded"]), "loaded_p95": loaded_p95,
            "ratio_p95": round(loaded_p95 / idle_p95, 2) if idle_p95 else None,
        },
        "graceful_stop": {"seconds": raw["stream_end_seconds"], "streams_ended_cleanly": raw["ended_cleanly"]},
    }


def print_table(result: dict[str, Any]) -> None:
    c, e, lat, upd, api, stop = (result["connections"], result["events"], result["latency_ms_commit_to_client"],
                                 result["latency_ms_status_change_to_client"], result["api_ms"],
                                 result["graceful_stop"])
    f = lambda v: "-" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))  # noqa: E731
    rows = [
        ("worker class", f"{result['settings']['worker_class']} x {result['settings']['workers']}", ""),
        ("load average before (1 min)", f"{result['machine']['load_average_before'][0]:.2f}", "~0: a quiet machine"),
        ("clients held (start / end)", f"{c['held_at_start']} / {c['held_at_end']} of {c['requested']}", "1000 held"),
        ("clients that got every event", f"{c['clients_with_every_event']}", ""),
        ("time to open all streams (s)", f(c["open_seconds"]), ""),
        ("runs / events / deliveries", f"{e['runs_fired']} / {e['distinct_events']} / {e['deliveries']}", ""),
        ("commit -> client p50 (ms)", f(lat["p50"]), ""),
        ("commit -> client p95 (ms)", f(lat["p95"]), ""),
        ("commit -> client p99 (ms)", f(lat["p99"]), "< 250"),
        ("commit -> client max (ms)", f(lat["max"]), ""),
        ("status change -> client p50/p99 (ms)", f"{f(upd['p50'])} / {f(upd['p99'])}", ""),
        ("API p95 idle (ms)", f(api["idle_p95"]), ""),
        ("API p95, streams open, no runs (ms)", f(api["streams_held_p95"]), ""),
        ("API p95, streams open + runs (ms)", f(api["loaded_p95"]), "< 2x idle"),
        ("API p95 ratio", f(api["ratio_p95"]), "< 2"),
        ("SIGTERM -> every stream ended (s)", f(stop["seconds"]), "< graceful_timeout (20)"),
        ("streams ended cleanly on stop", f(stop["streams_ended_cleanly"]), ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>24}  target")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:>24}  {target}")


def main() -> None:
    global PROBE
    args = parse_args()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    PROBE = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    limit = raise_file_limit(args.clients * 4 + 1024)
    database_url = ensure_database(args.pg, args.database)
    port = args.port or free_port()
    env = production_env(database_url, args.redis, "automateos-bench-sse", {
        "LOGIN_RATE_LIMIT": "1000 per minute", "GUNICORN_WORKER_CONNECTIONS": str(args.clients + 500),
    })
    print(f"open files limit {limit}; database {args.database}; gunicorn {args.worker_class} on :{port}")
    services = Services(env, port)
    services.start(args)
    base = f"http://127.0.0.1:{port}"
    loop = asyncio.new_event_loop()
    try:
        raw = loop.run_until_complete(run(args, base, services.procs["gunicorn"]))
        try:
            services.procs["gunicorn"].wait(60)
        except subprocess.TimeoutExpired:
            pass
        result = summarise(args, raw)
    finally:
        services.stop()
        loop.close()
        PROBE.shutdown()
    print_table(result)
    path = RESULTS / f"sse-{args.worker_class}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
