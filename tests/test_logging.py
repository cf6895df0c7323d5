"""Logs: a request id on every request (taken when sane, echoed), JSON lines in
production, and the webhook call's id on the worker's lines for that run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask import Flask

from automateos import create_app
from automateos.engine.broker import get_broker
from automateos.logging_setup import REQUEST_ID_HEADER
from config import TestConfig
from tests.conftest import ON_SERVICES, wait_for_log, webhook_flow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_a_given_request_id_is_echoed(client) -> None:
    resp = client.get("/healthz", headers={REQUEST_ID_HEADER: "abc-123.retry:2"})
    assert resp.headers[REQUEST_ID_HEADER] == "abc-123.retry:2"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 129, "quote\"d", "new\nline"])
def test_a_missing_or_insane_request_id_is_replaced(client, given: str | None) -> None:
    headers = {} if given is None else {REQUEST_ID_HEADER: given}
    try:
        resp = client.get("/healthz", headers=headers)
    except ValueError:  # the test client itself refuses a header with a newline
        assert given and "\n" in given
        return
    echoed = resp.headers[REQUEST_ID_HEADER]
    assert echoed != given and len(echoed) == 32 and int(echoed, 16) >= 0


def test_each_request_gets_its_own_id(client) -> None:
    ids = {client.get("/healthz").headers[REQUEST_ID_HEADER] for _ in range(3)}
    assert len(ids) == 3


def test_json_lines_carry_the_request_id(tmp_path: Path) -> None:
    """In a fresh process (logging is process-wide): LOG_FORMAT=json, a line logged while
    a request is handled is one JSON object with that request's id."""
    code = (
        "import logging, wsgi\n"
        "with wsgi.app.test_request_context(headers={'X-Request-ID': 'req-42'}):\n"
        "    wsgi.app.preprocess_request()\n"
        "    logging.getLogger('automateos.probe').warning('inside %s', 'request')\n"
        "logging.getLogger('automateos.probe').warning('outside')\n"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LOG_FORMAT": "json",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}", "AUTOMATEOS_ENV": "development"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]  # every line is one object
    probe = [r for r in records if r["logger"] == "automateos.probe"]
    assert [(r["message"], r["request_id"], r["level"]) for r in probe] == [
        ("inside request", "req-42", "WARNING"), ("outside", "-", "WARNING")]


@pytest.mark.skipif(not ON_SERVICES, reason="a dramatiq worker process needs PostgreSQL and Redis")
def test_the_webhook_request_id_follows_the_run_into_the_worker(app: Flask, user, tmp_path: Path) -> None:
    # A web side of its own, on its own Redis namespace, that only the worker below consumes
    # (the suite's in-process worker listens on the suite's namespace).
    namespace = f"automateos-test-{os.getpid()}-log-{uuid.uuid4().hex[:8]}"

    class WebConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        REDIS_NAMESPACE = namespace
        RATELIMIT_STORAGE_OPTIONS = {"key_prefix": f"{namespace}:limits"}

    web = create_app(WebConfig)
    workflow = user.create_workflow(webhook_flow(
        {"id": "wait", "type": "delay", "params": {"seconds": 0}},  # blocking: goes to the broker
        {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ trigger.body.n }}"}}},
    ))
    hook = "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]
    request_id = f"hook-{uuid.uuid4().hex[:12]}"
    resp = web.test_client().post(hook, json={"n": 7}, headers={REQUEST_ID_HEADER: request_id})
    assert resp.status_code == 202, resp.get_json()
    assert resp.headers[REQUEST_ID_HEADER] == request_id
    log_id = resp.get_json()["log_id"]

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AUTOMATEOS_ENV": "development",
           "DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"],
           "AUTOMATEOS_REDIS_NAMESPACE": namespace, "LOG_FORMAT": "json",
           "SCHEDULER_INTERVAL_SECONDS": "0", "RECONCILE_INTERVAL_SECONDS": "0"}
    worker = subprocess.Popen([str(BIN / "dramatiq"), "worker", "--processes", "1", "--threads", "2", "--verbose"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        finished = wait_for_log(app, user, log_id, timeout=60)
        time.sleep(0.5)  # the last message's lines
    finally:
        worker.terminate()
        _, stderr = worker.communicate(timeout=30)
        get_broker(web).flush_all()
        get_broker(web).close()
    assert finished["status"] == "success", finished
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    # The worker process logs JSON from the moment it imports worker.py (before that only
    # dramatiq's "Loading broker...", and its supervisor, which never imports the app).
    assert records, stderr[-2000:]
    assert not [line for line in stderr.splitlines() if line and not line.startswith("{")
                and "MainProcess" not in line and "Loading broker" not in line], stderr[-2000:]
    ours = [r for r in records if r.get("request_id") == request_id]
    assert any("run_step" in r["message"] and str(log_id) in r["message"] for r in ours), stderr[-3000:]
