"""``respond: using_node``: a respond node answers the webhook's caller while the run goes
on; Slack's url_verification challenge answered with no code."""
from __future__ import annotations

import json
import time

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from automateos.engine.models import FINISHED_EXECUTION, ExecutionLog
from automateos.extensions import db
from tests.conftest import assert_error, wait_for_log, webhook_flow

USING_NODE = {"respond": "using_node"}
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def hook_url(workflow: dict) -> str:
    return "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]


def respond(node_id: str = "answer", **params) -> dict:
    return {"id": node_id, "type": "respond", "params": params}


def status_now(app, log_id: int) -> str:
    with app.app_context():
        status = db.session.scalar(select(ExecutionLog.status).where(ExecutionLog.id == log_id))
        db.session.remove()
        return status


def log_id_of(app, workflow_id: int) -> int:
    with app.app_context():
        log_id = db.session.scalar(select(ExecutionLog.id).where(ExecutionLog.workflow_id == workflow_id))
        db.session.remove()
        return log_id


def test_status_headers_and_body_come_from_expressions(app, client, user):
    wf = user.create_workflow(webhook_flow(respond(
        status="{{ input.body.code }}",
        headers={"X-Order": "{{ input.body.id }}", "Cache-Control": "no-store"},
        body={"ok": True, "order": "{{ input.body.id }}", "items": "{{ input.body.lines | length }}"},
    ), hook_params=USING_NODE))
    resp = client.post(hook_url(wf), json={"code": 201, "id": "A-17", "lines": [1, 2, 3]})
    assert resp.status_code == 201
    assert resp.headers["X-Order"] == "A-17" and resp.headers["Cache-Control"] == "no-store"
    assert resp.mimetype == "application/json" and resp.get_json() == {"ok": True, "order": "A-17", "items": 3}
    # The answer comes from our origin: the API's security headers stay on it.
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]


def test_a_text_body_is_text_unless_the_node_says_otherwise(app, client, user):
    text = user.create_workflow(webhook_flow(respond(body="hello {{ input.body.name }}"), hook_params=USING_NODE))
    resp = client.post(hook_url(text), json={"name": "Ada"})
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "hello Ada"
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    xml = user.create_workflow(webhook_flow(respond(body="<ok/>", headers={"Content-Type": "application/xml"}),
                                            hook_params=USING_NODE))
    resp = client.post(hook_url(xml), json={})
    assert resp.headers["Content-Type"] == "application/xml" and resp.get_data() == b"<ok/>"
    empty = user.create_workflow(webhook_flow(respond(status=204), hook_params=USING_NODE))
    resp = client.post(hook_url(empty), json={})
    assert resp.status_code == 204 and resp.get_data() == b""


def test_the_run_goes_on_after_the_answer(app, client, user):
    wf = user.create_workflow(webhook_flow(
        respond(body={"accepted": "{{ input.body.n }}"}),
        {"id": "wait", "type": "delay", "params": {"seconds": 2}},
        {"id": "after", "type": "transform", "params": {"fields": {"n": "{{ trigger.body.n }}", "answered": "{{ nodes.answer.status }}"}}},
        hook_params={**USING_NODE, "respond_timeout_seconds": 30},
    ))
    resp = client.post(hook_url(wf), json={"n": 5})
    assert resp.status_code == 200 and resp.get_json() == {"accepted": 5}
    log_id = log_id_of(app, wf["id"])
    assert status_now(app, log_id) not in FINISHED_EXECUTION  # answered, still going
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "success" and log["result"] == {"n": 5, "answered": 200}
    answer = next(step for step in log["steps"] if step["node_id"] == "answer")
    assert answer["output"] == {"status": 200, "headers": {}, "body": {"accepted": 5}}


def test_a_run_that_never_reaches_a_respond_node_answers_the_default(app, client, user):
    stop = {"id": "only_big", "type": "filter", "params": {"conditions": [{"left": "{{ input.body.n }}", "op": "gt", "right": 10}]}}
    wf = user.create_workflow(webhook_flow(stop, respond(status=201), hook_params=USING_NODE))
    small = client.post(hook_url(wf), json={"n": 1})
    assert small.status_code == 200 and small.get_json()["status"] == "success"
    assert client.post(hook_url(wf), json={"n": 11}).status_code == 201


def test_a_failed_run_answers_its_error(app, client, user):
    wf = user.create_workflow(webhook_flow({"id": "boom", "type": "fail", "params": {"message": "nope"}},
                                           respond(), hook_params=USING_NODE))
    body = client.post(hook_url(wf), json={}).get_json()
    assert body["status"] == "failed" and body["error"] == "nope" and "traceback" not in json.dumps(body).lower()


