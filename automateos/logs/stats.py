"""Numbers about the whole execution history, for ``flask logs stats``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from ..auth.models import User
from ..extensions import db
from ..workflows.models import Workflow
from ..engine.models import EXECUTION_STATUSES, ExecutionLog, StepLog

TABLES = (ExecutionLog.__tablename__, StepLog.__tablename__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def table_sizes() -> dict[str, Any]:
    """Bytes on disk of each log table with its indexes (and, on SQLite, of the file)."""
    if db.engine.dialect.name == "postgresql":
        sizes: dict[str, Any] = {}
        for table in TABLES:
            row = db.session.execute(text(
                "SELECT pg_total_relation_size(CAST(:t AS regclass)), pg_relation_size(CAST(:t AS regclass)),"
                " pg_indexes_size(CAST(:t AS regclass))"), {"t": table}).one()
            sizes[table] = {"total_bytes": row[0], "table_bytes": row[1], "index_bytes": row[2]}
        return sizes
    page_size = db.session.execute(text("PRAGMA page_size")).scalar() or 0
    sizes = {}
    for table in TABLES:
        try:
            total = db.session.execute(text(
                "SELECT SUM(pgsize) FROM dbstat WHERE name = :t OR name IN "
                "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t)"), {"t": table}).scalar()
        except Exception:  # SQLite built without the dbstat table
            db.session.rollback()
            total = None
        sizes[table] = {"total_bytes": total}
    sizes["database_file"] = {
        "total_bytes": (db.session.execute(text("PRAGMA page_count")).scalar() or 0) * page_size,
        "free_bytes": (db.session.execute(text("PRAGMA freelist_count")).scalar() or 0) * page_size,
    }
    return sizes


def history_stats(top: int = 10) -> dict[str, Any]:
    """Runs by status, the ``top`` workflows by runs, oldest and newest run, rows and sizes."""
    by_status = dict.fromkeys(EXECUTION_STATUSES, 0)
    by_status.update(db.session.execute(
        select(ExecutionLog.status, func.count()).group_by(ExecutionLog.status)).tuples().all())
    counts = (select(ExecutionLog.workflow_id, func.count().label("runs")).group_by(ExecutionLog.workflow_id)
              .order_by(func.count().desc(), ExecutionLog.workflow_id).limit(top).subquery())
    workflows = [
        {"workflow_id": row.workflow_id, "name": row.name, "owner": row.email, "runs": row.runs}
        for row in db.session.execute(
            select(counts.c.workflow_id, counts.c.runs, Workflow.name, User.email)
            .join(Workflow, Workflow.id == counts.c.workflow_id).join(User, User.id == Workflow.owner_id)
            .order_by(counts.c.runs.desc(), counts.c.workflow_id)
        )
    ]
    oldest, newest = db.session.execute(select(func.min(ExecutionLog.started_at), func.max(ExecutionLog.started_at))).one()
    return {
        "runs": sum(by_status.values()),
        "steps": db.session.scalar(select(func.count()).select_from(StepLog)),
        "by_status": by_status,
        "top_workflows": workflows,
        "oldest_run": _iso(oldest),
        "newest_run": _iso(newest),
        "sizes": table_sizes(),
    }
