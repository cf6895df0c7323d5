"""Cleaning up old runs through the API (the caller's) and the ``flask logs`` CLI (everyone's)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from automateos.db_types import utcnow
from tests.conftest import assert_error
from tests.logs.conftest import LogRow

OLD, RECENT = timedelta(days=40), timedelta(days=1)


@dataclass
class History:
    """Old and recent runs of two workflows of ``user`` (a, b) and one of ``other_user``."""

    a: dict
    b: dict
    other: dict
    a_old_success: list[LogRow]
    a_old_failed: list[LogRow]
    a_unfinished: list[LogRow]
    a_recent: list[LogRow]
    b_old_failed: list[LogRow]
    b_recent: list[LogRow]
    other_old: list[LogRow]

    def ids(self, *groups: list[LogRow]) -> set[int]:
        return {row.id for group in groups for row in group}

    @property
    def everything(self) -> set[int]:
        return self.ids(self.a_old_success, self.a_old_failed, self.a_unfinished, self.a_recent,
                        self.b_old_failed, self.b_recent, self.other_old)


@pytest.fixture
def history(user, workflow, other_workflow, add_logs) -> History:
    b = user.create_workflow(workflow["definition"], name="Invoices")
    return History(
        a=workflow, b=b, other=other_workflow,
        a_old_success=add_logs(workflow, 3, age=OLD),
        a_old_failed=add_logs(workflow, 2, status="failed", age=OLD),
        # Started long ago and still going: a cleanup must never touch these.
        a_unfinished=add_logs(workflow, 1, status="running", age=OLD) + add_logs(workflow, 1, status="queued", age=OLD),
        a_recent=add_logs(workflow, 2, age=RECENT),
        b_old_failed=add_logs(b, 2, status="failed", age=OLD),
        b_recent=add_logs(b, 1, status="failed", age=RECENT),
        other_old=add_logs(other_workflow, 3, age=OLD),
    )


def near(when: str, expected: datetime) -> bool:
    return abs(datetime.fromisoformat(when) - expected) < timedelta(minutes=1)


# --- API: the caller's runs only ------------------------------------------------------

def test_api_dry_run_counts_and_deletes_nothing(user, history, existing):
    resp = user.delete("/api/logs/cleanup", query_string={"days": 30, "dry_run": "true"})

    body = resp.get_json()
    assert resp.status_code == 200, body
    assert body["matched"] == 7 and body["deleted"] == 0 and body["dry_run"] is True
    assert near(body["older_than"], utcnow() - timedelta(days=30))
    assert existing() == history.everything


def test_api_cleanup_deletes_old_finished_runs_of_the_caller_with_their_steps(user, history, existing, step_count):
    doomed = history.ids(history.a_old_success, history.a_old_failed, history.b_old_failed)

    body = user.delete("/api/logs/cleanup", query_string={"days": 30}).get_json()

    assert body["matched"] == body["deleted"] == 7 and body["dry_run"] is False
    assert existing() == history.everything - doomed
    assert step_count(list(doomed)) == 0
    # running and queued runs survive, and so does everyone else's history
    assert history.ids(history.a_unfinished, history.other_old) <= existing()


@pytest.mark.parametrize(("query", "deleted"), [
    ({"status": "failed"}, "a_old_failed b_old_failed"),
    ({"status": "success"}, "a_old_success"),
    ({"workflow": "b"}, "b_old_failed"),
    ({"workflow": "a", "status": "failed"}, "a_old_failed"),
])
def test_api_cleanup_by_status_and_workflow(user, history, existing, query, deleted):
    args = {"days": 30, **({"status": query["status"]} if "status" in query else {})}
    if "workflow" in query:
        args["workflow_id"] = getattr(history, query["workflow"])["id"]
    doomed = history.ids(*(getattr(history, group) for group in deleted.split()))

    body = user.delete("/api/logs/cleanup", query_string=args).get_json()

    assert body["deleted"] == len(doomed)
    assert existing() == history.everything - doomed


def test_api_cleanup_of_recent_runs_needs_fewer_days(user, history, existing):
    body = user.delete("/api/logs/cleanup", query_string={"days": 1, "workflow_id": history.b["id"]}).get_json()
    assert body["deleted"] == 3  # the recent failure started just over a day ago: it goes too
    assert not existing([r.id for r in history.b_old_failed + history.b_recent])


@pytest.mark.parametrize("query", [
    {}, {"days": 0}, {"days": -3}, {"days": "soon"}, {"days": 30, "status": "running"},
    {"days": 30, "status": "queued"}, {"days": 30, "status": "lost"}, {"days": 30, "dry_run": "maybe"},
])
def test_api_cleanup_refuses_bad_arguments_and_deletes_nothing(user, history, existing, query):
    assert_error(user.delete("/api/logs/cleanup", query_string=query), 422)
    assert existing() == history.everything


# --- CLI: everyone's runs -----------------------------------------------------------

@pytest.fixture
def flask_logs(app):
    """Run ``flask logs ...`` in-process."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["logs", *args])

    return invoke


