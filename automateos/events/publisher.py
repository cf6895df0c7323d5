"""Committed status changes → events on the bus.

Registered with ``engine.status.on_committed_changes``: it only ever sees changes whose
transaction committed. It must never break the engine, so a bus failure is logged.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace

from ..engine.status import StatusChange
from ..bus import EventBus, NewEvent
from .schemas import ExecutionEventSchema, StepEventSchema

logger = logging.getLogger(__name__)

_execution_schema = ExecutionEventSchema()
_step_schema = StepEventSchema()


def event_for(change: StatusChange) -> NewEvent:
    """The event announcing one status change (see engine/status.py for the snapshot)."""
    execution = change["execution"]
    if change["kind"] == "execution":
        return NewEvent(
            user_id=execution["owner_id"],
            type="execution.created" if change["created"] else "execution.updated",
            data=_execution_schema.dump(SimpleNamespace(**execution)),
            workflow_id=execution["workflow_id"], log_id=execution["id"],
        )
    step = change["step"]
    data = _step_schema.dump(SimpleNamespace(**step, log_id=execution["id"], workflow_id=execution["workflow_id"]))
    return NewEvent(user_id=execution["owner_id"], type="step.updated", data=data,
                    workflow_id=execution["workflow_id"], log_id=execution["id"])


def publish_changes(bus: EventBus | None, changes: list[StatusChange]) -> None:
    """Publish the events of one committed transaction, in order; never raises."""
    if bus is None or not changes:
        return
    try:
        bus.publish_many([event_for(change) for change in changes])
    except Exception:  # the change is committed; a lost event must not fail the step
        logger.exception("could not publish %d execution event(s)", len(changes))
