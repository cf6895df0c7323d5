"""Workflow rules: ownership, validation, versioning, schedule times; starting runs and
waiting for a run to finish (a webhook answered ``when_finished``)."""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..db_types import utcnow
from ..engine.graph import InvalidDefinition, validate_definition
from ..bus import EventIdTooOld, get_bus
from ..engine.models import FINISHED_EXECUTION, ExecutionLog
from ..engine.runner import Send, run_segment
from ..engine.actors import send_steps
from ..engine.service import create_execution, start_execution
from ..errors import abort
from ..extensions import db
from ..nodes.registry import UnknownNodeType, get_node_type
from ..nodes.params import validate_params
from ..redaction import redact
from .models import WORKFLOW_ID_MAX, Workflow
from .schedules import next_fire_time

logger = logging.getLogger(__name__)
# A segment run in the web process holds its worker (a gevent worker: every request it
# serves) while it computes: it stops sooner than a worker's and sends the rest.
HERE_SEGMENT_SECONDS = 0.25

# What secrets.token_urlsafe produces; anything else cannot be a token (and NUL would
# reach PostgreSQL, which refuses it in text).
WEBHOOK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_definition(definition: Any) -> str:
    """Validate a definition (422 naming the node and field); returns its trigger type."""
    try:
        graph = validate_definition(definition, get_node_type, validate_params)
    except InvalidDefinition as exc:
        abort(422, message=exc.problems[0], errors={"definition": exc.problems})
    return graph.nodes[graph.roots()[0]]["type"]


def owned_workflows(owner_id: int):
    """Query of the caller's workflows, newest first."""
    return select(Workflow).where(Workflow.owner_id == owner_id).order_by(Workflow.id.desc())


def get_owned(owner_id: int, workflow_id: int) -> Workflow:
    """The caller's workflow, or 404 (also when it exists but is someone else's, or when
    the id is past the column's range, where no workflow can be)."""
    workflow = db.session.get(Workflow, workflow_id) if 1 <= workflow_id <= WORKFLOW_ID_MAX else None
    if workflow is None or workflow.owner_id != owner_id:
        abort(404, message="Workflow not found.")
    return workflow


def _schedule_next(workflow: Workflow) -> None:
    if workflow.trigger_type == "schedule" and workflow.active:
        workflow.next_run_at = next_fire_time(workflow.trigger_params(), utcnow())
    else:
        workflow.next_run_at = None


def create(owner_id: int, data: dict[str, Any]) -> Workflow:
    """Save a new workflow after validating its definition."""
    workflow = Workflow(owner_id=owner_id, webhook_token=secrets.token_urlsafe(32), version=1, **data)
    workflow.trigger_type = check_definition(workflow.definition)
    _schedule_next(workflow)
    db.session.add(workflow)
    db.session.commit()
    return workflow


def update(workflow: Workflow, data: dict[str, Any]) -> Workflow:
    """Apply a full or partial update; a changed definition bumps ``version``."""
    if "definition" in data and data["definition"] != workflow.definition:
        workflow.trigger_type = check_definition(data["definition"])
        workflow.version += 1
    reschedule = any(k in data for k in ("definition", "active"))
    for name, value in data.items():
        setattr(workflow, name, value)
    if reschedule:
        _schedule_next(workflow)
    db.session.commit()
    return workflow


def delete(workflow: Workflow) -> None:
    """Delete a workflow with its execution history."""
    db.session.delete(workflow)
    db.session.commit()


def find_webhook_workflow(token: str) -> Workflow:
    """The active webhook-triggered workflow of a token, or 404."""
    workflow = None
    if WEBHOOK_TOKEN.fullmatch(token):
        workflow = db.session.scalar(select(Workflow).where(Workflow.webhook_token == token))
    if workflow is None or not workflow.active or workflow.trigger_type != "webhook":
        abort(404, message="No active webhook for this URL.")
    return workflow


def run_now(owner_id: int, workflow_id: int, payload: Any) -> ExecutionLog:
    """Start a manual run of the caller's workflow; secrets in ``payload`` are redacted
    before it is stored."""
    return start_execution(get_owned(owner_id, workflow_id), "manual", redact(payload))


