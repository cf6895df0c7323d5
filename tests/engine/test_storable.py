"""Outputs the database cannot store fail their step at once, the same on every backend
(PostgreSQL refuses NUL in text/JSONB and JSON has no infinity or NaN); and the cap on
what one step may store."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from automateos.engine.reconciler import reconcile
from automateos.engine.runner import Outcome, claim_step, record_step, run_step
from automateos.extensions import db
from tests.conftest import ON_SERVICES, drain, wait_for_log, webhook_flow
from tests.engine.conftest import hook, hook_and_lose_the_message, steps_by_node


def run_to_end(app, client, user, *nodes, payload=None):
    """Trigger a webhook flow of ``nodes``; the finished log, once the queue is empty."""
    wf = user.create_workflow(webhook_flow(*nodes))
    log = wait_for_log(app, user, hook(client, wf, payload or {}).get_json()["log_id"])
    drain()  # nothing is still queued for it (no retry, no redelivery)
    return log


def assert_nothing_left_to_resend(app):
    with app.app_context():
        try:
            assert reconcile(timedelta(0)) == []
        finally:
            db.session.remove()


@pytest.mark.parametrize(("expression", "problem"), [
    ("{{ 'a\\x00b' }}", "contains a NUL character"),
    ("{{ '\\u0000' }}", "contains a NUL character"),
    ("{{ {'k': ['ok', 'x\\x00'] } }}", "output.x.k[1] contains a NUL character"),
    ("{{ 1e308 * 10 }}", "output.x is inf"),
    ("{{ -1e308 * 10 }}", "output.x is -inf"),
    ("{{ 1e308 * 10 - 1e308 * 10 }}", "output.x is nan"),
])
def test_an_unstorable_transform_output_fails_the_run_once(app, client, user, expression, problem):
    log = run_to_end(app, client, user, {
        "id": "shape", "type": "transform", "max_retries": 3, "retry_backoff": 0.05,
        "params": {"fields": {"x": expression}},
    }, {"id": "after", "type": "transform", "params": {"fields": {"y": 1}}})

    assert log["status"] == "failed"
    error = log["error"]
    assert error["node_id"] == "shape" and error["type"] == "UnstorableOutput"
    assert "node 'shape'" in error["message"] and problem in error["message"]
    steps = steps_by_node(log)
    # Failed at once: retries cannot make the value storable.
    assert steps["shape"]["status"] == "failed" and steps["shape"]["attempts"] == 1
    assert steps["shape"]["output"] is None and steps["after"]["status"] == "skipped"
    assert_nothing_left_to_resend(app)


@pytest.mark.parametrize(("query", "problem"), [
    ("x=a%00b", "output.body.query.x[0] contains a NUL character"),
    ("a%00b=1", "a key of output.body.query contains a NUL character"),
])
def test_an_http_response_holding_nul_fails_the_run_once(app, client, user, server, query, problem):
    # /echo answers with the request it saw, so the NUL of the query comes back in the body.
    log = run_to_end(app, client, user, {
        "id": "call", "type": "http_request", "retry_backoff": 0.05,
        "params": {"url": server.url(f"/echo?{query}")},
    })

    assert log["status"] == "failed", log["result"]
    assert log["error"]["node_id"] == "call" and problem in log["error"]["message"]
    assert steps_by_node(log)["call"]["attempts"] == 1
    assert len([r for r in server.requests if r["path"] == "/echo"]) == 1
    assert_nothing_left_to_resend(app)


def test_a_nul_in_an_error_message_is_stored_written_out(app, client, user):
    log = run_to_end(app, client, user, {"id": "boom", "type": "fail", "params": {"message": "{{ 'a\\x00b' }}"}})

    assert log["status"] == "failed" and log["error"]["node_id"] == "boom"
    assert log["error"]["message"] == "a\\u0000b"
    assert steps_by_node(log)["boom"]["attempts"] == 1
    assert_nothing_left_to_resend(app)


def test_text_that_only_looks_like_an_escaped_nul_is_stored(app, client, user):
    log = run_to_end(app, client, user, {"id": "shape", "type": "transform",
                                          "params": {"fields": {"x": "{{ '\\\\u0000' }}", "y": "{{ 1e308 }}"}}})

    assert log["status"] == "success", log["error"]
    assert log["result"] == {"x": "\\u0000", "y": pytest.approx(1e308)}  # JSONB reads it back as an int


BIG_FIELDS = {f"f{i}": "{{ 'x' * 900000 }}" for i in range(5)}


def test_an_output_over_the_default_cap_fails_naming_node_and_size(app, client, user):
    size = len(json.dumps({name: "x" * 900000 for name in BIG_FIELDS}, separators=(",", ":")))
    assert size > app.config["STEP_OUTPUT_MAX_BYTES"] == 4 * 1024 * 1024

    log = run_to_end(app, client, user, {"id": "shape", "type": "transform", "max_retries": 2,
                                          "retry_backoff": 0.05, "params": {"fields": BIG_FIELDS}})

    assert log["status"] == "failed" and log["error"]["type"] == "StepOutputTooLarge"
    assert log["error"]["node_id"] == "shape"
    assert "node 'shape'" in log["error"]["message"] and f"{size:,} bytes" in log["error"]["message"]
    assert steps_by_node(log)["shape"]["attempts"] == 1 and log["result"] is None


@pytest.mark.parametrize("spare", [0, -1])
def test_the_cap_is_the_stored_json_size(app, client, user, app_config, spare):
    fields = {"name": "{{ 'é' * 100 }}", "n": 7}
    size = len(json.dumps({"name": "é" * 100, "n": 7}, ensure_ascii=False, separators=(",", ":")).encode())
    app_config(STEP_OUTPUT_MAX_BYTES=size + spare)

    log = run_to_end(app, client, user, {"id": "shape", "type": "transform", "params": {"fields": fields}})

    if spare == 0:
        assert log["status"] == "success" and log["result"] == {"name": "é" * 100, "n": 7}
    else:
        assert log["status"] == "failed" and f"{size:,} bytes" in log["error"]["message"]


@pytest.mark.skipif(not ON_SERVICES, reason="SQLite stores NUL and infinity in JSON text: nothing refuses")
def test_a_record_the_database_refuses_fails_the_step_instead_of_looping(app, client, user):
    # An outcome the check would have stopped, recorded as a node past the check would:
    # PostgreSQL refuses it, and the step fails with that error instead of being redelivered.
    wf = user.create_workflow(webhook_flow({"id": "slow", "type": "delay", "params": {"seconds": 0}}))
    log_id = hook_and_lose_the_message(client, wf)
    with app.app_context():
        try:
            run_step(log_id, "hook")
            claim = claim_step(log_id, "slow")
            db.session.commit()
            sends = record_step(claim, Outcome(output={"x": "a\x00b"}))
        finally:
            db.session.remove()

    assert sends == []
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "failed" and log["error"]["node_id"] == "slow"
    assert "the database refused its record" in log["error"]["message"]
    assert steps_by_node(log)["slow"]["status"] == "failed" and steps_by_node(log)["slow"]["output"] is None
    assert_nothing_left_to_resend(app)
