"""Shared fixtures: the app on the backend the environment names, real workers, users.

With ``DATABASE_URL`` and ``REDIS_URL`` unset the suite runs on the embedded default
(a SQLite file + StubBroker + in-process Worker). With both set it runs on PostgreSQL +
a RedisBroker consumed by a real Dramatiq Worker.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Any

# Before config is imported: TestConfig's namespace is this process's, and a worker
# process the tests start (tests/events/worker_app.py) reads it from the environment.
os.environ["AUTOMATEOS_REDIS_NAMESPACE"] = f"automateos-test-{os.getpid()}"
os.environ["AUTOMATEOS_ENV"] = "testing"

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from automateos import create_app
from automateos.engine.broker import QUEUE, get_broker, get_worker, start_worker, stop_worker
from automateos.extensions import db, limiter
from automateos.engine.models import FINISHED_EXECUTION, ExecutionLog
from config import TestConfig

ON_SERVICES = bool(os.environ.get("DATABASE_URL"))
TABLES = ("step_logs", "execution_logs", "workflows", "auth_sessions", "users")
WORKER_THREADS = 4
_suite_app: Flask | None = None  # the session's app, for drain()


def _reset_database(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()  # the suite runs on the real migrations, not create_all()


@pytest.fixture(scope="session")
def app() -> Flask:
    """The app under test, on a freshly migrated database."""
    tmp = tempfile.mkdtemp(prefix="automateos-test-")

    class SuiteConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI if ON_SERVICES else f"sqlite:///{tmp}/test.db"

    global _suite_app
    app = _suite_app = create_app(SuiteConfig)
    _reset_database(app)
    get_broker(app).flush_all()
    start_worker(app, WORKER_THREADS)  # a real Worker on the app's broker (StubBroker or Redis)
    yield app
    stop_worker(app)
    _delete_namespace(app)


def _delete_namespace(app: Flask) -> None:
    """Leave nothing of this session in Redis: Dramatiq's ``__heartbeats__`` sorted set (no
    expiry), queues, acks, limits, streams, and those of apps tests built under
    ``<namespace>-...`` namespaces."""
    broker = get_broker(app)
    client = getattr(broker, "client", None)
    if client is None:  # StubBroker: nothing outside this process
        return
    broker.close()
    namespace = app.config["REDIS_NAMESPACE"]
    for pattern in (f"{namespace}:*", f"{namespace}-*"):
        keys = list(client.scan_iter(pattern, count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])


def drain(timeout: float = 30.0) -> None:
    """Wait until every enqueued message (delayed retries included) has been processed."""
    assert _suite_app is not None, "drain() needs the app fixture"
    get_broker(_suite_app).join(QUEUE, timeout=int(timeout * 1000))
    worker = get_worker(_suite_app)
    if worker is not None:
        worker.join()


@pytest.fixture(autouse=True)
def clean_state(app: Flask):
    """Each test starts with empty tables, an empty queue and fresh rate limits."""
    yield
    if has_app_context():  # pytest-flask keeps a request context (and its session) open
        db.session.remove()
    try:
        drain()
    finally:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
                else:
                    for table in TABLES:
                        conn.execute(text(f"DELETE FROM {table}"))
        limiter.reset()


@dataclass
class ApiUser:
    """A registered, logged-in user and a client that sends their token."""

    client: FlaskClient
    email: str
    password: str
    tokens: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    def get(self, url: str, **kw: Any):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, json: Any = None, **kw: Any):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def put(self, url: str, json: Any = None, **kw: Any):
        return self.client.put(url, json=json, headers=self.headers, **kw)

    def patch(self, url: str, json: Any = None, **kw: Any):
        return self.client.patch(url, json=json, headers=self.headers, **kw)

    def delete(self, url: str, **kw: Any):
        return self.client.delete(url, headers=self.headers, **kw)

    def create_workflow(self, definition: dict[str, Any], **fields: Any) -> dict[str, Any]:
        resp = self.post("/api/workflows", {"name": fields.pop("name", "wf"), "definition": definition, **fields})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()


@pytest.fixture
def make_user(client: FlaskClient):
    """Factory: register and log in a new user."""

    def make(email: str | None = None, password: str = "correct horse battery") -> ApiUser:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        assert client.post("/api/auth/register", json={"email": email, "password": password}).status_code == 201
        resp = client.post("/api/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.get_json()
        return ApiUser(client, email, password, resp.get_json())

    return make


@pytest.fixture
def user(make_user) -> ApiUser:
    """A logged-in user."""
    return make_user()


@pytest.fixture
def other_user(make_user) -> ApiUser:
    """A second user, to prove isolation."""
    return make_user()


def wait_for_log(app: Flask, user: ApiUser, log_id: int, timeout: float = 30.0) -> dict[str, Any]:
    """Wait until a run finishes, then return its full log as the API shows it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.scalar(db.select(ExecutionLog.status).where(ExecutionLog.id == log_id))
            db.session.remove()
        if status in FINISHED_EXECUTION:
            resp = user.get(f"/api/logs/{log_id}")
            assert resp.status_code == 200
            return resp.get_json()
        time.sleep(0.02)
    raise AssertionError(f"execution {log_id} did not finish in {timeout}s (status {status})")


def assert_error(resp, code: int) -> dict[str, Any]:
    """The response is an error of ``code`` in the one shape."""
    body = resp.get_json()
    assert resp.status_code == code, body
    assert isinstance(body, dict) and body["code"] == code
    assert isinstance(body["status"], str) and isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in resp.get_data(as_text=True)
    return body


def webhook_flow(*nodes: dict[str, Any], edges: list[tuple] | None = None, hook_params: dict | None = None) -> dict:
    """A definition: a webhook trigger ``hook`` then ``nodes`` in a chain (or ``edges``)."""
    all_nodes = [{"id": "hook", "type": "webhook", "params": hook_params or {}}, *nodes]
    if edges is None:
        edges = [(a["id"], b["id"]) for a, b in zip(all_nodes, all_nodes[1:])]
    return {
        "nodes": all_nodes,
        "edges": [{"source": e[0], "target": e[1], **({"output": e[2]} if len(e) > 2 else {})} for e in edges],
    }
