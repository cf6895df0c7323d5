"""Test events: arm a webhook's test URL, capture one delivery as the trigger's sample
(verified as the real webhook verifies, never run), announce it live, preview with it."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from automateos.db_types import utcnow
from automateos.engine.models import ExecutionLog
from automateos.extensions import db
from automateos.workflows.models import TriggerSample
from tests.conftest import assert_error, webhook_flow
from tests.events.conftest import SSEReader

SHAPE = {"id": "shape", "type": "transform",
         "params": {"fields": {"order": "{{ input.body.id }}", "total": "{{ input.body.amount * 2 }}",
                               "label": "Order {{ trigger.query.src }}", "plain": 3}}}
LATER = {"id": "later", "type": "transform", "params": {"fields": {"who": "{{ input.order }}",
                                                                  "first": "{{ nodes.hook.body.id }}"}}}


def token_of(workflow: dict) -> str:
    return workflow["webhook_url"].rsplit("/", 1)[1]


def hook_test_path(workflow: dict) -> str:
    return f"/api/hooks/{token_of(workflow)}/test"



def runs() -> int:
    return db.session.scalar(select(func.count()).select_from(ExecutionLog))


def sign(secret: str, body: bytes) -> dict[str, str]:
    return {"X-AutomateOS-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def test_arm_answers_the_test_url_and_when_it_stops(user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    resp = user.post(f"/api/workflows/{wf['id']}/test-listen")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["url"] == f"http://localhost/api/hooks/{token_of(wf)}/test"
    assert 4 * 60 < (datetime.fromisoformat(body["expires_at"]) - utcnow()).total_seconds() <= 5 * 60
    sample = user.get(f"/api/workflows/{wf['id']}/sample").get_json()
    assert sample == {"node_id": None, "sample": None, "captured_at": None, "listening_until": body["expires_at"]}


def test_a_delivery_is_captured_not_run_and_disarms_the_url(app, client, user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    assert_error(client.post(hook_test_path(wf), json={"id": 1}), 404)  # not armed yet
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    resp = client.post(hook_test_path(wf) + "?src=shop", json={"id": 7, "amount": 21},
                       headers={"Authorization": "Bearer s3cret"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "captured"
    sample = user.get(f"/api/workflows/{wf['id']}/sample").get_json()
    assert sample["node_id"] == "hook" and sample["listening_until"] is None
    payload = sample["sample"]
    assert payload["body"] == {"id": 7, "amount": 21} and payload["query"] == {"src": "shop"}
    assert payload["method"] == "POST" and payload["headers"]["Authorization"] == "[redacted]"
    # Disarmed after one: the next delivery is refused, and nothing ever ran.
    assert_error(client.post(hook_test_path(wf), json={"id": 8}), 404)
    assert user.get(f"/api/workflows/{wf['id']}/sample").get_json()["sample"]["body"]["id"] == 7
    with app.app_context():
        assert runs() == 0


def test_disarm_and_expiry_close_the_url(app, client, user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    assert user.delete(f"/api/workflows/{wf['id']}/test-listen").status_code == 204
    assert_error(client.post(hook_test_path(wf), json={}), 404)
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    with app.app_context():  # five minutes pass
        db.session.execute(update(TriggerSample).values(listening_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_error(client.post(hook_test_path(wf), json={}), 404)
    assert user.get(f"/api/workflows/{wf['id']}/sample").get_json()["listening_until"] is None


def test_only_the_owner_arms_reads_or_previews(user, other_user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    for method, path in (("post", "test-listen"), ("delete", "test-listen"), ("get", "sample")):
        assert_error(getattr(other_user, method)(f"/api/workflows/{wf['id']}/{path}"), 404)
    assert_error(other_user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "shape"}), 404)
    assert_error(user.client.post(f"/api/workflows/{wf['id']}/test-listen"), 401)


def test_only_a_webhook_workflow_has_a_test_url(user):
    manual = user.create_workflow({"nodes": [{"id": "m", "type": "manual"}], "edges": []})
    assert_error(user.post(f"/api/workflows/{manual['id']}/test-listen"), 409)


def test_the_delivery_is_verified_with_the_webhooks_scheme(client, user):
    wf = user.create_workflow(webhook_flow(SHAPE, hook_params={"secret": "shh"}))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    body = json.dumps({"id": 1}).encode()
    assert_error(client.post(hook_test_path(wf), data=body, headers=sign("wrong", body)), 401)
    assert_error(client.post(hook_test_path(wf), data=body, content_type="application/json"), 401)
    # An unverified delivery leaves the URL armed; the signed one is captured.
    resp = client.post(hook_test_path(wf), data=body, headers=sign("shh", body))
    assert resp.status_code == 200
    sample = user.get(f"/api/workflows/{wf['id']}/sample").get_json()["sample"]
    assert sample["body"] == {"id": 1}
    assert "x-automateos-signature" not in {k.lower() for k in sample["headers"]}


def test_a_github_signed_delivery(client, user):
    verify = {"scheme": "github", "secret": "It's a Secret to Everybody"}
    wf = user.create_workflow(webhook_flow(SHAPE, hook_params={"verify": verify}))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    body = b"Hello, World!"  # GitHub's published example
    good = {"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "Content-Type": "text/plain"}
    assert_error(client.post(hook_test_path(wf), data=b"Hello, World?", headers=good), 401)
    assert client.post(hook_test_path(wf), data=body, headers=good).status_code == 200
    sample = user.get(f"/api/workflows/{wf['id']}/sample").get_json()["sample"]
    assert sample["body"] == "Hello, World!"
    assert "x-hub-signature-256" not in {k.lower() for k in sample["headers"]}


def test_methods_and_size_limits_are_the_webhooks(app, client, user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    resp = client.put(hook_test_path(wf), json={})
    assert_error(resp, 405)
    assert resp.headers["Allow"] == "POST"
    limit = app.config["WEBHOOK_MAX_BYTES"]
    assert_error(client.post(hook_test_path(wf), data=b"x" * (limit + 1), content_type="text/plain"), 413)
    assert_error(client.post(hook_test_path(wf), data="{nope", content_type="application/json"), 400)
    assert client.post(hook_test_path(wf), json={"ok": True}).status_code == 200  # still armed after refusals


def test_a_get_delivery_when_the_webhook_allows_it(client, user):
    wf = user.create_workflow(webhook_flow(SHAPE, hook_params={"methods": ["GET", "POST"]}))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    assert client.get(hook_test_path(wf) + "?a=1").status_code == 200
    sample = user.get(f"/api/workflows/{wf['id']}/sample").get_json()["sample"]
    assert sample["method"] == "GET" and sample["query"] == {"a": "1"}


def test_concurrent_deliveries_capture_one(app, user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    codes: list[int] = []

    def deliver(n: int) -> None:
        with app.test_client() as c:
            codes.append(c.post(hook_test_path(wf), json={"n": n}).status_code)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [404] * 7


def test_the_capture_is_announced_on_the_owners_stream(client, user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    resp = client.get("/api/events", query_string={"workflow_id": wf["id"]}, headers=user.headers, buffered=False)
    reader = SSEReader(iter(resp.response), resp.close)
    try:
        reader.ready()
        client.post(hook_test_path(wf), json={"id": 5})
        event = reader.until(lambda m: m.type == "workflow.test_event", timeout=20)[-1]
    finally:
        reader.close()
    assert event.data["workflow_id"] == wf["id"] and event.data["node_id"] == "hook"
    assert event.data["method"] == "POST" and "body" not in json.dumps(event.data)


def test_preview_evaluates_each_param_against_the_sample(client, user):
    wf = user.create_workflow(webhook_flow(SHAPE, LATER))
    assert_error(user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "shape"}), 409)  # no sample yet
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    client.post(hook_test_path(wf) + "?src=web", json={"id": 7, "amount": 21})
    resp = user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "shape"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["params"] == {"fields": {"order": 7, "total": 42, "label": "Order web", "plain": 3}}
    assert body["errors"] == {} and body["input_known"] is True
    # Unsaved params from the editor; a failing expression is reported at its param only.
    edited = {"fields": {"bad": "{{ input.body.id / 0 }}", "ok": "{{ input.method }}", "syntax": "{{ ) }}"}}
    body = user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "shape", "params": edited}).get_json()
    assert body["params"]["fields"]["ok"] == "POST" and body["params"]["fields"]["bad"] is None
    assert set(body["errors"]) == {"fields.bad", "fields.syntax"}
    assert "ZeroDivisionError" in body["errors"]["fields.bad"]
    # Past the trigger's successors the input is unknown; trigger and nodes still are.
    later = user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "later"}).get_json()
    assert later["params"]["fields"] == {"who": None, "first": 7} and later["input_known"] is False


def test_preview_of_an_unknown_node_is_422(user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    assert_error(user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "nope"}), 422)
    assert_error(user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "shape", "params": [1]}), 422)


@pytest.mark.parametrize("expression", ["{{ ''.__class__ }}", "{{ 'x' * 100000000 }}", "{{ input.body.id() }}"])
def test_preview_never_fails_the_request(client, user, expression):
    wf = user.create_workflow(webhook_flow(SHAPE))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    client.post(hook_test_path(wf), json={"id": 1})
    resp = user.post(f"/api/workflows/{wf['id']}/preview", {"node_id": "shape", "params": {"x": expression}})
    assert resp.status_code == 200
    assert resp.get_json()["params"]["x"] is None and resp.get_json()["errors"]["x"]


def test_deleting_the_workflow_deletes_its_sample(app, client, user):
    wf = user.create_workflow(webhook_flow(SHAPE))
    user.post(f"/api/workflows/{wf['id']}/test-listen")
    client.post(hook_test_path(wf), json={"id": 1})
    assert user.delete(f"/api/workflows/{wf['id']}").status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TriggerSample)) == 0
