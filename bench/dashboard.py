#!/usr/bin/env python3
"""Dashboard benchmark: bundle size, logs page with 100,000 runs, webhook -> green row, live load.

Run from anywhere with the project's virtualenv (``pip install -e '.[bench]'``), PostgreSQL,
Redis and Debian's Chromium (``apt-get install chromium``)::

    .venv/bin/python bench/dashboard.py --runs 100000

What it does, in order:

1. builds the dashboard (``npm run build`` in frontend/) when the build is missing or older
   than its sources, and measures the production bundle of the initial route: every
   script and stylesheet Chromium loads for ``/``, gzip-compressed from the build;
2. creates its own database (dropped at the end unless ``--keep-db``) and Redis namespace,
   migrates, and starts the app in production mode: gunicorn (``gunicorn.conf.py``) and a
   ``dramatiq`` worker;
3. registers a user and saves a webhook -> transform workflow through the API, then loads
   ``--runs`` finished runs of it straight into PostgreSQL (one INSERT ... SELECT);
4. in headless Chromium (Playwright, ``/usr/bin/chromium``), logged in:
   - time to first rendered row of ``/workflows/{id}/logs``, cold (new browser context,
     empty cache) and warm (same context), ``--repeat`` times each;
   - delay from sending a webhook to its row turning green on screen (``data-status`` =
     success), ``--webhooks`` times, one after the other;
   - responsiveness while ``--rate`` runs a second arrive for ``--load-seconds``: frame
     gaps (requestAnimationFrame) and long tasks (PerformanceObserver) measured in the page,
     and whether the on-screen success count caught up with the database.

The figures are printed and written as JSON to ``bench/results/``. Every process it started
is stopped on the way out. Only loopback addresses are used; every loop is bounded.
Targets: initial route < 300 KB gzip, first row < 1 s, webhook -> green < 500 ms.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
import requests
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from stack import BIN, RESULTS_DIR, ROOT, Stack, exit_on_signals, production_env, production_stack, shown
from throughput import WORKFLOW, fire_in_subprocess

FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SESSION_KEY = "automateos.session"  # where the dashboard keeps its token pair (src/api/session.ts)
ROW = '[data-testid="log-row"]'

# Installed in every page before its scripts: records when the first row appears, when each
# run's row turns green, frame gaps and long tasks; all on the page's clocks.
PROBE = """
(() => {
  const w = window;
  w.__bench = { firstRow: null, green: {}, frames: [], longTasks: [], scripts: {}, sampling: false };
  const scan = () => {
    const rows = document.querySelectorAll('[data-testid="log-row"]');
    if (rows.length && w.__bench.firstRow === null) w.__bench.firstRow = performance.now();
    for (const row of rows) {
      if (row.getAttribute('data-status') === 'success') {
        const id = row.getAttribute('data-log-id');
        if (id && !(id in w.__bench.green)) w.__bench.green[id] = Date.now();
      }
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true,
                                                 attributeFilter: ['data-status'] });
  try {
    new PerformanceObserver((list) => {
      if (!w.__bench.sampling) return;
      for (const e of list.getEntries()) w.__bench.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  } catch (e) { /* no long-task API: frame gaps still tell */ }
  try {
    // Long animation frames say which scripts the time went to (by function and file).
    new PerformanceObserver((list) => {
      if (!w.__bench.sampling) return;
      for (const frame of list.getEntries()) {
        for (const s of frame.scripts || []) {
          const key = `${s.invoker || s.invokerType} ${s.sourceFunctionName || ''} ${(s.sourceURL || '').split('/').pop()}`;
          w.__bench.scripts[key] = (w.__bench.scripts[key] || 0) + s.duration;
        }
      }
    }).observe({ type: 'long-animation-frame', buffered: false });
  } catch (e) { /* older Chromium */ }
  let last = 0;
  const frame = (t) => {
    if (w.__bench.sampling && last) w.__bench.frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--runs", type=int, default=100_000, help="finished runs loaded into the workflow's history")
    p.add_argument("--repeat", type=int, default=5, help="page loads timed, cold and warm each")
    p.add_argument("--webhooks", type=int, default=20, help="webhooks timed to their green row, one at a time")
    p.add_argument("--rate", type=float, default=50.0, help="runs per second arriving during the load test")
    p.add_argument("--load-seconds", type=float, default=10.0, help="how long the load test fires")
    p.add_argument("--worker-processes", type=int, default=2, help="dramatiq worker processes")
    p.add_argument("--worker-threads", type=int, default=4, help="dramatiq threads per process")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                   help="PostgreSQL server (no database name); its 'postgres' database is used to create ours")
    p.add_argument("--database", default="automateos_bench_dashboard", help="database created (and dropped) for the run")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="Redis for broker, events and rate limits")
    p.add_argument("--namespace", default="automateos-bench-dashboard", help="AUTOMATEOS_REDIS_NAMESPACE of the run")
    p.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium binary Playwright drives")
    p.add_argument("--startup-timeout", type=float, default=60.0, help="seconds allowed for the app and workers to start")
    p.add_argument("--dist", type=Path, default=DIST,
                   help="the dashboard build to serve and measure (frontend/dist is rebuilt first when stale)")
    p.add_argument("--keep-db", action="store_true", help="leave the database in place for inspection")
    args = p.parse_args(argv)
    for name in ("runs", "repeat", "webhooks", "worker_processes", "worker_threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.rate <= 0 or args.load_seconds <= 0 or args.load_seconds > 120:
        p.error("--rate must be positive and --load-seconds within (0, 120]")
    if not args.database.isidentifier() or args.database in ("test", "postgres"):
        p.error("--database must be a plain identifier of a database of its own")
    if not Path(args.chromium).exists():
        p.error(f"{args.chromium} is missing: apt-get install -y chromium")
    return args


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95 and max of ``values`` (nearest rank), rounded to 0.1."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]  # noqa: E731
    return {"p50": round(pick(0.5), 1), "p95": round(pick(0.95), 1), "max": round(ordered[-1], 1), "n": len(values)}


# -- the build ------------------------------------------------------------------------------

def build_is_stale() -> bool:
    """True when frontend/dist/index.html is missing or older than any source of the dashboard."""
    index = DIST / "index.html"
    if not index.exists():
        return True
    built = index.stat().st_mtime
    sources = [FRONTEND / name for name in ("index.html", "package.json", "package-lock.json", "vite.config.ts")]
    sources += [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    return any(p.exists() and p.stat().st_mtime > built for p in sources)


def build_dashboard(log_dir: Path) -> None:
    """``npm run build`` in frontend/ (``npm ci`` first when node_modules is missing)."""
    with (log_dir / "build.log").open("wb") as log:
        if not (FRONTEND / "node_modules").exists():
            subprocess.run(["npm", "ci"], cwd=FRONTEND, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=600)
        subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True, stdout=log, stderr=subprocess.STDOUT,
                       timeout=600)


def gzip_size(path: Path) -> int:
    """Bytes of ``path`` compressed with gzip -9 (what a server with static gzip sends)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def bundle_of(dist: Path, urls: list[str]) -> dict[str, Any]:
    """Raw and gzip bytes of the build's scripts and stylesheets among ``urls``."""
    files = []
    for url in dict.fromkeys(urls):
        path = dist / urlparse(url).path.lstrip("/")
        if path.suffix in (".js", ".css") and path.is_file():
            files.append({"file": path.relative_to(dist).as_posix(), "raw": path.stat().st_size, "gzip": gzip_size(path)})
    return {"files": sorted(files, key=lambda f: -f["gzip"]),
            "raw_kb": round(sum(f["raw"] for f in files) / 1024, 1),
            "gzip_kb": round(sum(f["gzip"] for f in files) / 1024, 1)}


# -- the app --------------------------------------------------------------------------------

def register(base: str) -> tuple[dict[str, str], int, int, str]:
    """A new user and their webhook -> transform workflow: (token pair, user id, workflow id, hook path)."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    http = requests.Session()
    http.post(f"{base}/api/auth/register", json={"email": email, "password": password}, timeout=30).raise_for_status()
    tokens = http.post(f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    tokens.raise_for_status()
    pair = {"accessToken": tokens.json()["access_token"], "refreshToken": tokens.json()["refresh_token"]}
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    user_id = http.get(f"{base}/api/auth/me", headers=headers, timeout=30).json()["id"]
    resp = http.post(f"{base}/api/workflows", headers=headers, timeout=30,
                     json={"name": "Orders (bench)", "definition": WORKFLOW})
    if resp.status_code != 201:
        raise RuntimeError(f"creating the workflow failed: {resp.status_code} {resp.text}")
    hook = "/api/hooks/" + resp.json()["webhook_url"].rsplit("/api/hooks/", 1)[1]
    return pair, user_id, resp.json()["id"], hook


def load_history(db_url: str, workflow_id: int, owner_id: int, runs: int) -> float:
    """Insert ``runs`` finished runs of the workflow (one every 5 s back from now, 8 % failed);
    returns the seconds it took, ANALYZE included."""
    t0 = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO execution_logs (workflow_id, owner_id, status, trigger, workflow_version, started_at,
                                        finished_at, updated_at, definition, payload, result, error)
            SELECT %(wf)s, %(owner)s, CASE WHEN g %% 12 = 0 THEN 'failed' ELSE 'success' END,
                   CASE WHEN g %% 10 = 0 THEN 'manual' ELSE 'webhook' END, 1,
                   now() - g * interval '5 seconds', now() - g * interval '5 seconds' + (g %% 900 + 20) * interval '1 ms',
                   now() - g * interval '5 seconds', %(definition)s::json,
                   json_build_object('body', json_build_object('id', g, 'amount', g %% 500, 'customer', 'customer-' || g %% 97)),
                   CASE WHEN g %% 12 = 0 THEN NULL ELSE json_build_object('order', g, 'total', (g %% 500) * 1.2) END,
                   CASE WHEN g %% 12 = 0 THEN json_build_object('message', 'HTTP 503', 'type', 'HTTPError',
                                                                'node_id', 'shape', 'traceback', 'Traceback ...') END
            FROM generate_series(1, %(runs)s) AS g
            """,
            {"wf": workflow_id, "owner": owner_id, "definition": json.dumps(WORKFLOW), "runs": runs},
        )
        conn.execute("VACUUM (ANALYZE) execution_logs")
    return time.perf_counter() - t0


# -- the browser ----------------------------------------------------------------------------

def new_context(browser: Browser, base: str, pair: dict[str, str]) -> BrowserContext:
    """A logged-in browser context (the token pair in localStorage) with the probe installed."""
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.add_init_script(f"localStorage.setItem({json.dumps(SESSION_KEY)}, {json.dumps(json.dumps(pair))});")
    context.add_init_script(PROBE)
    return context


def first_row_ms(page: Page, path: str, stages: list[dict[str, float]] | None = None) -> float:
    """Navigate to ``path``; milliseconds from navigation start to the first rendered row.
    With ``stages``, appends when the page's list request started and ended (same clock)."""
    page.goto(path, wait_until="commit")
    page.wait_for_function("window.__bench && window.__bench.firstRow !== null", timeout=30_000)
    if stages is not None:
        stages.append(page.evaluate("""() => {
          const list = performance.getEntriesByType('resource').find((e) => /\\/api\\/workflows\\/\\d+\\/logs\\?/.test(e.name));
          const nav = performance.getEntriesByType('navigation')[0];
          return { html_ms: nav ? nav.responseEnd : null, list_request_ms: list ? list.startTime : null,
                   list_response_ms: list ? list.responseEnd : null };
        }"""))
    return float(page.evaluate("window.__bench.firstRow"))


def initial_route_bundle(browser: Browser, base: str, pair: dict[str, str], dist: Path) -> dict[str, Any]:
    """Scripts and stylesheets Chromium loads for ``/`` (the dashboard), measured from the build."""
    context = new_context(browser, base, pair)
    try:
        page = context.new_page()
        urls: list[str] = []
        page.on("request", lambda r: urls.append(r.url) if r.resource_type in ("script", "stylesheet") else None)
        page.goto("/", wait_until="networkidle")
        return bundle_of(dist, urls)
    finally:
        context.close()


def time_first_row(browser: Browser, base: str, pair: dict[str, str], path: str, repeat: int) -> dict[str, Any]:
    """Cold (new context each time) and warm (reload in the same context) times to the first row."""
    cold, warm = [], []
    cold_stages: list[dict[str, float]] = []
    warm_stages: list[dict[str, float]] = []
    for _ in range(repeat):
        context = new_context(browser, base, pair)
        try:
            page = context.new_page()
            cold.append(first_row_ms(page, path, cold_stages))
            page.goto("about:blank")
            warm.append(first_row_ms(page, path, warm_stages))
        finally:
            context.close()

    def median_stages(stages: list[dict[str, float]]) -> dict[str, float | None]:
        keys = ("html_ms", "list_request_ms", "list_response_ms")
        return {k: round(statistics.median(v), 1) if (v := [s[k] for s in stages if s.get(k) is not None]) else None
                for k in keys}

    return {"cold_ms": percentiles(cold), "warm_ms": percentiles(warm),
            "cold_stages_p50": median_stages(cold_stages), "warm_stages_p50": median_stages(warm_stages)}


def send_webhook(base: str, hook: str, n: int) -> tuple[int, float]:
    """POST one webhook; (its log id, the epoch milliseconds just before sending)."""
    sent = time.time() * 1000
    resp = requests.post(base + hook, json={"id": n, "customer": f"customer-{n}", "amount": 10 + n,
                                            "items": [{"sku": "sku-1", "qty": 1}]}, timeout=30)
    if resp.status_code != 202:
        raise RuntimeError(f"webhook answered {resp.status_code}: {resp.text}")
    return resp.json()["log_id"], sent


def finished_at_ms(db_url: str, log_id: int) -> float:
    """When the run finished, in epoch milliseconds (the database's record)."""
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT finished_at FROM execution_logs WHERE id = %s", (log_id,)).fetchone()[0].timestamp() * 1000


def time_webhook_to_green(page: Page, base: str, hook: str, db_url: str, count: int) -> dict[str, Any]:
    """Milliseconds from sending a webhook to its row being green on screen, one at a time,
    split at the run's ``finished_at``: the backend's part and the dashboard's part."""
    delays, backend, screen = [], [], []
    for n in range(count):
        log_id, sent = send_webhook(base, hook, n)
        page.wait_for_function(f"window.__bench.green['{log_id}'] !== undefined", timeout=30_000)
        green = float(page.evaluate(f"window.__bench.green['{log_id}']"))
        finished = finished_at_ms(db_url, log_id)
        delays.append(green - sent)
        backend.append(finished - sent)
        screen.append(green - finished)
        page.wait_for_timeout(200)  # let the run settle before the next one
    return {**percentiles(delays), "webhook_to_finished_ms": percentiles(backend),
            "finished_to_green_ms": percentiles(screen)}


def on_screen_success(page: Page) -> int | None:
    """The success count the page shows (the status filter's counter), or None."""
    text = page.evaluate("document.querySelector('[data-testid=\"count-success\"]')?.textContent ?? null")
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    return int(digits) if digits else None


def db_success(db_url: str, workflow_id: int) -> int:
    """The workflow's successful runs in the database."""
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM execution_logs WHERE workflow_id = %s AND status = 'success'",
                            (workflow_id,)).fetchone()[0]


def unfinished(db_url: str, log_ids: list[int]) -> int:
    """How many of these runs are still queued or running."""
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM execution_logs WHERE id = ANY(%s) AND status IN ('queued', 'running')",
                            (log_ids,)).fetchone()[0]


def time_under_load(page: Page, base: str, hook: str, db_url: str, workflow_id: int, rate: float, seconds: float,
                    run_dir: Path) -> dict[str, Any]:
    """Frame gaps and long tasks in the page while ``rate`` runs a second arrive for ``seconds``."""
    count = int(rate * seconds)
    fired: dict[str, Any] = {}

    def fire() -> None:
        fired.update(fire_in_subprocess(base, hook, count, 8, rate, seconds + 60, 10_000, run_dir / "load.json"))

    page.evaluate("window.__bench.frames = []; window.__bench.longTasks = []; window.__bench.sampling = true")
    thread = threading.Thread(target=fire, daemon=True)
    t0 = time.monotonic()
    thread.start()
    thread.join(seconds + 120)
    fire_seconds = time.monotonic() - t0
    # Let the last runs finish (within a bound), then stop sampling.
    log_ids = [r["log_id"] for r in fired.get("records", []) if r.get("log_id") is not None]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and unfinished(db_url, log_ids):
        page.wait_for_timeout(500)
    finished_at = time.monotonic()
    probe = page.evaluate("(() => { window.__bench.sampling = false; return window.__bench; })()")
    # The on-screen counts follow the runs live; how long until they equal the database's?
    in_db = db_success(db_url, workflow_id)
    while time.monotonic() < finished_at + 15 and on_screen_success(page) != in_db:
        page.wait_for_timeout(250)
    converged = on_screen_success(page) == in_db
    frames, long_tasks = probe["frames"], probe["longTasks"]
    top_scripts = sorted(probe["scripts"].items(), key=lambda kv: -kv[1])[:8]
    accepted = sum(1 for r in fired.get("records", []) if r.get("status") == 202)
    return {
        "fired": count, "accepted": accepted, "fire_seconds": round(fire_seconds, 1),
        "frame_gap_ms": percentiles(frames),
        "frames_over_50ms": sum(1 for f in frames if f > 50),
        "frames": len(frames),
        "long_tasks": {"count": len(long_tasks), "total_ms": round(sum(long_tasks), 1),
                       "max_ms": round(max(long_tasks), 1) if long_tasks else 0.0},
        "success_on_screen": on_screen_success(page), "success_in_db": in_db,
        "counts_converged_after_s": round(time.monotonic() - finished_at, 1) if converged else None,
        "unfinished_runs": unfinished(db_url, log_ids),
        "sampled_seconds": round(finished_at - t0, 1),
        "long_frame_scripts_ms": {name.strip(): round(ms, 1) for name, ms in top_scripts},
    }


def print_report(result: dict[str, Any]) -> None:
    """The figures as a short table."""
    b, f, g, load = result["bundle"], result["first_row"], result["webhook_to_green_ms"], result["under_load"]
    print()
    print(f"initial route bundle (gzip):  {b['gzip_kb']} KB ({b['raw_kb']} KB raw, {len(b['files'])} files)   target < 300 KB")
    print(f"first row, {result['config']['runs']:,} runs:     cold p50 {f['cold_ms']['p50']} ms  p95 {f['cold_ms']['p95']} ms;"
          f"  warm p50 {f['warm_ms']['p50']} ms  p95 {f['warm_ms']['p95']} ms   target < 1000 ms")
    print(f"webhook -> green row:         p50 {g['p50']} ms  p95 {g['p95']} ms  max {g['max']} ms (n={g['n']})   target < 500 ms")
    b_, s_ = g["webhook_to_finished_ms"], g["finished_to_green_ms"]
    print(f"  of which webhook -> run finished (backend) p50 {b_['p50']} ms  p95 {b_['p95']} ms; "
          f"finished -> green on screen p50 {s_['p50']} ms  p95 {s_['p95']} ms")
    print(f"  first row stages (p50, ms since navigation): cold {f['cold_stages_p50']}; warm {f['warm_stages_p50']}")
    fg = load["frame_gap_ms"]
    print(f"{load['fired']} runs at {result['config']['rate']:g}/s:        frame gap p50 {fg['p50']} ms  p95 {fg['p95']} ms  "
          f"max {fg['max']} ms; {load['frames_over_50ms']}/{load['frames']} frames > 50 ms; long tasks "
          f"{load['long_tasks']['count']} ({load['long_tasks']['total_ms']} ms, max {load['long_tasks']['max_ms']} ms); "
          f"success on screen {load['success_on_screen']} / in db {load['success_in_db']} "
          f"(equal {load['counts_converged_after_s']} s after the last run finished)")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every step completed."""
    args = parse_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = RESULTS_DIR / f"dashboard-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    dist = args.dist.resolve()
    if dist == DIST.resolve() and build_is_stale():
        print("building the dashboard (npm run build)...", flush=True)
        build_dashboard(run_dir)
    env = production_env(f"{args.pg_url}/{args.database}", args.redis_url, args.namespace,
                         {"DASHBOARD_DIST": str(dist)})
    worker_cmd = [str(BIN / "dramatiq"), "worker", "--processes", str(args.worker_processes),
                  "--threads", str(args.worker_threads), "--worker-shutdown-timeout", "5000"]
    exit_on_signals()  # SIGTERM / SIGHUP unwind through the finally blocks, as Ctrl-C does
    print(f"database {args.database}, redis {args.redis_url} namespace {args.namespace}", flush=True)
    with production_stack(run_dir, pg_url=args.pg_url, database=args.database, redis_url=args.redis_url,
                          namespace=args.namespace, worker_cmd=worker_cmd, env=env,
                          startup_timeout=args.startup_timeout, keep_db=args.keep_db) as stack:
        print(f"app at {stack.base}: {shown(stack.web_cmd)}; worker: {shown(worker_cmd)}", flush=True)
        try:
            return measure(args, stamp, run_dir, stack, dist)
        finally:
            print("stopping the app and the workers...", flush=True)


def measure(args: argparse.Namespace, stamp: str, run_dir: Path, stack: Stack, dist: Path) -> int:
    """Load the history, time the pages in Chromium, write and print the report; 0 when done."""
    base, db_url = stack.base, stack.db_url
    pair, user_id, workflow_id, hook = register(base)
    print(f"loading {args.runs:,} runs...", flush=True)
    load_seconds = load_history(db_url, workflow_id, user_id, args.runs)
    logs_path = f"/workflows/{workflow_id}/logs"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            print("measuring the initial route's bundle...", flush=True)
            bundle = initial_route_bundle(browser, base, pair, dist)
            print(f"timing the first row of {logs_path} ({args.repeat} cold + {args.repeat} warm loads)...", flush=True)
            first_row = time_first_row(browser, base, pair, logs_path, args.repeat)
            context = new_context(browser, base, pair)
            page = context.new_page()
            first_row_ms(page, logs_path)
            page.wait_for_timeout(1000)  # the live stream is open
            print(f"timing {args.webhooks} webhooks to their green row...", flush=True)
            green = time_webhook_to_green(page, base, hook, db_url, args.webhooks)
            print(f"firing {int(args.rate * args.load_seconds)} runs at {args.rate:g}/s with the page open...", flush=True)
            under_load = time_under_load(page, base, hook, db_url, workflow_id, args.rate, args.load_seconds, run_dir)
            page.screenshot(path=str(run_dir / "logs-under-load.png"))
            context.close()
        finally:
            browser.close()

    result = {
        "benchmark": "dashboard",
        "when": stamp,
        "config": {"runs": args.runs, "repeat": args.repeat, "webhooks": args.webhooks, "rate": args.rate,
                   "load_seconds": args.load_seconds, "web": shown(stack.web_cmd), "worker": shown(stack.worker_cmd),
                   "cpus": os.cpu_count(), "load_average_before": os.getloadavg(),
                   "history_load_seconds": round(load_seconds, 1)},
        "bundle": {**bundle, "dist": str(args.dist)},
        "first_row": first_row,
        "webhook_to_green_ms": green,
        "under_load": under_load,
    }
    out = RESULTS_DIR / f"dashboard-{stamp}.json"
    out.write_text(json.dumps(result, indent=2))
    print_report(result)
    print(f"JSON: {out.relative_to(ROOT)}   logs and screenshot: {run_dir.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
