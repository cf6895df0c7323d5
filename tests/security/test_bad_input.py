"""Bad input is a 4xx in the error shape, never a 5xx (issue 7, "5xx from bad input").

Every case here was a 500 on PostgreSQL, on SQLite, or on both: ids past their column,
numbers and dates past what Python or SQL can hold, NUL characters, NaN / Infinity /
1e400, JSON nested a thousand deep. Each case also checks that nothing was started.
"""
from __future__ import annotations

import base64
import json

import pytest

from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from tests.conftest import assert_error, wait_for_log, webhook_flow

INT_MAX = 2**31 - 1
BIG_IDS = [INT_MAX + 1, 2**53 + 1, 2**63 - 1]
ECHO = {"id": "echo", "type": "transform", "params": {"fields": {"body": "{{ input.body }}"}}}
MANUAL = {"nodes": [{"id": "m", "type": "manual"}], "edges": []}
DEEP = "[" * 1000 + "]" * 1000
OBJECT_DEEP = '{"a":' * 1000 + "1" + "}" * 1000
NOT_NUMBERS = ['{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}', '{"x": 1e400}', '{"x": ' + "9" * 5000 + "}"]
NUL_JSON = ['{"x": "a\\u0000b"}', '{"a\\u0000": 1}', '["\\ud800"]']


def runs(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(ExecutionLog))
        db.session.remove()
        return count


def hook_url(workflow) -> str:
    return "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]


@pytest.fixture
def hook(user):
    return hook_url(user.create_workflow(webhook_flow(ECHO)))


@pytest.fixture
def finished_log(app, user):
    """A finished manual run of one of the user's workflows."""
    wf = user.create_workflow(MANUAL)
    log = user.post(f"/api/workflows/{wf['id']}/run", {"payload": {"a": 1}}).get_json()
    return wait_for_log(app, user, log["id"])


def send_json(user, method: str, url: str, text: str):
    return getattr(user.client, method)(url, data=text, content_type="application/json", headers=user.headers)


# --- ids past their column ------------------------------------------------------------

@pytest.mark.parametrize("big", BIG_IDS)
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/workflows/{}"), ("delete", "/api/workflows/{}"), ("post", "/api/workflows/{}/run"),
    ("get", "/api/workflows/{}/logs"), ("get", "/api/workflows/{}/logs/count"),
])
def test_workflow_ids_past_the_column_are_404(user, big, method, path):
    assert_error(getattr(user, method)(path.format(big)), 404)


@pytest.mark.parametrize("big", BIG_IDS)
def test_put_and_patch_of_workflow_ids_past_the_column_are_404(user, big):
    body = {"name": "x", "definition": MANUAL}
    assert_error(user.put(f"/api/workflows/{big}", body), 404)
    assert_error(user.patch(f"/api/workflows/{big}", {"name": "y"}), 404)


@pytest.mark.parametrize("big", BIG_IDS)
def test_log_ids_past_any_run_are_404(user, big):
    assert_error(user.get(f"/api/logs/{big}"), 404)
    assert_error(user.post(f"/api/logs/{big}/retry", {}), 404)


@pytest.mark.parametrize("big", [*BIG_IDS, 2**63, 10**30])
@pytest.mark.parametrize("url", [
    "/api/logs?workflow_id={}", "/api/logs/count?workflow_id={}", "/api/events?workflow_id={}",
])
def test_workflow_id_filters_past_the_column_are_422(user, big, url):
    body = assert_error(user.get(url.format(big)), 422)
    assert "workflow_id" in json.dumps(body["errors"])


@pytest.mark.parametrize("big", [*BIG_IDS, 2**63])
def test_cleanup_of_a_workflow_id_past_the_column_is_422_and_deletes_nothing(app, user, finished_log, big):
    assert_error(user.delete(f"/api/logs/cleanup?days=1&workflow_id={big}"), 422)
    assert runs(app) == 1


