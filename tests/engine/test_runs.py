"""Whole runs through the real broker and worker: the execution model of DESIGN.md."""
from __future__ import annotations

import time

import pytest

from automateos.engine.actors import run_step, send_steps
from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from tests.conftest import drain, wait_for_log, webhook_flow
from tests.engine.conftest import hook, hook_and_lose_the_message, steps_by_node


ORDER_FLOW = webhook_flow(
    {"id": "big", "type": "filter",
     "params": {"conditions": [{"left": "{{ input.body.amount }}", "op": "gt", "right": 100}]}},
    {"id": "shape", "type": "transform",
     "params": {"fields": {"order": "{{ input.body.id }}", "total": "{{ input.body.amount * 1.2 }}",
                          "label": "order {{ trigger.body.id }}"}}},
)


def test_webhook_filter_transform_run_succeeds_with_result(app, client, user):
    wf = user.create_workflow(ORDER_FLOW)
    resp = hook(client, wf, {"id": "A-1", "amount": 150})
    assert resp.status_code == 202
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["status"] == "success", log["error"]
    assert log["result"] == {"order": "A-1", "total": pytest.approx(180.0), "label": "order A-1"}
    assert log["trigger"] == "webhook" and log["workflow_version"] == 1
    steps = steps_by_node(log)
    assert [s["node_id"] for s in log["steps"]] == ["hook", "big", "shape"]  # execution order
    assert all(s["status"] == "success" and s["attempts"] == 1 for s in steps.values())
    assert steps["shape"]["input"]["body"] == {"id": "A-1", "amount": 150}
    assert log["payload"]["body"] == {"id": "A-1", "amount": 150}
    assert log["duration_ms"] is not None and steps["big"]["started_at"] and steps["big"]["finished_at"]


def test_filter_that_stops_skips_downstream(app, client, user):
    wf = user.create_workflow(ORDER_FLOW)
    log = wait_for_log(app, user, hook(client, wf, {"id": "B", "amount": 5}).get_json()["log_id"])
    assert log["status"] == "success" and log["result"] is None
    steps = steps_by_node(log)
    assert steps["big"]["status"] == "success" and steps["big"]["output_port"] is None
    assert steps["shape"]["status"] == "skipped" and steps["shape"]["attempts"] == 0


IF_MERGE = webhook_flow(
    {"id": "check", "type": "if", "params": {"conditions": [{"left": "{{ input.body.vip }}", "op": "eq", "right": True}]}},
    {"id": "vip", "type": "transform", "params": {"fields": {"tier": "gold"}}},
    {"id": "std", "type": "transform", "params": {"fields": {"tier": "basic"}}},
    {"id": "join", "type": "merge"},
    edges=[("hook", "check"), ("check", "vip", "true"), ("check", "std", "false"), ("vip", "join"), ("std", "join")],
)


@pytest.mark.parametrize(("vip", "ran", "skipped"), [(True, "vip", "std"), (False, "std", "vip")])
def test_if_routes_by_port_and_merge_waits_for_all_branches(app, client, user, vip, ran, skipped):
    wf = user.create_workflow(IF_MERGE)
    log = wait_for_log(app, user, hook(client, wf, {"vip": vip}).get_json()["log_id"])
    assert log["status"] == "success", log["error"]
    steps = steps_by_node(log)
    assert steps[ran]["status"] == "success" and steps[skipped]["status"] == "skipped"
    assert steps["check"]["output_port"] == ("true" if vip else "false")
    assert log["result"] == {ran: {"tier": "gold" if vip else "basic"}}


def test_parallel_branches_run_and_merge_receives_both(app, client, user):
    wf = user.create_workflow(webhook_flow(
        {"id": "a", "type": "delay", "params": {"seconds": 0.3}},
        {"id": "b", "type": "transform", "params": {"fields": {"b": "{{ input.body.x }}"}}},
        {"id": "join", "type": "merge"},
        {"id": "out", "type": "transform", "params": {"fields": {"a": "{{ input.a.body.x }}", "b": "{{ nodes.b.b }}"}}},
        edges=[("hook", "a"), ("hook", "b"), ("a", "join"), ("b", "join"), ("join", "out")],
    ))
    log = wait_for_log(app, user, hook(client, wf, {"x": 7}).get_json()["log_id"])
    assert log["status"] == "success", log["error"]
    assert log["result"] == {"a": 7, "b": 7}
    steps = steps_by_node(log)
    assert set(steps["join"]["input"]) == {"a", "b"}
    # b finished while a was still sleeping: the branches really ran side by side.
    assert steps["b"]["finished_at"] < steps["a"]["finished_at"]


def test_retry_then_success(app, client, user, server):
    wf = user.create_workflow(webhook_flow(
        {"id": "call", "type": "http_request", "max_retries": 3, "retry_backoff": 0.05,
         "params": {"url": server.url("/flaky?key=r1&fail=2")}},
    ))
    log = wait_for_log(app, user, hook(client, wf, {}).get_json()["log_id"])
    assert log["status"] == "success", log["error"]
    call = steps_by_node(log)["call"]
    assert call["attempts"] == 3 and call["error"] is None
    assert log["result"]["status"] == 200 and log["result"]["body"] == {"attempt": 3}


