"""Reading, re-running and cleaning up execution logs (owner-only).

Lists are newest first, ordered by (started_at, id) so that a keyset cursor is exact.
Every list query selects ids on an index first and loads the summary columns of that
page only; the deferred bodies (payload, result, definition, error) are never loaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, Text, cast, func, literal, select, tuple_
from sqlalchemy.orm import selectinload, undefer

from ..db_types import UTCDateTime, utcnow
from ..engine.service import start_execution
from ..errors import abort
from ..extensions import db
from ..redaction import redact
from ..workflows.service import get_owned
from ..engine.models import FINISHED_EXECUTION, SEARCH_TEXT_FUNCTION, ExecutionLog, StepLog
from .retention import Purge, matching_counts, purge_logs, reclaim_space
from .schemas import encode_cursor

NEWEST_FIRST = (ExecutionLog.started_at.desc(), ExecutionLog.id.desc())
KEEP_PAYLOAD = object()  # retry without a ``payload``: the run's own input


@dataclass(frozen=True)
class LogFilter:
    """Which of an owner's runs a list or a count is about."""

    owner_id: int
    workflow_id: int | None = None
    statuses: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, owner_id: int, args: dict[str, Any], workflow_id: int | None = None) -> "LogFilter":
        """The filter of parsed query arguments (LogFilterArgsSchema)."""
        return cls(
            owner_id=owner_id, workflow_id=workflow_id or args.get("workflow_id"),
            statuses=tuple(args.get("status") or ()), triggers=tuple(args.get("trigger") or ()),
            since=args.get("since"), until=args.get("until"), q=args.get("q"),
        )


def search_condition(q: str) -> ColumnElement[bool]:
    """``q`` found in the payload, result or error, case-insensitively.

    The term is matched as it appears inside the stored JSON text (quotes and
    backslashes escaped). PostgreSQL matches the trigram-indexed search text of
    migration 0002; SQLite scans the JSON text of the rows the other filters leave.
    """
    postgres = db.engine.dialect.name == "postgresql"
    as_json = json.dumps(q, ensure_ascii=not postgres)[1:-1]  # SQLite stores JSON ASCII-escaped
    pattern = "%" + as_json.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if postgres:
        document = getattr(func, SEARCH_TEXT_FUNCTION)(ExecutionLog.payload, ExecutionLog.result, ExecutionLog.error)
        return document.ilike(pattern)  # backslash is PostgreSQL's default LIKE escape
    parts = [func.coalesce(cast(col, Text), "") for col in (ExecutionLog.payload, ExecutionLog.result, ExecutionLog.error)]
    return (parts[0] + " " + parts[1] + " " + parts[2]).like(pattern, escape="\\")


