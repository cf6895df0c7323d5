"""What the fault tests do and read through the front door: an account, workflows,
webhook load, and the runs as the database holds them."""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
import requests

FINISHED = ("success", "failed")


class Account:
    """A registered, logged-in user of a running stack."""

    def __init__(self, base: str):
        self.base = base
        email, password = f"rel-{uuid.uuid4().hex[:10]}@example.com", "a long password indeed"
        resp = requests.post(f"{base}/api/auth/register", json={"email": email, "password": password}, timeout=30)
        assert resp.status_code == 201, resp.text
        resp = requests.post(f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=30)
        assert resp.status_code == 200, resp.text
        self.email, self.password = email, password
        self.headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}

    def login_status(self) -> int | None:
        """The HTTP status of a fresh login (None: no answer at all)."""
        try:
            return requests.post(f"{self.base}/api/auth/login", json={"email": self.email, "password": self.password},
                                 timeout=15).status_code
        except requests.RequestException:
            return None

    def create_workflow(self, definition: dict[str, Any]) -> str:
        """Save a workflow; returns its webhook's path."""
        resp = requests.post(f"{self.base}/api/workflows", json={"name": "reliability", "definition": definition},
                             headers=self.headers, timeout=30)
        assert resp.status_code == 201, resp.text
        return "/api/hooks/" + resp.json()["webhook_url"].rstrip("/").rsplit("/", 1)[1]


@dataclass
class Answer:
    """One webhook call: the ``n`` it sent, HTTP status (None: no answer), body, Retry-After, run id."""

    n: int
    status: int | None
    body: Any = None
    retry_after: str | None = None
    log_id: int | None = None
    error: str | None = None


@dataclass
class WebhookLoad:
    """Threads that call webhooks until stopped (bounded by ``max_calls`` and ``max_seconds``).

    Parameters:
        base: the stack's URL.
        paths: webhook paths, called in turn.
        threads: concurrent callers.
        pause: seconds each caller waits between calls (keeps the load bounded).
    """

    base: str
    paths: list[str]
    threads: int = 4
    pause: float = 0.05
    max_calls: int = 3000
    max_seconds: float = 120.0
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _call(self, session: requests.Session, path: str, n: int) -> Answer:
        try:
            resp = session.post(self.base + path, json={"n": n}, timeout=15)
        except requests.RequestException as exc:
            return Answer(n, None, error=type(exc).__name__)
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        log_id = body.get("log_id") if resp.status_code == 202 and isinstance(body, dict) else None
        return Answer(n, resp.status_code, body, resp.headers.get("Retry-After"), log_id)

    def _loop(self, index: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        with requests.Session() as session:
            n = index
            while not self._stop.is_set() and time.monotonic() < deadline:
                with self._lock:
                    if len(self.answers) >= self.max_calls:
                        return
                answer = self._call(session, self.paths[n % len(self.paths)], n)
                with self._lock:
                    self.answers.append(answer)
                n += self.threads
                self._stop.wait(self.pause)

    def start(self) -> "WebhookLoad":
        """Start calling."""
        self._workers = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> list[Answer]:
        """Stop calling; returns every answer."""
        self._stop.set()
        for worker in self._workers:
            worker.join(30)
        return list(self.answers)

    def count(self) -> int:
        """Calls answered so far."""
        with self._lock:
            return len(self.answers)

    def accepted_since(self, start: int) -> int:
        """202 answers among the calls after the first ``start``."""
        with self._lock:
            return sum(1 for a in self.answers[start:] if a.status == 202)


def tally(answers: list[Answer]) -> Counter:
    """How many answers of each status (``None``: no HTTP answer)."""
    return Counter(a.status for a in answers)


def is_error_shape(body: Any, code: int) -> bool:
    """True when ``body`` is ``{code, status, message[, errors]}`` for ``code``."""
    return (isinstance(body, dict) and body.get("code") == code and isinstance(body.get("status"), str)
            and isinstance(body.get("message"), str) and bool(body["message"])
            and set(body) <= {"code", "status", "message", "errors"})


def run_rows(database_url: str, log_ids: list[int]) -> dict[int, dict[str, Any]]:
    """id -> {status, result, error} of the given runs."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT id, status, result, error FROM execution_logs WHERE id = ANY(%s)",
                            (log_ids,)).fetchall()
    return {r[0]: {"status": r[1], "result": r[2], "error": r[3]} for r in rows}


def step_rows(database_url: str, log_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """id -> node id -> {status, attempts, output} of the given runs' steps."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT log_id, node_id, status, attempts, output FROM step_logs WHERE log_id = ANY(%s)",
                            (log_ids,)).fetchall()
    steps: dict[int, dict[str, dict[str, Any]]] = {}
    for log_id, node_id, status, attempts, output in rows:
        steps.setdefault(log_id, {})[node_id] = {"status": status, "attempts": attempts, "output": output}
    return steps


def wait_finished(database_url: str, log_ids: list[int], timeout: float) -> dict[int, dict[str, Any]]:
    """Wait until every run is finished (or ``timeout``); returns the rows as they are then."""
    deadline = time.monotonic() + timeout
    while True:
        rows = run_rows(database_url, log_ids)
        done = len(rows) == len(set(log_ids)) and all(r["status"] in FINISHED for r in rows.values())
        if done or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def unfinished(rows: dict[int, dict[str, Any]], log_ids: list[int]) -> dict[int, str]:
    """Runs that are missing (``lost``) or not finished, with their status."""
    return {i: rows[i]["status"] if i in rows else "lost" for i in log_ids
            if i not in rows or rows[i]["status"] not in FINISHED}
