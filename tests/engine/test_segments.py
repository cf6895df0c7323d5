"""Segments: a message runs a step and goes on through the successors that only compute;
a blocking step, a fan-out or the segment's bound makes new messages. The trigger step is
recorded with the run. Counted on the real broker, through the real worker."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq.middleware import Middleware
from sqlalchemy import select

from automateos.engine import runner
from automateos.engine.broker import get_broker, get_worker
from automateos.engine.models import ExecutionLog, StepLog
from automateos.extensions import db
from tests.conftest import drain, wait_for_log, webhook_flow
from tests.engine.conftest import hook, steps_by_node


class StepMessages(Middleware):
    """Every ``run_step`` message the broker is handed, as (log id, node id)."""

    def __init__(self) -> None:
        # By message id: a delayed message is enqueued again when its delay is over.
        self.sent: dict[str, tuple[int, str]] = {}
        self.lock = threading.Lock()

    def after_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int | None) -> None:
        if message.actor_name == "run_step":
            with self.lock:
                self.sent.setdefault(message.message_id, (message.args[0], message.args[1]))

    def of(self, log_id: int) -> list[str]:
        """The node ids of the messages sent for run ``log_id``, in order."""
        with self.lock:
            return [node for run, node in self.sent.values() if run == log_id]


@pytest.fixture
def messages(app) -> Iterator[StepMessages]:
    """Counts the step messages the app's broker receives during the test."""
    broker = get_broker(app)
    counter = StepMessages()
    broker.add_middleware(counter)
    yield counter
    broker.middleware.remove(counter)


def add_one(node_id: str) -> dict[str, Any]:
    """A transform adding 1 to ``n`` (the trigger's ``body.n`` when it has no ``n``)."""
    return {"id": node_id, "type": "transform",
            "params": {"fields": {"n": "{{ (input.n if input.n is defined else input.body.n) + 1 }}"}}}


def chain(count: int, prefix: str = "t") -> list[dict[str, Any]]:
    return [add_one(f"{prefix}{i}") for i in range(1, count + 1)]


def run(app, client, user, definition: dict[str, Any], payload: Any = None, **fields: Any) -> dict[str, Any]:
    wf = user.create_workflow(definition, **fields)
    log = wait_for_log(app, user, hook(client, wf, payload if payload is not None else {"n": 0}).get_json()["log_id"])
    drain()  # every message of the run has been handled
    return log


def test_a_chain_of_compute_steps_runs_in_one_message(app, client, user, messages):
    log = run(app, client, user, webhook_flow(*chain(12)))

    assert log["status"] == "success", log["error"]
    assert log["result"] == {"n": 12}
    assert messages.of(log["id"]) == ["t1"]  # the trigger's successor; the rest ran inline
    steps = steps_by_node(log)
    assert all(s["status"] == "success" and s["attempts"] == 1 for s in steps.values())
    assert steps["t7"]["input"] == {"n": 6} and steps["t7"]["output"] == {"n": 7}
    assert [s["node_id"] for s in log["steps"]] == ["hook", *[f"t{i}" for i in range(1, 13)]]


def test_a_blocking_step_in_the_middle_splits_the_segment(app, client, user, messages):
    wait = {"id": "wait", "type": "delay", "params": {"seconds": 0}}
    log = run(app, client, user, webhook_flow(*chain(2, "a"), wait, *chain(3, "b"),
                                              edges=[("hook", "a1"), ("a1", "a2"), ("a2", "wait"), ("wait", "b1"),
                                                     ("b1", "b2"), ("b2", "b3")]),
              {"n": 1})

    assert log["status"] == "success", log["error"]
    assert log["result"] == {"n": 6}
    # a1 with a2; the delay on its own message, and its record went on with b1..b3.
    assert messages.of(log["id"]) == ["a1", "wait"]
    assert all(s["attempts"] == 1 for s in log["steps"])


def test_a_fan_out_makes_one_message_per_branch(app, client, user, messages):
    log = run(app, client, user, webhook_flow(
        add_one("first"), add_one("left"), add_one("middle"), add_one("right"), {"id": "join", "type": "merge"},
        {"id": "after", "type": "transform", "params": {"fields": {"total": "{{ input.left.n + input.right.n }}"}}},
        edges=[("hook", "first"), ("first", "left"), ("first", "middle"), ("first", "right"),
               ("left", "join"), ("middle", "join"), ("right", "join"), ("join", "after")],
    ))

    assert log["status"] == "success", log["error"]
    sent = messages.of(log["id"])
    assert sorted(sent) == ["first", "left", "middle", "right"] and sent[0] == "first"
    steps = steps_by_node(log)
    assert steps["join"]["input"] == {"left": {"n": 2}, "middle": {"n": 2}, "right": {"n": 2}}
    assert log["result"] == {"total": 4} and steps["after"]["attempts"] == 1


def test_a_segment_past_its_bound_goes_on_with_a_message(app, client, user, messages, monkeypatch):
    monkeypatch.setattr(runner, "MAX_SEGMENT_STEPS", 4)
    log = run(app, client, user, webhook_flow(*chain(10)))

    assert log["status"] == "success" and log["result"] == {"n": 10}
    assert messages.of(log["id"]) == ["t1", "t5", "t9"]


