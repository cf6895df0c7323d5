"""The engine's side of the node contract, through a real installed test distribution
(tests/engine/dist): typed errors (NodeError fails at once, RetryableNodeError retries
after at least its ``retry_after``), ``ctx.log`` lines and the node's version stored on
the step and shown in the run's detail, and a saved workflow whose node type is no
longer installed failing its runs with a clear error."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from automateos.nodes.registry import clear_cache
from tests.conftest import wait_for_log, webhook_flow
from tests.engine.conftest import hook, steps_by_node

PLUGIN_DIST = Path(__file__).parent / "dist"
PLUGIN_MODULE = "automateos_engine_testplugin"


@contextmanager
def engine_plugin() -> Iterator[None]:
    """The test distribution installed (on sys.path) for the block, as pip would."""
    sys.path.insert(0, str(PLUGIN_DIST))
    importlib.invalidate_caches()
    clear_cache()
    try:
        yield
    finally:
        sys.path.remove(str(PLUGIN_DIST))
        sys.modules.pop(PLUGIN_MODULE, None)
        importlib.invalidate_caches()
        clear_cache()


@pytest.fixture
def plugin() -> Iterator[None]:
    with engine_plugin():
        yield


def run(app, client, user, *nodes: dict, payload: dict | None = None) -> dict:
    """Save a webhook workflow of ``nodes``, call its hook, wait for the run's detail."""
    wf = user.create_workflow(webhook_flow(*nodes))
    resp = hook(client, wf, payload or {"email": "a@example.com"})
    assert resp.status_code == 202, resp.get_json()
    return wait_for_log(app, user, resp.get_json()["log_id"])


@pytest.mark.usefixtures("plugin")
def test_node_error_fails_the_step_at_once_without_retry(app, client, user):
    log = run(app, client, user, {"id": "check", "type": "engt_fatal"},
              {"id": "after", "type": "transform", "params": {"fields": {"x": 1}}})
    steps = steps_by_node(log)
    assert log["status"] == "failed"
    assert steps["check"]["status"] == "failed" and steps["check"]["attempts"] == 1  # max_retries 3: unused
    assert steps["check"]["error"]["type"] == "NodeError"
    assert steps["check"]["error"]["message"] == "the input has no 'email'"
    assert log["error"]["message"] == "the input has no 'email'"
    assert steps["after"]["status"] == "skipped"
    # The lines of a failed attempt are kept too.
    assert [line["message"] for line in steps["check"]["logs"]] == ["refusing attempt 1"]


@pytest.mark.usefixtures("plugin")
def test_other_exceptions_are_retried_as_before(app, client, user):
    log = run(app, client, user, {"id": "bug", "type": "engt_crash"})
    step = steps_by_node(log)["bug"]
    assert log["status"] == "failed" and step["attempts"] == 2  # max_retries 1
    assert step["error"]["type"] == "KeyError" and "Traceback" in step["error"]["traceback"]


@pytest.mark.usefixtures("plugin")
def test_retryable_error_retries_after_its_retry_after(app, client, user):
    from automateos_engine_testplugin import BUSY_ATTEMPTS  # on sys.path only while installed

    log = run(app, client, user, {"id": "api", "type": "engt_busy"})
    step = steps_by_node(log)["api"]
    assert log["status"] == "success", log["error"]
    assert step["attempts"] == 2 and step["output"] == {"attempt": 2}
    first, second = BUSY_ATTEMPTS[log["id"]]
    # The node's backoff is 10 ms; the server asked for 1 s: the engine waits the longer.
    assert second - first >= 1.0


@pytest.mark.usefixtures("plugin")
def test_log_lines_and_node_version_are_stored_and_shown(app, client, user):
    log = run(app, client, user, {"id": "say", "type": "engt_logger"}, {"id": "wait", "type": "engt_wait"})
    assert log["status"] == "success", log["error"]
    steps = steps_by_node(log)
    say = steps["say"]
    assert say["output"]["step_id"] is not None
    assert [(line["level"], line["message"]) for line in say["logs"]] == [
        ("INFO", f"starting step {say['output']['step_id']}"),
        ("WARNING", "body was {'email': 'a@example.com'}"),
    ]
    assert all(line["time"] for line in say["logs"])
    expected = {"package": "automateos-engine-testplugin", "package_version": "2.5"}
    assert say["node_version"] == {"node": 3, **expected}
    # A blocking node (claimed under a lease, recorded later) gets both too.
    assert steps["wait"]["node_version"] == {"node": 1, **expected}
    assert [line["message"] for line in steps["wait"]["logs"]] == ["waited"]
    # Built-in nodes: their version and automateos's distribution; no lines logged.
    assert steps["hook"]["logs"] is None


def test_builtin_step_shows_its_version(app, client, user):
    log = run(app, client, user, {"id": "shape", "type": "transform", "params": {"fields": {"x": 1}}})
    shape = steps_by_node(log)["shape"]
    assert shape["node_version"]["node"] == 1 and shape["node_version"]["package"]
    assert shape["logs"] is None


@pytest.mark.parametrize("first", [
    pytest.param(None, id="message-path"),  # the missing node is the first step: its own message
    pytest.param({"id": "prep", "type": "transform", "params": {"fields": {"x": 1}}}, id="inline-path"),
])
def test_a_saved_workflow_whose_node_type_is_gone_fails_its_runs(app, client, user, first):
    gone = [{"id": "say", "type": "engt_logger"}, {"id": "wait", "type": "engt_wait"}]
    nodes = [first, *gone] if first else gone
    with engine_plugin():
        wf = user.create_workflow(webhook_flow(*nodes))
    # Uninstalled: the saved workflow stays, its runs fail at once with a clear error.
    resp = hook(client, wf, {"n": 1})
    assert resp.status_code == 202, resp.get_json()
    log = wait_for_log(app, user, resp.get_json()["log_id"], timeout=10)
    steps = steps_by_node(log)
    assert log["status"] == "failed"
    assert steps["say"]["status"] == "failed" and steps["say"]["attempts"] == 1
    assert steps["say"]["error"]["type"] == "UnknownNodeType"
    assert "node type 'engt_logger' is not installed" in log["error"]["message"]
    assert steps["say"]["node_version"] is None
    assert steps["wait"]["status"] == "skipped"
    if first:
        assert steps["prep"]["status"] == "success"
