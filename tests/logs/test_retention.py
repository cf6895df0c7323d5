"""The retention policy: global settings, per-workflow overrides, the per-workflow cap,
and the periodic actor that applies it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from automateos.logs import tasks
from automateos.logs.retention import apply_retention_policy
from tests.conftest import drain

DAY = timedelta(days=1)


@pytest.fixture
def policy(app, monkeypatch):
    """Set the global policy (30 days, no cap unless given) for one test."""

    def set_policy(days: int = 30, max_per_workflow: int = 0) -> None:
        monkeypatch.setitem(app.config, "LOG_RETENTION_DAYS", days)
        monkeypatch.setitem(app.config, "LOG_RETENTION_MAX_PER_WORKFLOW", max_per_workflow)

    set_policy()
    return set_policy


@pytest.fixture
def retain(app):
    """Apply the retention policy now, as the periodic actor does."""

    def run(**kwargs: int) -> dict[str, int]:
        with app.app_context():
            return apply_retention_policy(**kwargs)

    return run


def override(user, workflow, **fields) -> None:
    resp = user.patch(f"/api/workflows/{workflow['id']}", fields)
    assert resp.status_code == 200, resp.get_json()
    assert {k: resp.get_json()[k] for k in fields} == fields


def ids(*groups) -> set[int]:
    return {row.id for group in groups for row in group}


@pytest.mark.parametrize("batch_size", [5000, 2])
def test_global_days_apply_to_finished_runs_only(policy, retain, workflow, add_logs, existing, step_count, batch_size):
    old = add_logs(workflow, 2, age=40 * DAY) + add_logs(workflow, 2, status="failed", age=40 * DAY)
    kept = add_logs(workflow, 2, age=20 * DAY) + add_logs(workflow, 1, status="failed", age=29 * DAY)
    unfinished = add_logs(workflow, 1, status="running", age=40 * DAY) + add_logs(workflow, 1, status="queued", age=40 * DAY)

    report = retain(batch_size=batch_size)

    assert report == {"expired": 4, "over_limit": 0}
    assert existing() == ids(kept, unfinished)
    assert step_count([r.id for r in old]) == 0


def test_a_workflows_retention_days_override_the_global_days(policy, retain, user, workflow, add_logs, existing):
    short = user.create_workflow(workflow["definition"], name="chatty")
    override(user, short, retention_days=7)
    short_old = add_logs(short, 2, age=10 * DAY) + add_logs(short, 1, status="failed", age=10 * DAY)
    short_kept = add_logs(short, 1, age=5 * DAY)
    default_kept = add_logs(workflow, 2, age=10 * DAY)

    retain()

    assert existing() == ids(short_kept, default_kept)
    assert not existing([r.id for r in short_old])  # failures follow retention_days without keep_failed_days


def test_failures_can_be_kept_longer_than_successes(policy, retain, user, workflow, add_logs, existing):
    override(user, workflow, retention_days=7, keep_failed_days=90)
    success_old = add_logs(workflow, 2, age=10 * DAY)
    failed_kept = add_logs(workflow, 2, status="failed", age=40 * DAY)
    failed_old = add_logs(workflow, 1, status="failed", age=100 * DAY)

    report = retain()

    assert report["expired"] == 3
    assert existing() == ids(failed_kept)
    assert not existing([r.id for r in success_old + failed_old])


@pytest.mark.parametrize("batch_size", [5000, 2])
def test_the_cap_keeps_the_newest_runs_of_each_workflow(policy, retain, user, workflow, add_logs, existing, batch_size):
    policy(days=30, max_per_workflow=5)
    newest = add_logs(workflow, 5, age=timedelta(minutes=1))
    beyond = add_logs(workflow, 3, status="failed", age=timedelta(minutes=10))
    still_running = add_logs(workflow, 1, status="running", age=timedelta(minutes=20))
    small = user.create_workflow(workflow["definition"], name="small")
    small_logs = add_logs(small, 4, age=timedelta(minutes=30))

    report = retain(batch_size=batch_size)

    assert report == {"expired": 0, "over_limit": 3}
    assert existing() == ids(newest, still_running, small_logs)
    assert not existing([r.id for r in beyond])


def test_zero_turns_a_rule_off(policy, retain, workflow, add_logs, existing):
    policy(days=0, max_per_workflow=0)
    everything = add_logs(workflow, 3, age=400 * DAY) + add_logs(workflow, 2, status="failed", age=400 * DAY)

    assert retain() == {"expired": 0, "over_limit": 0}
    assert existing() == ids(everything)


def test_the_periodic_actor_applies_the_policy_through_the_worker(policy, workflow, add_logs, existing):
    old = add_logs(workflow, 3, age=40 * DAY)
    recent = add_logs(workflow, 2, age=DAY)

    tasks.apply_retention.send()
    drain()

    assert existing() == ids(recent)
    assert not existing([r.id for r in old])