def test_a_stopped_branch_and_a_failure_inside_a_segment(app, client, user, messages):
    stop = {"id": "keep", "type": "filter", "params": {"conditions": [{"left": "{{ input.n }}", "op": "gt", "right": 5}]}}
    stopped = run(app, client, user, webhook_flow(add_one("t1"), stop, add_one("t2")))
    assert stopped["status"] == "success" and stopped["result"] is None
    assert steps_by_node(stopped)["t2"]["status"] == "skipped"
    assert messages.of(stopped["id"]) == ["t1"]

    boom = {"id": "boom", "type": "fail", "params": {"message": "n is {{ input.n }}"}}
    failed = run(app, client, user, webhook_flow(add_one("t1"), boom, add_one("t2")))
    assert failed["status"] == "failed" and failed["error"]["message"] == "n is 1"
    steps = steps_by_node(failed)
    assert steps["t1"]["status"] == "success" and steps["boom"]["status"] == "failed"
    assert steps["t2"]["status"] == "skipped" and messages.of(failed["id"]) == ["t1"]


def test_a_retry_inside_a_segment_waits_its_backoff_in_a_message(app, client, user, messages):
    flaky = {"id": "flaky", "type": "transform", "max_retries": 2, "retry_backoff": 0.05,
             "params": {"fields": {"x": "{{ 1 // (execution.id - execution.id) }}"}}}
    log = run(app, client, user, webhook_flow(add_one("t1"), flaky))

    assert log["status"] == "failed" and log["error"]["node_id"] == "flaky"
    assert steps_by_node(log)["flaky"]["attempts"] == 3
    assert messages.of(log["id"]) == ["t1", "flaky", "flaky"]  # each retry its own (delayed) message


def get_worker_of(app) -> dramatiq.Worker:
    """The suite's in-process worker (paused to read what creating a run wrote)."""
    worker = get_worker(app)
    assert worker is not None
    return worker


def stored_steps(app, log_id: int) -> dict[str, StepLog]:
    with app.app_context():
        try:
            rows = db.session.scalars(select(StepLog).where(StepLog.log_id == log_id)).all()
            for row in rows:
                row.output  # load the deferred body before the session goes
            return {row.node_id: row for row in rows}
        finally:
            db.session.remove()


def test_the_trigger_step_is_recorded_with_the_run_and_never_sent(app, client, user, messages):
    worker = get_worker_of(app)
    worker.pause()  # nothing runs: what we read is what creating the run wrote
    try:
        wf = user.create_workflow(webhook_flow(add_one("t1")))
        log_id = hook(client, wf, {"n": 4}).get_json()["log_id"]
        steps = stored_steps(app, log_id)
        sent = messages.of(log_id)
    finally:
        worker.resume()
    trigger = steps["hook"]
    assert trigger.status == "success" and trigger.attempts == 1 and trigger.output["body"] == {"n": 4}
    assert trigger.started_at is not None and trigger.finished_at is not None
    assert steps["t1"].status == "pending" and steps["t1"].attempts == 0
    assert sent == ["t1"]  # its successor only
    assert wait_for_log(app, user, log_id)["result"] == {"n": 5}


def test_a_run_of_the_trigger_alone_finishes_when_created(app, user, messages):
    wf = user.create_workflow({"nodes": [{"id": "m", "type": "manual"}], "edges": []})
    resp = user.post(f"/api/workflows/{wf['id']}/run", {"payload": {"hello": "there"}})

    assert resp.status_code == 202 and resp.get_json()["status"] == "success"
    log = user.get(f"/api/logs/{resp.get_json()['id']}").get_json()
    assert log["status"] == "success" and log["result"] == {"hello": "there"}
    assert messages.of(log["id"]) == []


@pytest.mark.parametrize(("policy", "kept"), [("failed_only", False), ("all", True)])
def test_the_save_policy_of_the_run_is_the_one_it_started_with(app, client, user, messages, policy, kept):
    other = "all" if policy == "failed_only" else "failed_only"
    wf = user.create_workflow(webhook_flow(add_one("t1")), save=policy)
    worker = get_worker_of(app)
    worker.pause()
    try:
        log_id = hook(client, wf, {"n": 1}).get_json()["log_id"]
        # The workflow's policy changes while the run waits: the run keeps its own.
        assert user.patch(f"/api/workflows/{wf['id']}", {"save": other}).status_code == 200
    finally:
        worker.resume()
    log = wait_for_log(app, user, log_id)

    assert log["status"] == "success"
    with app.app_context():
        assert db.session.get(ExecutionLog, log_id).save_policy == policy
        db.session.remove()
    if kept:
        assert log["result"] == {"n": 2} and log["payload"]["body"] == {"n": 1}
        assert steps_by_node(log)["t1"]["output"] == {"n": 2}
    else:
        assert log["result"] is None and log["payload"] is None
        assert all(s["input"] is None and s["output"] is None for s in log["steps"])


def test_when_finished_answers_a_compute_only_workflow_with_its_result(client, user, messages):
    wf = user.create_workflow(webhook_flow(*chain(5), hook_params={"respond": "when_finished"}))
    resp = hook(client, wf, {"n": 10})

    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "success" and body["result"] == {"n": 15} and body["error"] is None
    assert messages.of(body["log_id"]) == []  # its one segment ran in the web process