def test_a_respond_node_not_reached_in_time_answers_202_running(app, client, user):
    wf = user.create_workflow(webhook_flow({"id": "slow", "type": "delay", "params": {"seconds": 3}}, respond(),
                                           hook_params={**USING_NODE, "respond_timeout_seconds": 1}))
    resp = client.post(hook_url(wf), json={})
    assert resp.status_code == 202 and resp.get_json()["status"] == "running"
    assert wait_for_log(app, user, resp.get_json()["log_id"])["status"] == "success"


def test_a_bad_answer_fails_the_respond_step_and_the_caller_gets_the_default(app, client, user):
    wf = user.create_workflow(webhook_flow(respond(headers={"X-Note": "{{ input.body.note }}"}), hook_params=USING_NODE))
    resp = client.post(hook_url(wf), json={"note": "a\r\nSet-Cookie: session=stolen"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "failed"
    assert "Set-Cookie" not in resp.headers


def test_a_retried_delivery_gets_the_first_answer(app, client, user):
    wf = user.create_workflow(webhook_flow(respond(status=202, body={"n": "{{ input.body.n }}"}), hook_params=USING_NODE))
    first = client.post(hook_url(wf), json={"n": 1}, headers={"Idempotency-Key": "once"})
    again = client.post(hook_url(wf), json={"n": 2}, headers={"Idempotency-Key": "once"})
    assert first.status_code == again.status_code == 202
    assert first.get_json() == again.get_json() == {"n": 1}
    assert again.headers["Idempotent-Replayed"] == "true"


def test_in_a_manual_run_it_only_records_its_answer(app, user):
    wf = user.create_workflow({"nodes": [{"id": "m", "type": "manual"}, respond(status=418, body="{{ input.x }}")],
                               "edges": [{"source": "m", "target": "answer"}]})
    log = user.post(f"/api/workflows/{wf['id']}/run", {"payload": {"x": "tea"}}).get_json()
    assert wait_for_log(app, user, log["id"])["result"] == {"status": 418, "headers": {}, "body": "tea"}


# --- Slack: the url_verification challenge, with no code -------------------------------

SLACK_FLOW = {
    "nodes": [
        {"id": "hook", "type": "webhook", "params": {"verify": {"scheme": "slack", "secret": SLACK_SECRET},
                                                    "respond": "using_node"}},
        {"id": "is_challenge", "type": "if", "params": {"conditions": [
            {"left": "{{ input.body.type }}", "op": "eq", "right": "url_verification"}]}},
        {"id": "challenge", "type": "respond", "params": {"status": 200, "body": {"challenge": "{{ trigger.body.challenge }}"}}},
        {"id": "ack", "type": "respond", "params": {"status": 200}},
        {"id": "handle", "type": "transform", "params": {"fields": {
            "event": "{{ trigger.body.event.type }}", "text": "{{ trigger.body.event.text }}"}}},
    ],
    "edges": [
        {"source": "hook", "target": "is_challenge"},
        {"source": "is_challenge", "target": "challenge", "output": "true"},
        {"source": "is_challenge", "target": "ack", "output": "false"},
        {"source": "ack", "target": "handle"},
    ],
}


def slack_post(client, url: str, payload: dict, at: int | None = None, **headers: str):
    """POST ``payload`` the way Slack does: JSON, signed with slack_sdk's own signer."""
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()) if at is None else at)
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=stamp, body=body)
    return client.post(url, data=body, headers={"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                                                "X-Slack-Signature": signature, **headers})


def test_slack_url_verification_is_answered_by_a_respond_node(app, client, user):
    wf = user.create_workflow(SLACK_FLOW)
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    resp = slack_post(client, hook_url(wf), {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge,
                                             "type": "url_verification"})
    assert resp.status_code == 200 and resp.get_json() == {"challenge": challenge}
    # A forged or replayed challenge is refused.
    assert_error(slack_post(client, hook_url(wf), {"challenge": "x", "type": "url_verification"},
                            at=int(time.time()) - 600), 401)


def test_slack_events_are_acknowledged_then_handled_once(app, client, user):
    wf = user.create_workflow(SLACK_FLOW)
    event = {"type": "event_callback", "event_id": "Ev08MFMKH6", "team_id": "T1",
             "event": {"type": "app_mention", "text": "hi there"}}
    resp = slack_post(client, hook_url(wf), event)
    assert resp.status_code == 200 and resp.get_data() == b""
    retry = slack_post(client, hook_url(wf), event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    log = wait_for_log(app, user, log_id_of(app, wf["id"]))
    assert log["result"] == {"event": "app_mention", "text": "hi there"}
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ExecutionLog)) == 1
        db.session.remove()