def _blocks(type_name: str) -> bool:
    """Whether a step of this type waits on the network or a clock. A type no longer
    installed does not: the segment fails its step at once, naming the type."""
    try:
        return get_node_type(type_name).blocking
    except UnknownNodeType:
        return False


def start_run_here(workflow: Workflow, trigger: str, payload: Any) -> tuple[ExecutionLog, RunEnd | None]:
    """Start a run, and run its first segment in this process rather than on a worker:
    for a caller who waits for the result (``respond: when_finished``). Returns the run,
    and how it ended when it finished here.

    The run is committed first (queued, its trigger recorded), exactly as when the steps
    are sent to the broker. The successors that only compute then run here as their
    segments would on a worker; what they leave (a blocking step, a retry, a long chain
    past one segment) is sent to the broker as usual. If this process dies meanwhile, the
    segment rolls back and the run is found by the reconciler (it stopped moving), as a
    lost message would be.
    """
    log, sends = create_execution(workflow, trigger, payload)
    types = {node["id"]: node["type"] for node in log.definition["nodes"]}
    later: list[Send] = []
    end: RunEnd | None = RunEnd(log.status, None, None) if log.status in FINISHED_EXECUTION else None
    for send in sends:
        if send.delay_seconds or _blocks(types[send.node_id]):
            later.append(send)  # a worker's job: this process would hold a connection while it waits
            continue
        try:
            segment = run_segment(send.log_id, send.node_id, max_seconds=HERE_SEGMENT_SECONDS)
        except Exception:  # the database failed us mid-segment: rolled back, a worker redoes it
            logger.exception("step %s of execution %s could not run in the web process", send.node_id, log.id)
            db.session.rollback()
            later.append(send)
            continue
        later.extend(segment.sends)
        if segment.run is not None and segment.run.status in FINISHED_EXECUTION:
            end = RunEnd(segment.run.status, getattr(segment.run, "result", None),
                         getattr(segment.run, "error", None))
    send_steps(later)
    return log, end


@dataclass
class RunEnd:
    """How a finished run ended: what a ``when_finished`` caller is answered."""

    status: str
    result: Any
    error: dict[str, Any] | None


def wait_for_end(log: ExecutionLog, end: RunEnd | None, timeout: float) -> RunEnd | None:
    """How the run ended: ``end`` when it finished here, else once it finishes elsewhere
    (None if it still runs after ``timeout`` seconds)."""
    if end is not None:
        return end
    finished = wait_until_finished(log.id, log.owner_id, timeout)
    return RunEnd(finished.status, finished.result, finished.error) if finished is not None else None


def wait_until_finished(log_id: int, owner_id: int, timeout: float) -> ExecutionLog | None:
    """The run once finished, or None if it still runs after ``timeout`` seconds.

    Waits on the event bus, not by polling: it subscribes to the owner's events first and
    only then reads the run once, so a finish committed in between is never missed.
    """
    deadline = time.monotonic() + timeout

    def finished() -> ExecutionLog | None:
        db.session.rollback()  # a new transaction sees the commits made meanwhile
        log = db.session.get(ExecutionLog, log_id, populate_existing=True,
                             options=[undefer(ExecutionLog.result), undefer(ExecutionLog.error)])
        return log if log is not None and log.status in FINISHED_EXECUTION else None

    def finishes(event: Any) -> bool:
        return event.type == "execution.updated" and event.log_id == log_id and \
            json.loads(event.data).get("status") in FINISHED_EXECUTION

    try:
        with get_bus().subscribe(owner_id) as subscription:
            if (log := finished()) is not None:
                return log
            db.session.rollback()  # hold no database connection while waiting
            while (remaining := deadline - time.monotonic()) > 0:
                try:
                    if any(finishes(event) for event in subscription.wait(remaining)):
                        return finished()
                except EventIdTooOld as exc:  # fell behind the buffer: the database knows
                    subscription.seek(exc.latest)
                    if (log := finished()) is not None:
                        return log
    except Exception:  # the bus is down: answer with what the database says now
        current_app.logger.exception("waiting for execution %s on the event bus failed", log_id)
        return finished()
    return None
