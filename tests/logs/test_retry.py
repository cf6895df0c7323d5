"""Re-running a run: with the definition it used, or with the workflow's current one."""
from __future__ import annotations

import pytest

from tests.conftest import assert_error, wait_for_log, webhook_flow

BROKEN = webhook_flow({"id": "ship", "type": "fail", "params": {"message": "out of stock: {{ input.body.sku }}"}})
FIXED = webhook_flow({"id": "ship", "type": "transform", "params": {"fields": {"shipped": "{{ input.body.sku }}"}}})


@pytest.fixture
def failed_run(app, client, user):
    """A run that failed on version 1 of a workflow which has since been fixed (version 2)."""
    wf = user.create_workflow(BROKEN, name="Ship orders")
    token = wf["webhook_url"].rsplit("/", 1)[1]
    log = wait_for_log(app, user, client.post(f"/api/hooks/{token}", json={"sku": "A1"}).get_json()["log_id"])
    assert log["status"] == "failed"
    fixed = user.put(f"/api/workflows/{wf['id']}", {"name": "Ship orders", "definition": FIXED}).get_json()
    assert fixed["version"] == 2
    return log


def retry(app, user, log_id, body):
    resp = user.post(f"/api/logs/{log_id}/retry", body)
    assert resp.status_code == 202, resp.get_json()
    accepted = resp.get_json()
    return accepted, wait_for_log(app, user, accepted["id"])


def test_retry_original_reruns_the_definition_the_run_used(app, user, failed_run):
    accepted, rerun = retry(app, user, failed_run["id"], {"mode": "original"})

    assert accepted["trigger"] == "retry" and accepted["retry_of"] == failed_run["id"] and accepted["status"] == "queued"
    assert rerun["workflow_version"] == 1
    assert rerun["status"] == "failed" and rerun["error"]["message"] == "out of stock: A1"
    assert rerun["payload"] == failed_run["payload"]


def test_retry_latest_runs_the_current_definition(app, user, failed_run):
    _accepted, rerun = retry(app, user, failed_run["id"], {"mode": "latest"})

    assert rerun["workflow_version"] == 2 and rerun["retry_of"] == failed_run["id"]
    assert rerun["status"] == "success" and rerun["result"] == {"shipped": "A1"}


def test_retry_with_a_payload_replaces_the_input(app, user, failed_run):
    _accepted, rerun = retry(app, user, failed_run["id"], {"mode": "latest", "payload": {"body": {"sku": "B2"}}})

    assert rerun["payload"] == {"body": {"sku": "B2"}} and rerun["result"] == {"shipped": "B2"}


def test_mode_defaults_to_original(app, user, failed_run):
    _accepted, rerun = retry(app, user, failed_run["id"], {})
    assert rerun["workflow_version"] == 1 and rerun["status"] == "failed"


def test_a_rerun_is_listed_as_a_retry(app, user, failed_run):
    accepted, _rerun = retry(app, user, failed_run["id"], {"mode": "latest"})
    page = user.get(f"/api/workflows/{failed_run['workflow_id']}/logs", query_string={"trigger": "retry"}).get_json()
    assert [item["id"] for item in page["items"]] == [accepted["id"]]


def test_a_successful_run_can_be_rerun_too(app, user, workflow, client):
    token = workflow["webhook_url"].rsplit("/", 1)[1]
    done = wait_for_log(app, user, client.post(f"/api/hooks/{token}", json={"x": 3}).get_json()["log_id"])
    _accepted, rerun = retry(app, user, done["id"], {"mode": "original"})
    assert rerun["status"] == "success" and rerun["result"] == done["result"] == {"x": 3}


@pytest.mark.parametrize("status", ["queued", "running"])
def test_an_unfinished_run_cannot_be_retried(user, workflow, add_logs, status):
    [row] = add_logs(workflow, status=status)
    body = assert_error(user.post(f"/api/logs/{row.id}/retry", {"mode": "original"}), 409)
    assert status in body["message"]


def test_an_unknown_mode_is_422(user, workflow, add_logs):
    [row] = add_logs(workflow, status="failed")
    assert_error(user.post(f"/api/logs/{row.id}/retry", {"mode": "newest"}), 422)