def test_cli_dry_run_prints_cutoff_and_counts_per_workflow_and_status(flask_logs, history, existing):
    result = flask_logs("cleanup", "--days", "30", "--dry-run")

    assert result.exit_code == 0, result.output
    out = result.output
    assert "Dry run: nothing deleted." in out and ": 10" in out
    cutoff = re.search(r"started before (\S+) \(30 day\(s\) ago\)", out).group(1)
    assert near(cutoff, utcnow() - timedelta(days=30))
    lines = [line.split() for line in out.splitlines()]
    assert [str(history.a["id"]), "Orders", "in", "success", "3"] in lines
    assert [str(history.a["id"]), "Orders", "in", "failed", "2"] in lines
    assert [str(history.b["id"]), "Invoices", "failed", "2"] in lines
    assert [str(history.other["id"]), "Not", "yours", "success", "3"] in lines
    assert existing() == history.everything


@pytest.mark.parametrize("options", [(), ("--batch-size", "2"), ("--batch-size", "2", "--jobs", "3")])
def test_cli_cleanup_deletes_old_finished_runs_of_everyone(flask_logs, history, existing, step_count, options):
    doomed = history.ids(history.a_old_success, history.a_old_failed, history.b_old_failed, history.other_old)

    result = flask_logs("cleanup", "--days", "30", *options)

    assert result.exit_code == 0, result.output
    assert "Deleted 10 run(s)" in result.output
    assert existing() == history.everything - doomed
    assert step_count(list(doomed)) == 0
    assert history.ids(history.a_unfinished) <= existing()


def test_cli_cleanup_of_one_workflow_and_status(flask_logs, history, existing):
    result = flask_logs("cleanup", "--days", "30", "--status", "failed", "--workflow", str(history.a["id"]))

    assert result.exit_code == 0, result.output
    assert existing() == history.everything - history.ids(history.a_old_failed)


def test_cli_cleanup_status_is_the_historical_spelling(flask_logs, history, existing):
    dry = flask_logs("cleanup-status", "failed", "--days", "7", "--dry-run")
    assert dry.exit_code == 0 and "Dry run" in dry.output and existing() == history.everything

    result = flask_logs("cleanup-status", "failed", "--days", "7")

    assert result.exit_code == 0, result.output
    assert existing() == history.everything - history.ids(history.a_old_failed, history.b_old_failed)


def test_cli_with_nothing_to_delete_says_so(flask_logs, history, existing):
    result = flask_logs("cleanup", "--days", "365")
    assert result.exit_code == 0 and "Nothing to delete." in result.output
    assert existing() == history.everything


@pytest.mark.parametrize("args", [
    ("cleanup",), ("cleanup", "--days", "-1"), ("cleanup", "--days", "0"), ("cleanup", "--days", "week"),
    ("cleanup", "--days", "30", "--status", "running"), ("cleanup", "--days", "30", "--status", "unknown"),
    ("cleanup", "--days", "30", "--batch-size", "0"), ("cleanup", "--days", "30", "--workflow", "999999"),
    ("cleanup", "--days", "30", "--jobs", "0"),
    ("cleanup-status", "running", "--days", "7"), ("cleanup-status", "failed"),
    ("cleanup-status", "failed", "--days", "-7"),
])
def test_cli_bad_input_is_a_usage_error_and_deletes_nothing(flask_logs, history, existing, args):
    result = flask_logs(*args)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.output or "Error" in result.output
    assert existing() == history.everything


def test_cli_stats_as_a_table_and_as_json(flask_logs, history):
    table = flask_logs("stats", "--top", "2")
    as_json = flask_logs("stats", "--json")

    assert table.exit_code == 0, table.output
    assert "Runs: 15" in table.output and "Orders in" in table.output and "On disk" in table.output
    stats = json.loads(as_json.output)
    assert stats["runs"] == 15 and stats["steps"] == 30
    assert stats["by_status"] == {"queued": 1, "running": 1, "success": 8, "failed": 5}
    assert stats["top_workflows"][0] == {"workflow_id": history.a["id"], "name": "Orders in",
                                         "owner": stats["top_workflows"][0]["owner"], "runs": 9}
    assert near(stats["oldest_run"], utcnow() - OLD) and near(stats["newest_run"], utcnow() - RECENT)
    assert stats["sizes"]["execution_logs"]["total_bytes"] > 0
