"""Step leases through the real worker: a live worker keeps its long step, a dead worker's
step is taken over once its lease lapses (whatever the node's time limit), and the late
record of the worker that was taken over is refused."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from automateos.engine.actors import run_step as run_step_actor
from automateos.engine.actors import send_steps
from automateos.engine.reconciler import reconcile
from automateos.engine.runner import Outcome, Send, claim_step, record_step, run_step
from automateos.db_types import utcnow
from automateos.extensions import db
from automateos.engine.models import StepLog
from automateos.nodes.builtin.delay import DelayNode
from tests.conftest import drain, wait_for_log, webhook_flow
from tests.engine.conftest import hook, hook_and_lose_the_message, steps_by_node

LEASE = 1.5  # seconds: short, so that a lapse happens within the test (renewed every 0.5 s)


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.05)


def step_row(app, log_id: int, node_id: str) -> StepLog:
    with app.app_context():
        try:
            return db.session.scalars(
                select(StepLog).where(StepLog.log_id == log_id, StepLog.node_id == node_id)
            ).one()
        finally:
            db.session.remove()


def test_a_step_longer_than_its_lease_stays_with_its_living_worker(app, client, user, app_config):
    app_config(STEP_LEASE_SECONDS=LEASE)
    wf = user.create_workflow(webhook_flow({"id": "slow", "type": "delay", "params": {"seconds": LEASE * 3}}))
    log_id = hook(client, wf, {}).get_json()["log_id"]
    while (first := step_row(app, log_id, "slow")).status != "running":
        time.sleep(0.02)

    # While it sleeps, everything that would take over a dead worker's step is tried:
    # the reconciler (any run, however recent) and redeliveries of its message.
    leases = set()
    while (step := step_row(app, log_id, "slow")).status == "running":
        leases.add(step.lease_expires_at)
        with app.app_context():
            send_steps(reconcile(timedelta(0)))
            db.session.remove()
        run_step_actor.send(log_id, "slow")
        time.sleep(LEASE / 4)

    log = wait_for_log(app, user, log_id)
    assert log["status"] == "success", log["error"]
    assert steps_by_node(log)["slow"]["attempts"] == 1  # never taken over
    assert max(leases) > first.lease_expires_at  # the heartbeat renewed it
    assert step_row(app, log_id, "slow").lease_expires_at is None  # a finished step holds no lease


def killed_worker_run(app, client, user, server):
    """A run as a worker killed during its ``delay`` step leaves it: the steps before it
    finished, the delay step running under a lease that nobody renews, no message queued.
    Returns the log id and the dead worker's claim."""
    wf = user.create_workflow(webhook_flow(
        {"id": "call", "type": "http_request", "params": {"url": server.url("/json")}},
        {"id": "slow", "type": "delay", "params": {"seconds": 0.1}},  # time limit: 3,700 s
    ))
    log_id = hook_and_lose_the_message(client, wf)
    with app.app_context():
        try:
            assert run_step(log_id, "hook") == []  # recorded when the run was created
            assert run_step(log_id, "call") == [Send(log_id, "slow")]
            dead = claim_step(log_id, "slow")  # ... and this worker is killed
            db.session.commit()
        finally:
            db.session.remove()
    assert dead is not None and dead.limits.timeout_seconds == DelayNode.timeout_seconds
    return log_id, dead


@pytest.mark.parametrize("taken_over_by", ["reconciler", "redelivery"])
def test_a_dead_workers_step_is_taken_over_once_its_lease_lapses(app, client, user, server, app_config,
                                                                  taken_over_by):
    app_config(STEP_LEASE_SECONDS=LEASE)
    log_id, dead = killed_worker_run(app, client, user, server)

    # While the lease lives, nothing takes the step: its worker might only be slow.
    run_step_actor.send(log_id, "slow")
    drain()
    result = app.test_cli_runner().invoke(args=["executions", "reconcile"])
    assert "resent 0 step" in result.output
    assert step_row(app, log_id, "slow").status == "running"

    sleep_until(step_row(app, log_id, "slow").lease_expires_at)  # nobody renews it: it lapses
    if taken_over_by == "reconciler":
        # The run moved a moment ago (RECONCILE_AFTER_SECONDS is 300): only the lapsed
        # lease can bring the reconciler to it.
        result = app.test_cli_runner().invoke(args=["executions", "reconcile"])
    else:
        run_step_actor.send(log_id, "slow")

    log = wait_for_log(app, user, log_id)
    assert log["status"] == "success", log["error"]
    steps = steps_by_node(log)
    assert steps["slow"]["attempts"] == 2 and steps["slow"]["status"] == "success"
    # The finished steps did not run again.
    assert steps["hook"]["attempts"] == 1 and steps["call"]["attempts"] == 1
    assert len([r for r in server.requests if r["path"] == "/json"]) == 1
    if taken_over_by == "reconciler":
        assert "resent 1 step" in result.output


def test_the_late_record_of_a_worker_that_was_taken_over_is_refused(app, client, user, server, app_config):
    app_config(STEP_LEASE_SECONDS=LEASE)
    log_id, zombie = killed_worker_run(app, client, user, server)
    # The zombie is only frozen, but nobody can tell: its lease lapses.
    sleep_until(step_row(app, log_id, "slow").lease_expires_at)
    with app.app_context():
        send_steps(reconcile())
        db.session.remove()
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "success"

    with app.app_context():
        try:
            sends = record_step(zombie, Outcome(output={"from": "zombie"}))
        finally:
            db.session.remove()

    assert sends == []
    after = user.get(f"/api/logs/{log_id}").get_json()
    assert after["status"] == "success" and after["finished_at"] == log["finished_at"]
    assert after["result"] == log["result"] and after["result"] != {"from": "zombie"}
    slow = steps_by_node(after)["slow"]
    assert slow["attempts"] == 2 and slow["output"] == log["result"]