def log_conditions(f: LogFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions of a filter. The caller's ownership of ``workflow_id`` is checked
    first (404), then the workflow alone scopes the query (its index leads with it)."""
    if f.workflow_id is not None:
        get_owned(f.owner_id, f.workflow_id)
        conditions = [ExecutionLog.workflow_id == f.workflow_id]
    else:
        conditions = [ExecutionLog.owner_id == f.owner_id]
    if f.statuses:
        conditions.append(ExecutionLog.status.in_(f.statuses) if len(f.statuses) > 1 else ExecutionLog.status == f.statuses[0])
    if f.triggers:
        conditions.append(ExecutionLog.trigger.in_(f.triggers) if len(f.triggers) > 1 else ExecutionLog.trigger == f.triggers[0])
    if f.since is not None:
        conditions.append(ExecutionLog.started_at >= f.since)
    if f.until is not None:
        conditions.append(ExecutionLog.started_at < f.until)
    if f.q:
        conditions.append(search_condition(f.q))
    return conditions


def before_key(started_at: datetime, log_id: int) -> ColumnElement[bool]:
    """Runs that come after (started_at, id) in newest-first order."""
    return tuple_(ExecutionLog.started_at, ExecutionLog.id) < tuple_(
        literal(started_at, UTCDateTime()), literal(log_id, BigInteger())
    )


def page_query(f: LogFilter, limit: int, offset: int = 0, cursor: tuple[datetime, int] | None = None) -> Select:
    """The runs of one page: ids picked on an index, then only those rows loaded."""
    conditions = log_conditions(f)
    if cursor is not None:
        conditions.append(before_key(*cursor))
    ids = select(ExecutionLog.id).where(*conditions).order_by(*NEWEST_FIRST).limit(limit).offset(offset)
    return select(ExecutionLog).where(ExecutionLog.id.in_(ids.scalar_subquery())).order_by(*NEWEST_FIRST)


def list_logs(f: LogFilter, *, limit: int, offset: int = 0, cursor: tuple[datetime, int] | None = None) -> dict[str, Any]:
    """One page of runs, newest first, with the cursor of the next page (None at the end)."""
    rows = db.session.scalars(page_query(f, limit + 1, offset, cursor)).all()
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].started_at, items[-1].id) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor, "limit": limit, "offset": offset}


def count_logs(f: LogFilter) -> int:
    """How many runs the filter matches (the list's filters, all pages)."""
    return db.session.scalar(select(func.count()).select_from(ExecutionLog).where(*log_conditions(f)))


def get_owned_log(owner_id: int, log_id: int, *, full: bool = False) -> ExecutionLog:
    """The caller's execution log (with bodies and steps when ``full``), or 404."""
    query = select(ExecutionLog).where(ExecutionLog.id == log_id, ExecutionLog.owner_id == owner_id)
    if full:
        query = query.options(
            undefer(ExecutionLog.payload), undefer(ExecutionLog.result), undefer(ExecutionLog.error),
            selectinload(ExecutionLog.steps).options(
                undefer(StepLog.input), undefer(StepLog.output), undefer(StepLog.error), undefer(StepLog.logs)
            ),
        )
    log = db.session.scalar(query)
    if log is None:
        abort(404, message="Execution log not found.")
    return log


def retry_log(owner_id: int, log_id: int, mode: str, payload: Any = KEEP_PAYLOAD) -> ExecutionLog:
    """Re-run a finished run (trigger ``retry``, ``retry_of`` set): ``original`` runs the
    definition snapshot and version it used, ``latest`` the workflow's current one.
    ``payload`` replaces its input; without it the run's stored input is used (None
    when the workflow's ``save`` policy dropped it); secrets in a new one are redacted."""
    log = get_owned_log(owner_id, log_id)
    if log.status not in FINISHED_EXECUTION:
        abort(409, message=f"Execution log {log_id} is still {log.status}; re-run it once it has finished.")
    workflow = get_owned(owner_id, log.workflow_id)
    if mode == "original":
        definition, version = log.definition, log.workflow_version
    else:
        definition, version = None, None
    return start_execution(
        workflow, "retry", log.payload if payload is KEEP_PAYLOAD else redact(payload),
        definition=definition, version=version, retry_of=log.id,
    )


def cleanup_logs(owner_id: int, days: int, *, status: str | None = None, workflow_id: int | None = None,
                 dry_run: bool = False) -> dict[str, Any]:
    """Delete the caller's finished runs that started more than ``days`` ago (queued and
    running runs are never touched); a dry run only counts them."""
    if workflow_id is not None:
        get_owned(owner_id, workflow_id)
    cutoff = utcnow() - timedelta(days=days)
    purge = Purge(before=cutoff, statuses=(status,) if status else FINISHED_EXECUTION,
                  owner_id=owner_id, workflow_id=workflow_id)
    matched = sum(n for _wf, _status, n in matching_counts(purge))
    deleted = 0
    if not dry_run and matched:
        deleted = purge_logs(purge)
        reclaim_space()
    return {"matched": matched, "deleted": deleted, "dry_run": dry_run, "older_than": cutoff}
