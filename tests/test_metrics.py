"""GET /metrics (automateos/metrics.py): in this process, then under a real gunicorn with
two workers and a dramatiq worker with two processes, whose counters add up."""
from __future__ import annotations

import os
import re
import secrets
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from automateos import create_app, metrics
from config import TestConfig
from tests.conftest import ON_SERVICES, assert_error, wait_for_log, webhook_flow
from tests.reliability.backends import OwnRedis, drop_database, recreate_database, sibling_database_url
from tests.reliability.processes import Service, free_port, wait_until

BIN = Path(sys.executable).parent
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def parse(text: str) -> dict[str, float]:
    """``name{labels}`` -> value of every sample of a text exposition."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            match = SAMPLE.match(line)
            assert match, f"not a sample line: {line!r}"
            samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


@pytest.fixture
def metrics_app(app: Flask) -> Flask:
    """An app with /metrics, on the suite's database (the suite's app stays the one its
    worker runs); its listener counts every committed change of this process."""
    config = type("MetricsConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    other = create_app(config)
    metrics.init_app(other)
    return other


def test_metrics_are_served_in_the_text_format(metrics_app: Flask):
    resp = metrics_app.test_client().get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = resp.get_data(as_text=True)
    for name in ("automateos_executions_started_total", "automateos_executions_finished_total",
                 "automateos_step_duration_seconds", "automateos_webhook_duration_seconds", "automateos_sse_clients"):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
    parse(text)


def test_metrics_token_is_required_when_configured(app: Flask):
    config = type("TokenConfig", (TestConfig,), {"METRICS_TOKEN": "s3cret-token"})
    other = create_app(config)
    metrics.init_app(other)
    client = other.test_client()
    body = assert_error(client.get("/metrics"), 401)
    assert "METRICS_TOKEN" in body["message"]
    assert_error(client.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_a_run_is_counted_from_its_committed_changes(metrics_app: Flask, app: Flask, user):
    before = parse(metrics_app.test_client().get("/metrics").get_data(as_text=True))
    workflow = user.create_workflow(webhook_flow(
        {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}},
        {"id": "boom", "type": "fail", "params": {"message": "no"}}))
    hook = "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]
    resp = user.client.post(hook, json={"n": 1})
    assert resp.status_code == 202
    assert wait_for_log(app, user, resp.get_json()["log_id"])["status"] == "failed"
    after = parse(metrics_app.test_client().get("/metrics").get_data(as_text=True))

    def grew(sample: str) -> float:
        return after.get(sample, 0.0) - before.get(sample, 0.0)

    assert grew('automateos_executions_started_total{trigger="webhook"}') == 1
    assert grew('automateos_executions_finished_total{status="failed"}') == 1
    assert grew('automateos_step_duration_seconds_count{node_type="transform"}') == 1
    assert grew('automateos_step_duration_seconds_count{node_type="fail"}') >= 1


# -- several processes -----------------------------------------------------------------------


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: beside the suite's on PostgreSQL, else a SQLite file."""
    if ON_SERVICES:
        url = sibling_database_url(os.environ["DATABASE_URL"], "_metrics")
        recreate_database(url)
        yield url
        drop_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'metrics.db'}"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server of the test's own on a free port (never the shared one)."""
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.close()


def pids_with_files(folder: Path, kind: str) -> set[int]:
    """Processes (of this host) that wrote a ``kind`` file into the metrics folder."""
    return {int(f.name.rsplit("-", 1)[1].removesuffix(".db")) for f in folder.glob(f"{kind}_{metrics.HOST}-*.db")}


