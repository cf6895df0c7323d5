"""The one place that changes the status of an execution or a step.

Every change is staged on the database session and handed to the registered listeners
only after the transaction commits, so nothing is announced for a change that was rolled
back. The live-events package registers the publisher (one Redis pipeline per commit).
The objects changed are ORM models or the engine's records (engine/state.py), which the
engine writes back itself as Core UPDATEs.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..db_types import utcnow
from .models import FINISHED_EXECUTION, ExecutionLog, StepLog
from .state import Record

Run = ExecutionLog | Record
Step = StepLog | Record

StatusChange = dict[str, Any]
_listeners: list[Callable[[list[StatusChange]], None]] = []
_STAGED = "automateos.status_changes"


def on_committed_changes(listener: Callable[[list[StatusChange]], None]) -> None:
    """Call ``listener`` with the status changes of every committed transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


EXECUTION_FIELDS = (
    "id", "workflow_id", "owner_id", "status", "trigger", "workflow_version", "retry_of",
    "started_at", "finished_at", "updated_at",
)
STEP_FIELDS = ("id", "node_id", "type", "status", "attempts", "started_at", "finished_at")


def _stage(session: Session, change: StatusChange) -> None:
    session.info.setdefault(_STAGED, []).append(change)


def _snapshot(session: Session, obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    """Plain values of ``obj`` now: listeners run after commit, when objects are expired."""
    if getattr(obj, "id", None) is None and not isinstance(obj, Record):
        session.flush()  # a new ORM object: its id
    return {name: getattr(obj, name) for name in names}


def set_execution_status(session: Session, log: Run, status: str, **fields: Any) -> None:
    """Move a run to ``status`` (and set ``fields``); stamps ``updated_at``/``finished_at``."""
    now = utcnow()
    log.status = status
    log.updated_at = now
    if status in FINISHED_EXECUTION and log.finished_at is None:
        log.finished_at = now
    for name, value in fields.items():
        setattr(log, name, value)
    _stage(session, {"kind": "execution", "created": False, "execution": _snapshot(session, log, EXECUTION_FIELDS)})


def announce_created(session: Session, log: Run) -> None:
    """Stage the creation of a run (status ``queued``) for the listeners."""
    _stage(session, {"kind": "execution", "created": True, "execution": _snapshot(session, log, EXECUTION_FIELDS)})


def set_step_status(session: Session, log: Run, step: Step, status: str, **fields: Any) -> None:
    """Move a step to ``status`` (and set ``fields``); the run counts as having moved."""
    step.status = status
    for name, value in fields.items():
        setattr(step, name, value)
    log.updated_at = utcnow()
    _stage(session, {
        "kind": "step",
        "execution": {"id": log.id, "workflow_id": log.workflow_id, "owner_id": log.owner_id},
        "step": _snapshot(session, step, STEP_FIELDS),
    })


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    changes = session.info.pop(_STAGED, None)
    if not changes:
        return
    for listener in _listeners:
        listener(changes)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_STAGED, None)
