"""Reading execution logs (owner-only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from ..errors import abort
from ..extensions import db
from .models import ExecutionLog, StepLog


def get_owned_log(owner_id: int, log_id: int, *, full: bool = False) -> ExecutionLog:
    """The caller's execution log (with bodies and steps when ``full``), or 404."""
    query = select(ExecutionLog).where(ExecutionLog.id == log_id, ExecutionLog.owner_id == owner_id)
    if full:
        query = query.options(
            undefer(ExecutionLog.payload), undefer(ExecutionLog.result), undefer(ExecutionLog.error),
            selectinload(ExecutionLog.steps).options(
                undefer(StepLog.input), undefer(StepLog.output), undefer(StepLog.error)
            ),
        )
    log = db.session.scalar(query)
    if log is None:
        abort(404, message="Execution log not found.")
    return log
