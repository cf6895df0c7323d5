"""Read models of the dashboard: runs over time and a summary per workflow.

Each answer is one SQL statement on the indexes the history already has, whatever the
number of runs: the chart reads only its time window (``ix_execution_logs_owner_started``
or ``..._workflow_started``), and each workflow card only its newest ``recent`` runs
(one index probe per workflow, inside the same statement).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, cast, func, literal_column, select, true

from ..extensions import db
from ..workflows.models import Workflow
from ..workflows.service import get_owned
from ..engine.models import EXECUTION_STATUSES, ExecutionLog

BUCKET_SECONDS = {"hour": 3600, "day": 86400}
DEFAULT_WINDOW = timedelta(days=7)
MAX_BUCKETS = 2000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SeriesQuery:
    """Which runs the chart counts, and how they are bucketed.

    Parameters:
        owner_id: the caller; only their runs count.
        since, until: the window (started_at in [since, until)); both aware UTC.
        bucket: ``hour`` or ``day``.
        utc_offset_minutes: where the caller's hours and days start (e.g. 120 for UTC+2),
            so "a day" is the caller's day.
        workflow_id: only this workflow's runs (404 unless it is the caller's).
    """

    owner_id: int
    since: datetime
    until: datetime
    bucket: str = "hour"
    utc_offset_minutes: int = 0
    workflow_id: int | None = None


def default_window(bucket: str, utc_offset_minutes: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last 7 days up to now, starting on a bucket boundary."""
    until = now or datetime.now(timezone.utc)
    return bucket_start(until - DEFAULT_WINDOW, bucket, utc_offset_minutes), until


