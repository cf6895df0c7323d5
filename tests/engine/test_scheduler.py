"""Schedule triggers: due runs fire once, the next time follows the cron, one leader."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from automateos.ticker import Leadership
from automateos.workflows.schedules import fire_due_schedules, next_fire_time
from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from automateos.workflows.models import Workflow
from tests.conftest import wait_for_log

SCHEDULED = {
    "nodes": [{"id": "tick", "type": "schedule", "params": {"cron": "*/5 * * * *", "timezone": "Europe/Paris"}},
              {"id": "t", "type": "transform", "params": {"fields": {"at": "{{ input.scheduled_at }}"}}}],
    "edges": [{"source": "tick", "target": "t"}],
}


def test_next_fire_time_follows_cron_and_timezone():
    after = datetime(2026, 3, 1, 10, 2, tzinfo=timezone.utc)
    assert next_fire_time({"cron": "*/5 * * * *"}, after) == datetime(2026, 3, 1, 10, 5, tzinfo=timezone.utc)
    # 09:00 in Paris (UTC+1 in winter) is 08:00 UTC.
    daily = next_fire_time({"cron": "0 9 * * *", "timezone": "Europe/Paris"}, after)
    assert daily == datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def test_saving_a_schedule_sets_its_next_run_and_deactivating_clears_it(user):
    wf = user.create_workflow(SCHEDULED)
    assert wf["trigger_type"] == "schedule" and wf["next_run_at"]
    assert user.patch(f"/api/workflows/{wf['id']}", {"active": False}).get_json()["next_run_at"] is None


def test_a_due_schedule_fires_once_and_moves_to_its_next_time(app, user):
    wf = user.create_workflow(SCHEDULED)
    due = datetime.now(timezone.utc) - timedelta(minutes=1)
    with app.app_context():
        db.session.get(Workflow, wf["id"]).next_run_at = due
        db.session.commit()
        assert fire_due_schedules() == 1
        assert fire_due_schedules() == 0  # not due any more
        workflow = db.session.get(Workflow, wf["id"])
        assert workflow.next_run_at > datetime.now(timezone.utc)
        log_id = db.session.scalar(db.select(ExecutionLog.id).where(ExecutionLog.workflow_id == wf["id"]))
    log = wait_for_log(app, user, log_id)
    assert log["trigger"] == "schedule" and log["status"] == "success"
    assert log["result"]["at"].startswith(due.strftime("%Y-%m-%dT%H:%M"))


def test_inactive_schedules_do_not_fire(app, user):
    wf = user.create_workflow(SCHEDULED, active=False)
    with app.app_context():
        db.session.get(Workflow, wf["id"]).next_run_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()
        assert fire_due_schedules() == 0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="leadership across processes needs Redis")
def test_only_one_ticker_leads():
    key = f"automateos-test:ticker:{uuid.uuid4().hex}"
    first = Leadership(os.environ["REDIS_URL"], key, ttl_seconds=5)
    second = Leadership(os.environ["REDIS_URL"], key, ttl_seconds=5)
    assert first.acquire() is True
    assert second.acquire() is False
    assert first.acquire() is True  # renewing its own lease
    first.client.delete(key)
    assert second.acquire() is True


def test_without_redis_the_single_process_always_leads():
    assert Leadership(None, "k", ttl_seconds=5).acquire() is True
