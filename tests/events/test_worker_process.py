"""Events published by a real ``dramatiq`` worker process reach an SSE client of the web
process through Redis (the production topology; Redis backend only)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from automateos.engine.broker import get_worker
from tests.conftest import ON_SERVICES
from tests.events.test_stream import TWO_STEPS, finished_run, hook

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (ON_SERVICES and os.environ.get("REDIS_URL")),
    reason="needs REDIS_URL and DATABASE_URL: the embedded bus lives inside one process, so there is no "
           "second process to hear from",
)


@pytest.fixture
def worker_process(app) -> Iterator[subprocess.Popen]:
    """``dramatiq tests.events.worker_app`` as a subprocess, the only consumer of the queue
    (this process's in-process worker is paused meanwhile)."""
    in_process = get_worker(app)
    in_process.pause()
    dramatiq = Path(sys.executable).with_name("dramatiq")
    proc = subprocess.Popen(
        [str(dramatiq), "tests.events.worker_app", "--processes", "1", "--threads", "2", "--path", str(ROOT)],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    ready = threading.Event()
    output: list[str] = []

    def watch() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            output.append(line)
            if "ready for action" in line:
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert ready.wait(60), "dramatiq worker did not start:\n" + "".join(output)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        in_process.resume()


def test_events_from_a_worker_process_reach_the_stream(client, user, sse_server, worker_process):
    resp, stream = sse_server.connect("/api/events", headers=user.headers)
    try:
        assert resp.status == 200
        stream.ready()
        started = time.monotonic()
        log_id = hook(client, user.create_workflow(TWO_STEPS))
        events = stream.until(finished_run(log_id), timeout=30)
    finally:
        stream.close()
    # created, the trigger step (recorded with the run), running, the inline step, success
    assert [(m.type, m.data["status"]) for m in events][-3:] == [
        ("execution.updated", "running"), ("step.updated", "success"), ("execution.updated", "success"),
    ]
    assert len(events) == 5 and time.monotonic() - started < 30
    assert worker_process.poll() is None  # it was the worker process that ran the steps
