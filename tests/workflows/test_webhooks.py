"""The public webhook: body kinds, tokens, HMAC signatures, waiting for the result."""
from __future__ import annotations

import hashlib
import hmac
import json

from automateos.extensions import db
from automateos.logs.models import ExecutionLog
from tests.conftest import assert_error, wait_for_log, webhook_flow

ECHO = {"id": "echo", "type": "transform", "params": {"fields": {"body": "{{ input.body }}", "q": "{{ input.query }}"}}}


def hook_url(workflow):
    return "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]


def test_webhook_url_is_absolute_and_unguessable(user, make_user):
    a = user.create_workflow(webhook_flow(ECHO))
    b = make_user().create_workflow(webhook_flow(ECHO))
    assert a["webhook_url"].startswith("http://localhost/api/hooks/")
    assert a["webhook_url"] != b["webhook_url"]


def test_json_body_with_query_string(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    resp = client.post(hook_url(wf) + "?source=shop&tag=a&tag=b", json={"order": 1})
    assert resp.status_code == 202 and resp.get_json()["status"] == "queued"
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["result"] == {"body": {"order": 1}, "q": {"source": "shop", "tag": ["a", "b"]}}
    assert log["payload"]["method"] == "POST"


def test_form_text_and_empty_bodies_are_accepted(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    form = client.post(hook_url(wf), data={"name": "Ada", "x": "1"})
    text = client.post(hook_url(wf), data="hello", content_type="text/plain")
    empty = client.post(hook_url(wf))
    results = [wait_for_log(app, user, r.get_json()["log_id"])["result"]["body"] for r in (form, text, empty)]
    assert results == [{"name": "Ada", "x": "1"}, "hello", {}]


def test_invalid_json_is_400_and_starts_nothing(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    assert_error(client.post(hook_url(wf), data="{nope", content_type="application/json"), 400)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ExecutionLog)) == 0


def test_unknown_token_inactive_and_non_webhook_workflows_are_404(client, user):
    assert_error(client.post("/api/hooks/not-a-token", json={}), 404)
    wf = user.create_workflow(webhook_flow(ECHO), active=False)
    assert_error(client.post(hook_url(wf), json={}), 404)
    manual = user.create_workflow({"nodes": [{"id": "m", "type": "manual"}], "edges": []})
    assert_error(client.post(hook_url(manual), json={}), 404)


def test_credentials_are_not_stored_in_the_payload(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    resp = client.post(hook_url(wf), json={}, headers={"Authorization": "Bearer s3cret", "X-Shop": "1"})
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    headers = {k.lower(): v for k, v in log["payload"]["headers"].items()}
    assert "authorization" not in headers and headers["x-shop"] == "1"


def signed(secret: str, body: bytes) -> dict[str, str]:
    return {"X-AutomateOS-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def test_hmac_signature_accepted_and_refused(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"secret": "shh-its-a-secret"}))
    body = json.dumps({"amount": 3}).encode()
    ok = client.post(hook_url(wf), data=body, headers=signed("shh-its-a-secret", body))
    assert ok.status_code == 202
    assert wait_for_log(app, user, ok.get_json()["log_id"])["result"]["body"] == {"amount": 3}

    assert_error(client.post(hook_url(wf), data=body, content_type="application/json"), 401)
    assert_error(client.post(hook_url(wf), data=body, headers=signed("wrong-secret", body)), 401)
    tampered = json.dumps({"amount": 300}).encode()
    assert_error(client.post(hook_url(wf), data=tampered, headers=signed("shh-its-a-secret", body)), 401)
    assert_error(client.post(hook_url(wf), data=body, headers={"X-AutomateOS-Signature": "md5=abc"}), 401)


def test_respond_when_finished_returns_the_result(client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"respond": "when_finished"}))
    resp = client.post(hook_url(wf), json={"a": 1})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "success" and body["result"]["body"] == {"a": 1}


def test_respond_when_finished_reports_a_failure_without_traceback(client, user):
    wf = user.create_workflow(webhook_flow({"id": "f", "type": "fail", "params": {"message": "nope"}},
                                           hook_params={"respond": "when_finished"}))
    body = client.post(hook_url(wf), json={}).get_json()
    assert body["status"] == "failed" and body["error"] == "nope" and "traceback" not in json.dumps(body).lower()


def test_respond_when_finished_gives_up_after_its_timeout(app, client, user):
    wf = user.create_workflow(webhook_flow({"id": "slow", "type": "delay", "params": {"seconds": 3}},
                                           hook_params={"respond": "when_finished", "respond_timeout_seconds": 1}))
    resp = client.post(hook_url(wf), json={})
    assert resp.status_code == 202 and resp.get_json()["status"] == "running"
    assert wait_for_log(app, user, resp.get_json()["log_id"])["status"] == "success"


def test_body_over_the_limit_is_413(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    big = b"x" * (app.config["WEBHOOK_MAX_BYTES"] + 1)
    assert_error(client.post(hook_url(wf), data=big, content_type="text/plain"), 413)
