"""Engine test helpers: the shared loopback HTTP server, webhook calls, config overrides."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from flask import Flask

from automateos.engine.broker import QUEUE, get_broker, get_worker
from tests.conftest import drain
from tests.http_server import server, start_server  # noqa: F401  (fixtures)


def hook(client, workflow: dict[str, Any], json: Any = None, **kw: Any):
    """Call a workflow's webhook as a third party would."""
    token = workflow["webhook_url"].rsplit("/", 1)[1]
    return client.post(f"/api/hooks/{token}", json=json, **kw)


def steps_by_node(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The steps of a log as the API shows it, by node id."""
    return {s["node_id"]: s for s in log["steps"]}


def hook_and_lose_the_message(client, workflow: dict[str, Any], json: Any = None) -> int:
    """Trigger a run while the worker is paused, then drop the queued message: the run is
    recorded (queued) and nothing works on it."""
    app = client.application
    worker = get_worker(app)
    worker.pause()
    try:
        log_id = hook(client, workflow, json if json is not None else {}).get_json()["log_id"]
        get_broker(app).flush(QUEUE)
    finally:
        worker.resume()
    drain()
    return log_id


@pytest.fixture
def app_config(app: Flask) -> Iterator[Callable[..., None]]:
    """Set app settings for one test: ``app_config(STEP_LEASE_SECONDS=1)``; restored after."""
    saved: dict[str, Any] = {}

    def override(**values: Any) -> None:
        for name, value in values.items():
            saved.setdefault(name, app.config[name])
            app.config[name] = value

    yield override
    app.config.update(saved)
