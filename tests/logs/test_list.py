"""Listing and counting execution logs: filters, keyset and offset pages, owner isolation."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import event

from automateos.db_types import utcnow
from automateos.extensions import db
from tests.conftest import assert_error
from tests.logs.conftest import LogRow, ids_of

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TIMEOUT = {"message": "Timeout talking to Stripe", "type": "TimeoutError", "node_id": "shape", "traceback": "Traceback ..."}


@pytest.fixture
def history(workflow, add_logs) -> list[LogRow]:
    """A workflow's history: every status and trigger, spread over 40 days, with text to find."""
    return [
        *add_logs(workflow, 2, status="queued", trigger="schedule", age=timedelta(seconds=10)),
        *add_logs(workflow, 2, status="running", trigger="manual", age=timedelta(minutes=1)),
        *add_logs(workflow, 4, status="success", trigger="webhook", age=HOUR, payload={"body": {"order": "ALPHA-7"}}),
        *add_logs(workflow, 3, status="failed", trigger="webhook", age=30 * HOUR, error=TIMEOUT),
        *add_logs(workflow, 3, status="success", trigger="schedule", age=3 * DAY, result={"note": "needle in the result"}),
        *add_logs(workflow, 2, status="failed", trigger="retry", age=10 * DAY,
                  payload={"body": {"order": "alpha-9", "name": "Zoë"}}),
        *add_logs(workflow, 1, status="success", trigger="manual", age=40 * DAY, payload={"text": "50% off_sale"}),
    ]


def newest_first(rows: list[LogRow]) -> list[int]:
    return [r.id for r in sorted(rows, key=lambda r: (r.started_at, r.id), reverse=True)]


def contains(term: str) -> Callable[[LogRow], bool]:
    return lambda r: term.lower() in json.dumps([r.payload, r.result, r.error], ensure_ascii=False).lower()


def iso(delta: timedelta) -> str:
    return (utcnow() - delta).isoformat()


# (query arguments, which rows they select); the times are relative to now.
FILTERS: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[LogRow], bool]]] = {
    "none": (lambda: {}, lambda r: True),
    "one status": (lambda: {"status": "failed"}, lambda r: r.status == "failed"),
    "statuses, comma-separated": (lambda: {"status": "failed,running"}, lambda r: r.status in ("failed", "running")),
    "statuses, repeated": (lambda: {"status": ["queued", "running"]}, lambda r: r.status in ("queued", "running")),
    "trigger": (lambda: {"trigger": "schedule"}, lambda r: r.trigger == "schedule"),
    "triggers": (lambda: {"trigger": "manual,retry"}, lambda r: r.trigger in ("manual", "retry")),
    "since": (lambda: {"since": iso(2 * DAY)}, lambda r: r.started_at >= utcnow() - 2 * DAY),
    "until": (lambda: {"until": iso(DAY)}, lambda r: r.started_at < utcnow() - DAY),
    "since and until": (lambda: {"since": iso(11 * DAY), "until": iso(2 * DAY)},
                        lambda r: utcnow() - 11 * DAY <= r.started_at < utcnow() - 2 * DAY),
    "q in payload, any case": (lambda: {"q": "alpha"}, contains("alpha")),
    "q in result": (lambda: {"q": "NEEDLE"}, contains("needle")),
    "q in error": (lambda: {"q": "stripe"}, contains("stripe")),
    "q with % taken literally": (lambda: {"q": "50% off"}, contains("50% off")),
    "q with _ taken literally": (lambda: {"q": "off_sale"}, contains("off_sale")),
    "q with _ matching nothing": (lambda: {"q": "off_salf"}, lambda r: False),
    "q non-ASCII": (lambda: {"q": "Zoë"}, contains("zoë")),
    "status and trigger": (lambda: {"status": "success", "trigger": "webhook"},
                           lambda r: r.status == "success" and r.trigger == "webhook"),
    "q, status, trigger, since": (lambda: {"q": "alpha", "status": "failed", "trigger": "retry", "since": iso(30 * DAY)},
                                  lambda r: contains("alpha")(r) and r.status == "failed" and r.trigger == "retry"),
    "status, since, until, q": (lambda: {"status": "success,failed", "since": iso(5 * DAY), "until": iso(HOUR / 2), "q": "ALPHA-"},
                                lambda r: r.status in ("success", "failed") and contains("alpha-")(r)
                                and utcnow() - 5 * DAY <= r.started_at < utcnow() - HOUR / 2),
}