def test_event_stream_of_a_log_id_past_bigint_is_422(user):
    assert_error(user.get(f"/api/events?log_id={2**63}"), 422)


# --- numbers and dates past what can be expressed -------------------------------------

@pytest.mark.parametrize("url", [
    "/api/logs?offset=9223372036854775808", "/api/workflows?offset=9223372036854775808",
    "/api/workflows/1/logs?offset=9223372036854775808", "/api/logs?offset=" + "9" * 40,
])
def test_offsets_past_bigint_are_422(user, url):
    body = assert_error(user.get(url), 422)
    assert "offset" in json.dumps(body["errors"])


@pytest.mark.parametrize("days", [100000000000, 10**6, 2**63])
def test_cleanup_days_past_any_date_is_422_and_deletes_nothing(app, user, finished_log, days):
    body = assert_error(user.delete(f"/api/logs/cleanup?days={days}"), 422)
    assert "days" in json.dumps(body["errors"]) and runs(app) == 1


def test_cleanup_of_a_century_is_accepted(user, finished_log):
    resp = user.delete("/api/logs/cleanup?days=36500&dry_run=true")
    assert resp.status_code == 200 and resp.get_json()["matched"] == 0


@pytest.mark.parametrize("query", [
    "since=0001-01-01T00:00:00%2B14:00", "until=9999-12-31T23:59:59-14:00",
    "since=0001-01-01T00:00:00%2B00:01", "until=9999-12-31T23:59:59.999999-00:01",
])
@pytest.mark.parametrize("url", ["/api/logs", "/api/logs/count", "/api/workflows/1/logs/count"])
def test_times_without_a_utc_equivalent_are_422(user, url, query):
    user.create_workflow(MANUAL)
    body = assert_error(user.get(f"{url}?{query}"), 422)
    assert query.split("=")[0] in json.dumps(body["errors"])


def test_times_at_the_edges_of_the_calendar_still_filter(user, finished_log):
    resp = user.get("/api/logs?since=0001-01-01T00:00:00-14:00&until=9999-12-31T23:59:59%2B14:00")
    assert resp.status_code == 200 and [i["id"] for i in resp.get_json()["items"]] == [finished_log["id"]]


def test_a_cursor_without_a_utc_equivalent_is_422(user):
    cursor = base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|1").decode().rstrip("=")
    body = assert_error(user.get(f"/api/logs?cursor={cursor}"), 422)
    assert "cursor" in json.dumps(body["errors"])


# --- NUL characters ---------------------------------------------------------------------

@pytest.mark.parametrize("text", NUL_JSON)
def test_nul_or_lone_surrogate_in_a_webhook_json_body_is_400(app, client, hook, text):
    assert_error(client.post(hook, data=text, content_type="application/json"), 400)
    assert runs(app) == 0


@pytest.mark.parametrize(("data", "content_type"), [
    (b"a\x00b", "text/plain"), (b"a=%00", "application/x-www-form-urlencoded"),
    (b"%00=1", "application/x-www-form-urlencoded"),
])
def test_nul_in_a_webhook_text_or_form_body_is_400(app, client, hook, data, content_type):
    assert_error(client.post(hook, data=data, content_type=content_type), 400)
    assert runs(app) == 0


def test_nul_in_a_webhook_query_string_is_400(app, client, hook):
    assert_error(client.post(hook + "?a=%00", json={}), 400)
    assert_error(client.post(hook + "?%00=1", json={}), 400)
    assert runs(app) == 0


def test_nul_in_a_webhook_token_is_404(client):
    assert_error(client.post("/api/hooks/abc%00def", json={}), 404)


@pytest.mark.parametrize("q", ["%00ab", "ab%00", "a%00%00b"])
@pytest.mark.parametrize("url", ["/api/logs", "/api/logs/count"])
def test_nul_in_the_search_text_is_422(user, url, q):
    body = assert_error(user.get(f"{url}?q={q}"), 422)
    assert "q" in body["errors"]["query"]