def children(pid: int) -> set[int]:
    """The direct children of ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def test_counters_add_up_across_gunicorn_and_dramatiq_processes(tmp_path: Path, database_url: str,
                                                                 own_redis: OwnRedis):
    folder = tmp_path / "metrics"
    folder.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMATEOS_", "PYTEST_", "DATABASE_URL",
                                                                       "REDIS_URL"))}
    env.update({
        "AUTOMATEOS_ENV": "development", "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url, "REDIS_URL": own_redis.url,
        "AUTOMATEOS_REDIS_NAMESPACE": f"metrics-{uuid.uuid4().hex[:6]}",
        "PROMETHEUS_MULTIPROC_DIR": str(folder), "WEB_CONCURRENCY": "2", "SCHEDULER_INTERVAL_SECONDS": "0",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONUNBUFFERED": "1",
    })
    migrate = Service("migrate", [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env, tmp_path / "migrate.log")
    migrate.start()
    assert migrate.proc.wait(timeout=120) == 0, migrate.log_text()
    web = Service("web", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                          "tests.deploy.metrics_app:app"], env, tmp_path / "web.log")
    worker = Service("worker", [str(BIN / "dramatiq"), "tests.deploy.metrics_worker", "--processes", "2",
                                "--threads", "2", "--worker-shutdown-timeout", "5000"], env, tmp_path / "worker.log")
    try:
        web.start()
        worker.start()

        def up() -> bool:
            try:
                return requests.get(f"{base}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(lambda: up() and "Worker process is ready" in worker.log_text(), 90, "gunicorn and dramatiq",
                   (web, worker))
        web_workers = children(web.proc.pid)
        assert len(web_workers) == 2, web_workers

        email = f"m-{uuid.uuid4().hex[:8]}@example.com"
        assert requests.post(f"{base}/api/auth/register", json={"email": email, "password": "a long password"},
                             timeout=30).status_code == 201
        token = requests.post(f"{base}/api/auth/login", json={"email": email, "password": "a long password"},
                              timeout=30).json()["access_token"]
        shape = {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}}
        definition = webhook_flow(shape)
        created = requests.post(f"{base}/api/workflows", json={"name": "metrics", "definition": definition},
                                headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert created.status_code == 201, created.text
        hook = f"{base}/api/hooks/" + created.json()["webhook_url"].rsplit("/", 1)[1]

        # Webhooks from four callers at once until both web workers have answered some.
        sent: list[int] = []
        lock = threading.Lock()

        def call(n: int) -> None:
            status = requests.post(hook, json={"n": n}, timeout=30).status_code
            with lock:
                sent.append(status)

        n = 0
        while n < 200 and not (web_workers <= pids_with_files(folder, "histogram") and n >= 8):
            batch = [threading.Thread(target=call, args=(n + i,)) for i in range(4)]
            for thread in batch:
                thread.start()
            for thread in batch:
                thread.join()
            n += 4
        assert sent.count(202) == n, sent
        assert web_workers <= pids_with_files(folder, "histogram"), "one web worker answered every webhook"

        def scrape() -> dict[str, float]:
            return parse(requests.get(f"{base}/metrics", timeout=10).text)

        wait_until(lambda: scrape().get('automateos_executions_finished_total{status="success"}') == n, 60,
                   "every run to finish", (web, worker))
        # Every scrape, whichever web worker serves it, sees the sum of all processes.
        for _ in range(6):
            samples = scrape()
            assert samples['automateos_executions_started_total{trigger="webhook"}'] == n
            assert samples['automateos_executions_finished_total{status="success"}'] == n
            assert samples['automateos_webhook_duration_seconds_count{code="202"}'] == n
            assert samples['automateos_step_duration_seconds_count{node_type="transform"}'] == n
            assert samples['automateos_queue_depth{queue="automateos"}'] == 0
            assert samples["automateos_sse_clients"] == 0
        dramatiq_processes = children(worker.proc.pid)
        step_writers = pids_with_files(folder, "histogram") - web_workers
        assert step_writers and step_writers <= dramatiq_processes, (step_writers, dramatiq_processes)
    finally:
        for service in (web, worker):
            service.stop(grace=10)


def test_open_event_streams_are_counted_while_open(metrics_app: Flask, app: Flask, user):
    """The gauge goes up when a stream opens and down when the server closes it."""
    client = metrics_app.test_client()

    def gauge() -> float:
        return parse(client.get("/metrics").get_data(as_text=True))["automateos_sse_clients"]

    before = gauge()
    token = user.post("/api/events/token").get_json()["token"]
    stream = metrics_app.test_client().get(f"/api/events?token={token}", buffered=False)
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    assert gauge() == before + 1
    stream.close()
    assert gauge() == before
