"""Our production stack for the benchmarks, started and stopped in one place.

``production_stack()`` is what ``vs_n8n.py`` and ``throughput.py`` measure: a database of
the benchmark's own (recreated, migrated, dropped at the end), a Redis namespace of its
own (cleared before and after), gunicorn with ``gunicorn.conf.py`` and a dramatiq worker
in production mode, each in a process group of its own so the whole group can be
stopped. Also here: the process helpers the other benchmarks share, the API set-up
(register, log in, save a workflow) and the wait for runs to finish.

Signals: :func:`exit_on_signals` turns the first SIGTERM / SIGHUP into ``SystemExit`` so
the ``finally`` blocks stop everything; later ones are ignored until then, so a second
signal cannot cut the cleanup short and leave a stack running.
"""
from __future__ import annotations

import base64
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import psycopg
import requests

from pgdb import drop_database, recreate_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
READY = "Worker process is ready for action."  # dramatiq's line, once per worker process


# -- processes ------------------------------------------------------------------------------

@dataclass
class Service:
    """A process we started in a process group of its own, with its output in a log file."""

    name: str
    proc: Any  # subprocess.Popen, or anything with pid / poll() / wait()
    log_path: Path
    stop_signal: int = signal.SIGTERM
    grace: float = 15.0  # seconds between the stop signal and SIGKILL

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session: the leader's pid is the group id

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_service(name: str, cmd: list[str], env: dict[str, str], log_dir: Path,
                  stop_signal: int = signal.SIGTERM, grace: float = 15.0) -> Service:
    """Start ``cmd`` in the repo root, in a new session (so the whole group can be stopped)."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return Service(name, proc, log_path, stop_signal, grace)


def stop_services(services: list[Service]) -> None:
    """Stop every service at once (each in its own thread)."""
    threads = [threading.Thread(target=stop_service, args=(s,), daemon=True) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def stop_service(service: Service) -> None:
    """Send the service's stop signal to its process group, then SIGKILL whatever is left
    after its ``grace`` seconds."""
    for sig, wait in ((service.stop_signal, service.grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(service.pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and group_pids(service.pgid):
            time.sleep(0.1)
        if not group_pids(service.pgid):
            break
    try:
        service.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def proc_stats() -> Iterator[tuple[int, str, int, int]]:
    """(pid, comm, pgrp, cpu ticks) of every process readable in /proc."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields_ = raw[raw.rindex(")") + 2:].split()
        # after comm: state ppid pgrp ... utime(11) stime(12) cutime(13) cstime(14), 0-based from state
        yield int(entry.name), comm, int(fields_[2]), int(fields_[11]) + int(fields_[12])


def group_pids(pgid: int) -> list[int]:
    """Live pids of a process group."""
    return [pid for pid, _comm, pgrp, _t in proc_stats() if pgrp == pgid]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Any, timeout: float, what: str, services: list[Service]) -> None:
    """Poll ``check()`` every 0.2 s until true; fail early if a service died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for s in services:
            if not s.alive():
                raise RuntimeError(f"{s.name} exited ({s.proc.returncode}) while waiting for {what}:\n{s.log_tail()}")
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")


def http_ok(url: str) -> bool:
    """True if GET ``url`` answers 200."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def shown(cmd: list[str]) -> str:
    """A command as printed and stored: program names and repo files without their paths."""
    return " ".join([Path(cmd[0]).name] + cmd[1:]).replace(f"{ROOT}{os.sep}", "")


def _exit_on_signal(signum: int, _frame: Any) -> None:
    """The first SIGTERM / SIGHUP: unwind through every ``finally``; later ones: ignored."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def exit_on_signals() -> None:
    """SIGTERM (e.g. a CI timeout) and SIGHUP (the terminal went away) unwind as Ctrl-C does."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)


# -- Redis and PostgreSQL -------------------------------------------------------------------