def test_retries_exhausted_fail_with_message_type_node_and_traceback(app, client, user, server):
    wf = user.create_workflow(webhook_flow(
        {"id": "call", "type": "http_request", "max_retries": 2, "retry_backoff": 0.05,
         "params": {"url": server.url("/status/503")}},
        {"id": "after", "type": "transform", "params": {"fields": {"x": 1}}},
    ))
    log = wait_for_log(app, user, hook(client, wf, {}).get_json()["log_id"])
    assert log["status"] == "failed"
    assert log["error"]["node_id"] == "call"
    assert "503" in log["error"]["message"] and log["error"]["type"]
    assert "Traceback (most recent call last)" in log["error"]["traceback"]
    steps = steps_by_node(log)
    assert steps["call"]["status"] == "failed" and steps["call"]["attempts"] == 3
    assert steps["after"]["status"] == "skipped"


def test_fail_node_fails_the_run_with_its_message(app, client, user):
    wf = user.create_workflow(webhook_flow({"id": "boom", "type": "fail", "params": {"message": "no {{ input.body.x }}"}}))
    log = wait_for_log(app, user, hook(client, wf, {"x": "stock"}).get_json()["log_id"])
    assert log["status"] == "failed" and log["error"]["message"] == "no stock" and log["error"]["node_id"] == "boom"


def test_step_time_limit(app, client, user):
    wf = user.create_workflow(webhook_flow({"id": "slow", "type": "delay", "timeout_seconds": 0.3, "params": {"seconds": 20}}))
    started = time.monotonic()
    log = wait_for_log(app, user, hook(client, wf, {}).get_json()["log_id"])
    assert time.monotonic() - started < 10
    assert log["status"] == "failed" and log["error"]["type"] == "StepTimedOut"
    assert "timed out after 0.3 s" in log["error"]["message"] and log["error"]["node_id"] == "slow"


@pytest.mark.parametrize("escape", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.system('id') }}",
    "{{ self.__init__.__globals__ }}",
])
def test_expression_escaping_the_sandbox_fails_the_step_clearly(app, client, user, escape):
    wf = user.create_workflow(webhook_flow({"id": "evil", "type": "transform", "params": {"fields": {"x": escape}}}))
    log = wait_for_log(app, user, hook(client, wf, {}).get_json()["log_id"])
    assert log["status"] == "failed"
    message = log["error"]["message"]
    assert "evil" in message and "fields.x" in message and escape in message
    assert log["error"]["node_id"] == "evil"


def test_manual_run_of_any_trigger_type(app, user):
    wf = user.create_workflow({
        "nodes": [{"id": "cron", "type": "schedule", "params": {"cron": "0 0 1 1 *"}},
                  {"id": "t", "type": "transform", "params": {"fields": {"got": "{{ input.hello }}"}}}],
        "edges": [{"source": "cron", "target": "t"}],
    })
    resp = user.post(f"/api/workflows/{wf['id']}/run", {"payload": {"hello": "there"}})
    assert resp.status_code == 202 and resp.get_json()["trigger"] == "manual"
    log = wait_for_log(app, user, resp.get_json()["id"])
    assert log["result"] == {"got": "there"}


def test_ssrf_guard_fails_a_request_to_loopback(app, client, user, server):
    app.config["HTTP_ALLOW_PRIVATE"] = False
    try:
        wf = user.create_workflow(webhook_flow({"id": "call", "type": "http_request", "params": {"url": server.url("/json")}}))
        log = wait_for_log(app, user, hook(client, wf, {}).get_json()["log_id"])
    finally:
        app.config["HTTP_ALLOW_PRIVATE"] = True
    assert log["status"] == "failed" and log["error"]["node_id"] == "call"
    assert "127.0.0.1" in log["error"]["message"]
    assert server.requests == []  # not a byte reached the server


def test_a_message_delivered_twice_runs_the_step_once(app, client, user, server):
    wf = user.create_workflow(webhook_flow({"id": "call", "type": "http_request", "params": {"url": server.url("/json")}}))
    log_id = hook(client, wf, {}).get_json()["log_id"]
    # The same message again, while the first may still be running, and after it finished.
    run_step.send(log_id, "call")
    run_step.send(log_id, "hook")
    log = wait_for_log(app, user, log_id)
    drain()
    run_step.send(log_id, "call")
    drain()
    assert log["status"] == "success"
    assert len([r for r in server.requests if r["path"] == "/json"]) == 1
    assert steps_by_node(user.get(f"/api/logs/{log_id}").get_json())["call"]["attempts"] == 1


def start_and_lose_the_message(client, user) -> int:
    """Trigger a run while the worker is paused, then drop the queued message."""
    wf = user.create_workflow(webhook_flow({"id": "t", "type": "transform", "params": {"fields": {"ok": True}}}))
    return hook_and_lose_the_message(client, wf)


def test_reconciler_finishes_a_run_whose_message_was_lost(app, client, user):
    log_id = start_and_lose_the_message(client, user)
    with app.app_context():
        assert db.session.get(ExecutionLog, log_id).status == "queued"
        result = app.test_cli_runner().invoke(args=["executions", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0 and "resent 1 step" in result.output
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "success" and log["result"] == {"ok": True}


def test_execution_time_limit_fails_a_stalled_run(app, client, user):
    log_id = start_and_lose_the_message(client, user)
    app.config["EXECUTION_TIME_LIMIT_SECONDS"] = 0
    try:
        with app.app_context():
            from automateos.engine.reconciler import reconcile
            from datetime import timedelta

            send_steps(reconcile(timedelta(0)))
    finally:
        app.config["EXECUTION_TIME_LIMIT_SECONDS"] = 3600
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "failed" and "time limit" in log["error"]["message"]
    steps = steps_by_node(log)
    assert steps["hook"]["status"] == "success" and steps["t"]["status"] == "skipped"