@pytest.mark.parametrize("scope", ["workflow", "owner"])
@pytest.mark.parametrize("name", FILTERS)
def test_filters_select_exactly_the_matching_runs_and_count_agrees(user, workflow, history, name, scope):
    args, selects = FILTERS[name]
    query = args()
    expected = newest_first([r for r in history if selects(r)])
    if scope == "workflow":
        list_url, count_url = f"/api/workflows/{workflow['id']}/logs", f"/api/workflows/{workflow['id']}/logs/count"
    else:
        list_url, count_url = "/api/logs", "/api/logs/count"
        query = {**query, "workflow_id": workflow["id"]}

    page = user.get(list_url, query_string={**query, "limit": 200})
    count = user.get(count_url, query_string=query)

    assert page.status_code == 200, page.get_json()
    assert ids_of(page.get_json()) == expected
    assert page.get_json()["next_cursor"] is None
    assert count.get_json() == {"count": len(expected)}


def test_a_run_in_the_list_is_a_summary_without_bodies(app, user, workflow, add_logs):
    add_logs(workflow, 3, status="failed", payload={"body": "x" * 50_000}, result={"big": "y" * 50_000}, error=TIMEOUT)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = user.get(f"/api/workflows/{workflow['id']}/logs").get_json()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    item = page["items"][0]
    assert set(item) == {"id", "workflow_id", "status", "trigger", "workflow_version", "retry_of",
                         "started_at", "finished_at", "duration_ms"}
    assert item["duration_ms"] == 250
    log_queries = [s for s in statements if "execution_logs" in s]
    assert log_queries and not any(body in s for s in log_queries
                                   for body in ("execution_logs.payload", "execution_logs.result",
                                                "execution_logs.definition", "execution_logs.error"))


def test_one_run_has_bodies_error_and_steps(user, workflow, add_logs):
    [row] = add_logs(workflow, status="failed", payload={"body": {"x": 1}}, result=None, error=TIMEOUT)

    log = user.get(f"/api/logs/{row.id}").get_json()

    assert log["payload"] == {"body": {"x": 1}} and log["error"] == TIMEOUT
    assert log["workflow_version"] == 1 and log["retry_of"] is None and log["status"] == "failed"
    assert [s["node_id"] for s in log["steps"]] == ["hook", "shape"]


def test_limit_defaults_to_50(user, workflow, add_logs):
    add_logs(workflow, 55)
    page = user.get(f"/api/workflows/{workflow['id']}/logs").get_json()
    assert len(page["items"]) == 50 and page["limit"] == 50 and page["next_cursor"]