def bucket_start(when: datetime, bucket: str, utc_offset_minutes: int) -> datetime:
    """The start of the bucket ``when`` falls in."""
    size, shift = BUCKET_SECONDS[bucket], utc_offset_minutes * 60
    seconds = int((when - EPOCH).total_seconds()) + shift
    return EPOCH + timedelta(seconds=(seconds // size) * size - shift)


def bucket_count(since: datetime, until: datetime, bucket: str, utc_offset_minutes: int) -> int:
    """How many buckets the window spans (the first starts at or before ``since``)."""
    first = bucket_start(since, bucket, utc_offset_minutes)
    return max(1, -(-int((until - first).total_seconds()) // BUCKET_SECONDS[bucket]))


def _bucket_of_start(size: int, shift: int) -> ColumnElement[Any]:
    """The bucket of ``started_at`` in the database's own terms: PostgreSQL's ``date_bin``
    (a timestamp, cheap to hash: 3x faster than epoch arithmetic on 200k rows), SQLite's
    whole seconds since 1970 divided down (an integer bucket number)."""
    if db.engine.dialect.name == "postgresql":
        origin = EPOCH - timedelta(seconds=shift)
        return func.date_bin(literal_column(f"interval '{size} seconds'"), ExecutionLog.started_at,
                             literal_column(f"timestamptz '{origin.isoformat()}'"))
    # Constants inline (validated integers): the GROUP BY expression is the SELECT one.
    seconds = cast(func.strftime("%s", ExecutionLog.started_at), Integer)  # SQLite stores naive UTC
    return (seconds + literal_column(str(shift))) / literal_column(str(size))


def _bucket_number(value: datetime | int, size: int, shift: int) -> int:
    """The bucket number of what ``_bucket_of_start`` returned, on either database."""
    if isinstance(value, datetime):
        return (int((value - EPOCH).total_seconds()) + shift) // size
    return int(value)


def executions_series(query: SeriesQuery) -> dict[str, Any]:
    """Runs by status per bucket over the window, every bucket present (zeros included)."""
    if query.workflow_id is not None:
        get_owned(query.owner_id, query.workflow_id)
        scope = ExecutionLog.workflow_id == query.workflow_id
    else:
        scope = ExecutionLog.owner_id == query.owner_id
    size, shift = BUCKET_SECONDS[query.bucket], int(query.utc_offset_minutes) * 60
    inner = (select(_bucket_of_start(size, shift).label("bucket"), ExecutionLog.status.label("status"))
             .where(scope, ExecutionLog.started_at >= query.since, ExecutionLog.started_at < query.until)
             .subquery())
    rows = db.session.execute(
        select(inner.c.bucket, inner.c.status, func.count()).group_by(inner.c.bucket, inner.c.status)).all()

    first = bucket_start(query.since, query.bucket, query.utc_offset_minutes)
    first_index = (int((first - EPOCH).total_seconds()) + shift) // size
    count = bucket_count(query.since, query.until, query.bucket, query.utc_offset_minutes)
    buckets = [{"start": first + timedelta(seconds=i * size), **dict.fromkeys(EXECUTION_STATUSES, 0), "total": 0}
               for i in range(count)]
    totals: dict[str, int] = {**dict.fromkeys(EXECUTION_STATUSES, 0), "total": 0}
    for value, status, n in rows:
        position = _bucket_number(value, size, shift) - first_index
        if 0 <= position < count and status in totals:
            buckets[position][status] += n
            buckets[position]["total"] += n
            totals[status] += n
            totals["total"] += n
    return {"bucket": query.bucket, "since": query.since, "until": query.until,
            "utc_offset_minutes": query.utc_offset_minutes, "buckets": buckets, "totals": totals}


def _recent_runs(owner_id: int, recent: int, workflow_id: int | None) -> Select:
    """Each of the owner's workflows with its newest ``recent`` runs (none: one row of NULLs)."""
    newest_first = (ExecutionLog.started_at.desc(), ExecutionLog.id.desc())
    columns = (ExecutionLog.id, ExecutionLog.status, ExecutionLog.trigger, ExecutionLog.started_at,
               ExecutionLog.finished_at)
    workflows = Workflow.owner_id == owner_id if workflow_id is None else Workflow.id == workflow_id
    if db.engine.dialect.name == "postgresql":
        runs = (select(*columns).where(ExecutionLog.workflow_id == Workflow.id)
                .order_by(*newest_first).limit(recent).lateral("runs"))
        return (select(Workflow.id.label("workflow_id"), *runs.c)
                .select_from(Workflow).outerjoin(runs, true()).where(workflows))
    # SQLite has no LATERAL: a correlated IN (... LIMIT) probes the same index per workflow.
    newest = (select(ExecutionLog.id).where(ExecutionLog.workflow_id == Workflow.id)
              .order_by(*newest_first).limit(recent).correlate(Workflow).scalar_subquery())
    return (select(Workflow.id.label("workflow_id"), *columns).select_from(Workflow)
            .outerjoin(ExecutionLog, and_(ExecutionLog.workflow_id == Workflow.id, ExecutionLog.id.in_(newest)))
            .where(workflows))


def workflow_summaries(owner_id: int, recent: int, workflow_id: int | None = None) -> list[dict[str, Any]]:
    """Per workflow of the owner: its last run and the outcome of its newest ``recent`` runs."""
    if workflow_id is not None:
        get_owned(owner_id, workflow_id)
    by_workflow: dict[int, dict[str, Any]] = {}
    for row in db.session.execute(_recent_runs(owner_id, recent, workflow_id)).mappings():
        summary = by_workflow.setdefault(row["workflow_id"], {
            "workflow_id": row["workflow_id"], "last_run": None,
            "recent": {"runs": 0, **dict.fromkeys(EXECUTION_STATUSES, 0)}, "success_rate": None,
        })
        if row["id"] is None:
            continue
        summary["recent"]["runs"] += 1
        summary["recent"][row["status"]] += 1
        last = summary["last_run"]
        if last is None or (row["started_at"], row["id"]) > (last["started_at"], last["id"]):
            summary["last_run"] = {key: row[key] for key in ("id", "status", "trigger", "started_at", "finished_at")}
    for summary in by_workflow.values():
        finished = summary["recent"]["success"] + summary["recent"]["failed"]
        # Runs still going have no outcome yet: the rate is over finished runs only.
        summary["success_rate"] = summary["recent"]["success"] / finished if finished else None
    return sorted(by_workflow.values(), key=lambda s: s["workflow_id"])
