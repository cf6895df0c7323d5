"""The dashboard's numbers: runs by status per hour/day, and a summary per workflow.

Given logs written with chosen times and statuses, when the caller asks for the stats,
then the counts are exactly those logs', in the caller's buckets, and only the caller's.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ApiUser, assert_error, drain
from tests.logs.conftest import FLOW, LogRow

T0 = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)  # a Tuesday, midnight UTC


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def series(user: ApiUser, **query: Any) -> dict[str, Any]:
    resp = user.get("/api/stats/executions", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def by_start(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {b["start"]: {k: v for k, v in b.items() if k != "start"} for b in body["buckets"]}


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_hourly_counts_by_status_with_every_bucket_present(user: ApiUser, workflow, add_logs) -> None:
    add_logs(workflow, 3, status="success", started_at=T0 + timedelta(hours=1, minutes=30))
    add_logs(workflow, 2, status="failed", started_at=T0 + timedelta(hours=1, minutes=59))
    add_logs(workflow, 1, status="running", started_at=T0 + timedelta(hours=3))
    add_logs(workflow, 1, status="success", started_at=T0 + timedelta(hours=5))  # outside [since, until)
    body = series(user, since=iso(T0), until=iso(T0 + timedelta(hours=5)), bucket="hour")

    assert body["bucket"] == "hour"
    starts = [parse(b["start"]) for b in body["buckets"]]
    assert starts == [T0 + timedelta(hours=h) for h in range(5)]
    counts = list(by_start(body).values())
    zero = {"queued": 0, "running": 0, "success": 0, "failed": 0, "total": 0}
    assert counts[0] == zero and counts[2] == zero and counts[4] == zero
    assert counts[1] == {**zero, "success": 3, "failed": 2, "total": 5}
    assert counts[3] == {**zero, "running": 1, "total": 1}
    assert body["totals"] == {**zero, "success": 3, "failed": 2, "running": 1, "total": 6}


def test_daily_buckets_follow_the_callers_utc_offset(user: ApiUser, workflow, add_logs) -> None:
    # 23:30 UTC on the 10th is already the 11th at UTC+2.
    add_logs(workflow, 1, status="success", started_at=T0 + timedelta(hours=23, minutes=30))
    add_logs(workflow, 1, status="failed", started_at=T0 + timedelta(hours=12))
    window = {"since": iso(T0 - timedelta(days=1)), "until": iso(T0 + timedelta(days=2)), "bucket": "day"}

    utc = by_start(series(user, **window))
    assert utc["2026-03-10T00:00:00+00:00"]["success"] == 1
    assert utc["2026-03-10T00:00:00+00:00"]["failed"] == 1

    plus_two = series(user, **window, utc_offset_minutes=120)
    days = by_start(plus_two)
    # Buckets start at local midnight: 22:00 UTC the day before.
    assert all(parse(start).hour == 22 for start in days)
    assert days["2026-03-09T22:00:00+00:00"]["failed"] == 1
    assert days["2026-03-10T22:00:00+00:00"]["success"] == 1
    assert plus_two["totals"]["total"] == 2


def test_default_window_is_the_last_seven_days(user: ApiUser, workflow, add_logs) -> None:
    add_logs(workflow, 2, status="success", age=timedelta(hours=2))
    add_logs(workflow, 1, status="failed", age=timedelta(days=3))
    add_logs(workflow, 1, status="failed", age=timedelta(days=9))  # too old
    body = series(user)
    assert body["bucket"] == "hour"
    assert len(body["buckets"]) in (168, 169)
    assert parse(body["until"]) - parse(body["since"]) >= timedelta(days=7)
    assert body["totals"]["success"] == 2 and body["totals"]["failed"] == 1
    day = series(user, bucket="day")
    assert len(day["buckets"]) in (7, 8) and day["totals"]["total"] == 3


def test_one_workflow_and_only_the_callers_runs(user: ApiUser, other_user: ApiUser, workflow, other_workflow,
                                                add_logs) -> None:
    second = user.create_workflow(FLOW, name="Second")
    add_logs(workflow, 2, age=timedelta(hours=1))
    add_logs(second, 3, status="failed", age=timedelta(hours=1))
    add_logs(other_workflow, 5, age=timedelta(hours=1))

    assert series(user)["totals"]["total"] == 5
    assert series(user, workflow_id=second["id"])["totals"] == {
        "queued": 0, "running": 0, "success": 0, "failed": 3, "total": 3}
    assert series(other_user)["totals"]["total"] == 5
    assert_error(other_user.get("/api/stats/executions", query_string={"workflow_id": workflow["id"]}), 404)


@pytest.mark.parametrize("query", [
    {"bucket": "week"},
    {"since": "2026-03-10T00:00:00Z", "until": "2026-03-09T00:00:00Z"},
    {"since": "yesterday"},
    {"utc_offset_minutes": 10_000},
    {"since": "2020-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z", "bucket": "hour"},  # too many buckets
    {"workflow_id": 0},
])
def test_bad_queries_are_422_in_the_error_shape(user: ApiUser, query: dict[str, Any]) -> None:
    body = assert_error(user.get("/api/stats/executions", query_string=query), 422)
    assert body["errors"]


def test_stats_need_a_login(client) -> None:
    assert_error(client.get("/api/stats/executions"), 401)
    assert_error(client.get("/api/stats/workflows"), 401)


def stats(user: ApiUser, **query: Any) -> dict[int, dict[str, Any]]:
    resp = user.get("/api/stats/workflows", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return {item["workflow_id"]: item for item in resp.get_json()}


def test_workflow_cards_last_run_and_recent_success_rate(user: ApiUser, workflow, add_logs) -> None:
    idle = user.create_workflow(FLOW, name="Never ran")
    old: list[LogRow] = add_logs(workflow, 10, status="failed", age=timedelta(hours=3))
    add_logs(workflow, 3, status="success", age=timedelta(hours=2))
    add_logs(workflow, 1, status="failed", age=timedelta(hours=1, minutes=30))
    newest = add_logs(workflow, 1, status="running", trigger="manual", age=timedelta(hours=1))[0]

    cards = stats(user, recent=5)
    assert set(cards) == {workflow["id"], idle["id"]}
    card = cards[workflow["id"]]
    assert card["last_run"]["id"] == newest.id
    assert card["last_run"]["status"] == "running" and card["last_run"]["trigger"] == "manual"
    assert parse(card["last_run"]["started_at"]) == newest.started_at
    assert card["last_run"]["finished_at"] is None
    # The newest 5: running, failed, 3 x success. The rate counts finished runs only.
    assert card["recent"] == {"runs": 5, "queued": 0, "running": 1, "success": 3, "failed": 1}
    assert card["success_rate"] == pytest.approx(3 / 4)

    assert cards[idle["id"]] == {"workflow_id": idle["id"], "last_run": None, "success_rate": None,
                                 "recent": {"runs": 0, "queued": 0, "running": 0, "success": 0, "failed": 0}}

    # Default window: STATS_RECENT_RUNS (20) covers all 15 runs here.
    everything = stats(user)[workflow["id"]]
    assert everything["recent"]["runs"] == 15 and everything["recent"]["failed"] == len(old) + 1
    assert everything["success_rate"] == pytest.approx(3 / 14)


def test_workflow_cards_are_owner_only(user: ApiUser, other_user: ApiUser, workflow, other_workflow,
                                       add_logs) -> None:
    add_logs(other_workflow, 4)
    assert stats(user)[workflow["id"]]["last_run"] is None
    assert other_workflow["id"] not in stats(user)
    assert set(stats(user, workflow_id=workflow["id"])) == {workflow["id"]}
    assert_error(user.get("/api/stats/workflows", query_string={"workflow_id": other_workflow["id"]}), 404)
    assert_error(user.get("/api/stats/workflows", query_string={"recent": 0}), 422)
    assert stats(other_user)[other_workflow["id"]]["recent"]["runs"] == 4


def test_cards_follow_a_real_run(user: ApiUser, client, workflow) -> None:
    resp = client.post(urlsplit(workflow["webhook_url"]).path, json={"x": 1})
    assert resp.status_code == 202, resp.get_json()
    drain()
    card = stats(user)[workflow["id"]]
    assert card["last_run"]["id"] == resp.get_json()["log_id"]
    assert card["last_run"]["status"] == "success" and card["success_rate"] == 1.0
    assert series(user)["totals"]["success"] == 1


def test_stats_are_in_the_openapi_spec(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert {"/api/stats/executions", "/api/stats/workflows"} <= set(spec["paths"])
    assert {"ExecutionStats", "WorkflowStats"} <= set(spec["components"]["schemas"])


def test_a_window_before_year_one_is_422(user) -> None:
    """An ``until`` so early that the 7-day window would start before year 1 is refused."""
    resp = user.get("/api/stats/executions?bucket=day&until=0001-01-05T01:00:02Z")
    assert_error(resp, 422)