def clear_redis_namespace(redis_url: str, namespace: str) -> int:
    """Delete the run's keys (broker queues, ticker lock); returns how many."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(itertools.islice(client.scan_iter(match=f"{namespace}:*", count=1000), 1_000_000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i:i + 1000])
    return len(keys)


def wait_for_runs(db_url: str, log_ids: list[int], timeout: float, label: str) -> int:
    """Wait until every run in ``log_ids`` is finished; returns how many still are not."""
    if not log_ids:
        return 0
    deadline = time.monotonic() + timeout
    last_report = time.monotonic()
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            left = conn.execute(
                "SELECT count(*) FROM execution_logs WHERE id = ANY(%s) AND status NOT IN ('success', 'failed')",
                (log_ids,)).fetchone()[0]
            if left == 0 or time.monotonic() >= deadline:
                return left
            if time.monotonic() - last_report > 5:
                print(f"  {label}: {len(log_ids) - left}/{len(log_ids)} runs finished", flush=True)
                last_report = time.monotonic()
            time.sleep(0.1)


# -- the stack ------------------------------------------------------------------------------

@dataclass
class Stack:
    """A running production stack: where it answers and what it runs."""

    base: str
    port: int
    db_url: str
    web_cmd: list[str]
    worker_cmd: list[str]
    env: dict[str, str]
    services: list[Service] = field(default_factory=list)


def production_env(db_url: str, redis_url: str, namespace: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Production settings on the benchmark's own database and Redis namespace."""
    env = os.environ.copy()
    env.update({
        "AUTOMATEOS_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": db_url,
        # Credentials' key (32 random bytes, as `flask credentials generate-key` writes it).
        "AUTOMATEOS_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode("ascii"),
        "REDIS_URL": redis_url, "AUTOMATEOS_REDIS_NAMESPACE": namespace,
        # The checkout measured comes first (a worktree of an older commit measures that commit).
        "PYTHONPATH": str(ROOT), "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


def web_command(port: int, *extra: str) -> list[str]:
    """gunicorn with the repository's ``gunicorn.conf.py`` on 127.0.0.1:``port``."""
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", *extra,
            "wsgi:app"]


def worker_size(cmd: list[str]) -> tuple[int, int]:
    """(processes, threads) of a dramatiq command line (dramatiq's defaults: one process per
    core, 8 threads)."""
    def opt(flag: str, default: int) -> int:
        return int(cmd[cmd.index(flag) + 1]) if flag in cmd else default
    return opt("--processes", os.cpu_count() or 1), opt("--threads", 8)


@contextmanager
def production_stack(run_dir: Path, *, pg_url: str, database: str, redis_url: str, namespace: str,
                     worker_cmd: list[str], port: int | None = None, web_extra: tuple[str, ...] = (),
                     env: dict[str, str] | None = None, startup_timeout: float = 90.0,
                     keep_db: bool = False) -> Iterator[Stack]:
    """Recreate and migrate the database, start gunicorn and the dramatiq worker, wait
    until both are ready; on the way out stop them, clear the namespace, drop the database."""
    port = port or free_port()
    db_url = f"{pg_url}/{database}"
    env = env if env is not None else production_env(db_url, redis_url, namespace)
    stack = Stack(f"http://127.0.0.1:{port}", port, db_url, web_command(port, *web_extra), worker_cmd, env)
    try:
        recreate_database(pg_url, database)
        clear_redis_namespace(redis_url, namespace)
        with (run_dir / "migrate.log").open("wb") as log:
            subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                           stdout=log, stderr=subprocess.STDOUT, timeout=180)
        # gunicorn: SIGINT is its quick shutdown (SIGTERM would wait out graceful_timeout).
        stack.services.append(start_service("web", stack.web_cmd, env, run_dir, stop_signal=signal.SIGINT))
        # A benchmark's runs in flight need no graceful end: 5 s, not the Procfile's 25 s.
        stack.services.append(start_service("worker", worker_cmd, env, run_dir, grace=5.0))
        wait_until(lambda: http_ok(f"{stack.base}/readyz"), startup_timeout, "gunicorn /readyz", stack.services)
        wanted, _threads = worker_size(worker_cmd)
        wait_until(lambda: stack.services[1].log_path.read_text(errors="replace").count(READY) >= wanted,
                   startup_timeout, "dramatiq workers", stack.services)
        yield stack
    finally:
        stop_services(stack.services)
        try:
            clear_redis_namespace(redis_url, namespace)
            if not keep_db:
                drop_database(pg_url, database)
        except Exception as exc:  # cleanup must not hide the run's own error
            print(f"cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)


# -- set-up through the API -----------------------------------------------------------------

def api_session(base: str) -> requests.Session:
    """A new user, registered and logged in: a session that sends its bearer token."""
    email, password = f"bench-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16)
    http = requests.Session()
    http.post(f"{base}/api/auth/register", json={"email": email, "password": password}, timeout=30).raise_for_status()
    resp = http.post(f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    resp.raise_for_status()
    http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return http


def save_workflow(http: requests.Session, base: str, name: str, definition: dict[str, Any]) -> str:
    """Save a workflow; the path of its webhook."""
    resp = http.post(f"{base}/api/workflows", json={"name": name, "definition": definition}, timeout=30)
    if resp.status_code != 201:
        raise RuntimeError(f"saving workflow {name!r} failed: {resp.status_code} {resp.text}")
    return "/api/hooks/" + resp.json()["webhook_url"].rsplit("/api/hooks/", 1)[1]