def test_nul_in_a_workflow_name_description_or_definition_is_400(app, user):
    for body in ('{"name": "a\\u0000", "definition": {"nodes": [{"id": "m", "type": "manual"}], "edges": []}}',
                 '{"name": "a", "description": "\\u0000", "definition": {"nodes": [{"id": "m", "type": "manual"}], "edges": []}}',
                 '{"name": "a", "definition": {"nodes": [{"id": "m\\u0000", "type": "manual"}], "edges": []}}'):
        assert_error(send_json(user, "post", "/api/workflows", body), 400)
    assert user.get("/api/workflows").get_json()["total"] == 0


def test_nul_in_a_run_or_retry_payload_is_400(app, user, finished_log):
    wf = user.create_workflow(MANUAL)
    assert_error(send_json(user, "post", f"/api/workflows/{wf['id']}/run", '{"payload": "\\u0000"}'), 400)
    assert_error(send_json(user, "post", f"/api/logs/{finished_log['id']}/retry", '{"payload": {"a\\u0000": 1}}'), 400)
    assert runs(app) == 1


@pytest.mark.parametrize("url", ["/api/auth/login", "/api/auth/register"])
def test_nul_in_an_email_is_400(client, url):
    body = '{"email": "a\\u0000@example.com", "password": "correct horse battery"}'
    assert_error(client.post(url, data=body, content_type="application/json"), 400)


# --- NaN, Infinity, numbers out of range -------------------------------------------------

@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_a_number_in_a_webhook_body_is_400(app, client, hook, text):
    assert_error(client.post(hook, data=text, content_type="application/json"), 400)
    assert runs(app) == 0


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_a_number_in_a_run_retry_or_workflow_is_400(app, user, finished_log, text):
    wf = user.create_workflow(MANUAL)
    payload = '{"payload": ' + text + "}"
    assert_error(send_json(user, "post", f"/api/workflows/{wf['id']}/run", payload), 400)
    assert_error(send_json(user, "post", f"/api/logs/{finished_log['id']}/retry", payload), 400)
    workflow = '{"name": "n", "definition": {"nodes": [{"id": "m", "type": "manual", "params": ' + text + '}], "edges": []}}'
    assert_error(send_json(user, "post", "/api/workflows", workflow), 400)
    assert runs(app) == 1


# --- JSON nested a thousand deep ----------------------------------------------------------

@pytest.mark.parametrize("text", [DEEP, OBJECT_DEEP])
def test_deep_json_is_400_on_every_body(app, client, user, hook, finished_log, text):
    wf = user.create_workflow(MANUAL)
    assert_error(client.post(hook, data=text, content_type="application/json"), 400)
    assert_error(send_json(user, "post", f"/api/workflows/{wf['id']}/run", '{"payload": ' + text + "}"), 400)
    assert_error(send_json(user, "post", f"/api/logs/{finished_log['id']}/retry", '{"payload": ' + text + "}"), 400)
    assert_error(send_json(user, "post", "/api/workflows", '{"name": "n", "definition": ' + text + "}"), 400)
    assert_error(send_json(user, "put", f"/api/workflows/{wf['id']}", '{"name": "n", "definition": ' + text + "}"), 400)
    assert_error(client.post("/api/auth/login", data='{"email": ' + text + ', "password": "x"}',
                             content_type="application/json"), 400)
    assert runs(app) == 1


def test_json_as_deep_as_allowed_is_taken_in_and_run(app, client, user):
    hook = hook_url(user.create_workflow(webhook_flow(ECHO)))
    limit = app.config["JSON_MAX_DEPTH"]
    resp = client.post(hook, data="[" * limit + "1" + "]" * limit, content_type="application/json")
    assert resp.status_code == 202, resp.get_json()
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["payload"]["body"] == json.loads("[" * limit + "1" + "]" * limit)