def test_cursor_pages_are_stable_while_new_runs_arrive(client, user, workflow, add_logs):
    given = add_logs(workflow, 20, age=HOUR)
    # Runs that started in the same microsecond are told apart by id.
    given += add_logs(workflow, 5, age=2 * HOUR, spacing=timedelta(0))
    token = workflow["webhook_url"].rsplit("/", 1)[1]

    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        page = user.get(f"/api/workflows/{workflow['id']}/logs",
                        query_string={"limit": 4, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += ids_of(page)
        pages += 1
        # New runs arrive between pages: through the real webhook and as rows.
        assert client.post(f"/api/hooks/{token}", json={"x": pages}).status_code == 202
        add_logs(workflow, 2, age=timedelta(0))
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == newest_first(given)  # no duplicates, no gaps, in order
    assert pages == 7


def test_offset_pages_walk_the_same_order(user, workflow, add_logs):
    given = newest_first(add_logs(workflow, 23, age=HOUR))
    url = f"/api/workflows/{workflow['id']}/logs"

    pages = [user.get(url, query_string={"limit": 10, "offset": offset}).get_json() for offset in (0, 10, 20, 30)]

    assert [ids_of(p) for p in pages] == [given[:10], given[10:20], given[20:], []]
    assert [p["offset"] for p in pages] == [0, 10, 20, 30]
    assert [p["next_cursor"] is None for p in pages] == [False, False, True, True]
    # A page reached by offset hands over to the cursor.
    after = user.get(url, query_string={"limit": 10, "cursor": pages[0]["next_cursor"]}).get_json()
    assert ids_of(after) == given[10:20]


def test_owner_list_covers_all_own_workflows_only(user, other_user, workflow, other_workflow, add_logs):
    second = user.create_workflow(workflow["definition"], name="second")
    mine = add_logs(workflow, 3) + add_logs(second, 2, age=HOUR)
    add_logs(other_workflow, 4)

    page = user.get("/api/logs").get_json()

    assert ids_of(page) == newest_first(mine)
    assert user.get("/api/logs/count").get_json() == {"count": 5}
    assert ids_of(user.get("/api/logs", query_string={"workflow_id": second["id"]}).get_json()) == newest_first(mine[3:])
    assert other_user.get("/api/logs/count").get_json() == {"count": 4}


@pytest.mark.parametrize("query", [
    {"limit": 0}, {"limit": 201}, {"limit": "ten"}, {"offset": -1},
    {"status": "done"}, {"status": "failed,done"}, {"trigger": "cron"},
    {"status": ""}, {"trigger": ""}, {"status": "failed,"},
    {"since": "yesterday"}, {"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
    {"q": "ab"}, {"q": "x" * 201},
    {"cursor": "not-a-cursor"}, {"cursor": "MjAyNC0wMS0wMXx4"},
])
def test_bad_arguments_are_422(user, workflow, query):
    for url in (f"/api/workflows/{workflow['id']}/logs", "/api/logs"):
        assert_error(user.get(url, query_string=query), 422)
    if not {"limit", "offset", "cursor"} & set(query):
        assert_error(user.get(f"/api/workflows/{workflow['id']}/logs/count", query_string=query), 422)


def test_a_workflow_id_that_cannot_exist_is_422(user):
    for workflow_id in (2**31, 2**63):  # workflows.id is a 32-bit integer
        assert_error(user.get("/api/logs", query_string={"workflow_id": workflow_id}), 422)
        assert_error(user.delete("/api/logs/cleanup", query_string={"days": 1, "workflow_id": workflow_id}), 422)


def test_every_history_endpoint_is_documented_with_the_product_schema_names(client):
    spec = client.get("/api/openapi.json").get_json()
    for method, path in (("get", "/api/workflows/{workflow_id}/logs"), ("get", "/api/workflows/{workflow_id}/logs/count"),
                         ("get", "/api/logs"), ("get", "/api/logs/count"), ("get", "/api/logs/{log_id}"),
                         ("post", "/api/logs/{log_id}/retry"), ("delete", "/api/logs/cleanup")):
        assert method in spec["paths"].get(path, {}), f"{method.upper()} {path} is not documented"
    page = spec["components"]["schemas"]["ExecutionLogPage"]["properties"]["items"]["items"]
    assert page["$ref"].endswith("/ExecutionLogSummary")
    assert "ExecutionLogPublic" in spec["components"]["schemas"]


def test_cursor_and_offset_together_are_422(user, workflow, add_logs):
    add_logs(workflow, 3)
    cursor = user.get(f"/api/workflows/{workflow['id']}/logs?limit=1").get_json()["next_cursor"]
    body = assert_error(user.get(f"/api/workflows/{workflow['id']}/logs", query_string={"cursor": cursor, "offset": 1}), 422)
    assert "offset" in json.dumps(body["errors"])


def test_another_users_workflow_or_log_is_404_on_every_endpoint(user, other_user, workflow, add_logs):
    [row] = add_logs(workflow, status="failed", age=40 * DAY)
    wf = workflow["id"]

    for resp in (
        other_user.get(f"/api/workflows/{wf}/logs"),
        other_user.get(f"/api/workflows/{wf}/logs/count"),
        other_user.get("/api/logs", query_string={"workflow_id": wf}),
        other_user.get("/api/logs/count", query_string={"workflow_id": wf}),
        other_user.get(f"/api/logs/{row.id}"),
        other_user.post(f"/api/logs/{row.id}/retry", {"mode": "original"}),
        other_user.delete("/api/logs/cleanup", query_string={"days": 1, "workflow_id": wf}),
        user.get("/api/workflows/999999/logs"),
        user.get("/api/logs/999999"),
    ):
        assert_error(resp, 404)
    assert other_user.get("/api/logs").get_json()["items"] == []
    assert user.get(f"/api/logs/{row.id}").status_code == 200  # still there


def test_endpoints_need_a_token(client, workflow):
    for resp in (client.get("/api/logs"), client.get(f"/api/workflows/{workflow['id']}/logs"),
                 client.delete("/api/logs/cleanup?days=1"), client.post("/api/logs/1/retry", json={})):
        assert_error(resp, 401)
