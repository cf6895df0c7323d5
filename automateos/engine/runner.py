"""Runs one node step of an execution: claim, execute, record, and say what runs next.

Each step is three short phases so that no database transaction is held while a node
works: *claim* (lock the run, mark the step running), *execute* (expressions, the node,
its time limit), *record* (lock the run, store the outcome, decide successors, finish
the run). Redelivered messages are harmless: a finished step is never claimed again,
and a running step is only taken over once its lease lapsed (its worker's heartbeat
stopped, see lease.py); the record of an attempt that was taken over is refused.
"""
from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, StatementError
from sqlalchemy.orm import undefer

from ..db_types import utcnow
from ..extensions import db
from .models import FINISHED_EXECUTION, FINISHED_STEP, ExecutionLog, StepLog
from ..nodes.base import STOP, Emit, NodeContext
from ..nodes.params import load_params
from ..nodes.registry import get_node_type
from ..workflows.models import Workflow
from ..expressions import evaluate_params
from .graph import Graph
from .lease import hold_lease, lease_expiry, lease_lapsed
from .locking import serialised
from .rules import DEAD, DELIVERED, READY, edge_state, execution_overdue, readiness
from .status import set_execution_status, set_step_status
from .storable import StepOutputTooLarge, UnstorableOutput, storable_output, storable_text
from .timeouts import StepTimedOut, time_limit

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class Send:
    """A step message to send once the transaction that decided it has committed."""

    log_id: int
    node_id: str
    delay_seconds: float = 0.0


@dataclass
class StepLimits:
    """Retry and time limits of one node: the type's defaults, overridden per node."""

    max_retries: int
    retry_backoff: float
    timeout_seconds: float

    @classmethod
    def of(cls, node_cls: type, node_def: dict[str, Any]) -> "StepLimits":
        return cls(
            max_retries=int(node_def.get("max_retries", node_cls.max_retries)),
            retry_backoff=float(node_def.get("retry_backoff", node_cls.retry_backoff)),
            timeout_seconds=float(node_def.get("timeout_seconds", node_cls.timeout_seconds)),
        )

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter before retry number ``attempt``."""
        base = self.retry_backoff * (2 ** (attempt - 1))
        return min(MAX_BACKOFF_SECONDS, base * random.uniform(0.5, 1.5))


@dataclass
class Claim:
    """What the execute phase needs, read while the step was claimed."""

    log_id: int
    workflow_id: int
    node_id: str
    step_id: int
    graph: Graph
    node_def: dict[str, Any]
    attempt: int
    limits: StepLimits
    scope: dict[str, Any]
    # The locked run and its steps, when the step goes on in the claiming transaction.
    locked: tuple[ExecutionLog, dict[str, StepLog]] | None = None


def lock_execution(log_id: int, *bodies: Any) -> ExecutionLog | None:
    """Load an execution with its row locked for this transaction (PostgreSQL)."""
    query = select(ExecutionLog).where(ExecutionLog.id == log_id).with_for_update()
    if bodies:
        query = query.options(*(undefer(b) for b in bodies))
    return db.session.execute(query).scalar_one_or_none()


def load_steps(log_id: int, *bodies: Any) -> dict[str, StepLog]:
    """Every step of an execution by node id."""
    query = select(StepLog).where(StepLog.log_id == log_id)
    if bodies:
        query = query.options(*(undefer(b) for b in bodies))
    return {s.node_id: s for s in db.session.scalars(query)}


def run_step(log_id: int, node_id: str) -> list[Send]:
    """Run one step of an execution and return the step messages to send next.

    A node that may block is claimed, executed and recorded in three phases so that no
    transaction stays open while it works (its lease renewed meanwhile); a node that only
    computes runs all three in one transaction, the run's row locked throughout
    (milliseconds).
    """
    with serialised():
        claim = claim_step(log_id, node_id)
        if claim is None:
            return []
        if claim.locked is not None:
            return record_step(claim, execute_step(claim))
        db.session.commit()
    with hold_lease(claim.step_id, claim.attempt):
        outcome = execute_step(claim)
    with serialised():
        return record_step(claim, outcome)


def _is_data_error(exc: StatementError) -> bool:
    # The database (or the JSON serialiser) refused a value; a lost connection is no such error.
    return isinstance(exc, DataError) or isinstance(exc.orig, (ValueError, TypeError))


def record_step(claim: Claim, outcome: Outcome) -> list[Send]:
    """Store the outcome, decide what runs next and commit (the caller serialises).

    Refused (nothing changes) when the attempt no longer holds the step: its lease lapsed
    and the step was released or taken over. If the database refuses the data, the step
    fails with that error: a redelivery would be refused the same way, for ever.
    """
    try:
        return _store_outcome(claim, outcome)
    except StatementError as exc:
        db.session.rollback()
        if not _is_data_error(exc):
            raise  # infrastructure: the message is redelivered
        logger.warning("step %s of execution %s: the database refused its record: %s",
                       claim.node_id, claim.log_id, exc.orig)
        error = _error(claim.node_id, exc, f"node '{claim.node_id}': the database refused its record: {exc.orig}")
        return fail_step(claim.log_id, claim.node_id, claim.attempt, error)


def fail_step(log_id: int, node_id: str, attempt: int, error: dict[str, Any]) -> list[Send]:
    """Fail a step and its run without storing any of its data (the caller serialises).

    Used when the record of attempt ``attempt`` could not be written; nothing happens when
    the step finished meanwhile or another attempt holds it under a live lease.
    """
    log = lock_execution(log_id)
    steps = load_steps(log_id) if log else {}
    step = steps.get(node_id)
    if log is None or step is None or step.status in FINISHED_STEP or (
        step.status == "running" and step.attempts != attempt and not lease_lapsed(step, utcnow())
    ):
        db.session.rollback()
        return []
    set_step_status(db.session, log, step, "failed", error=error, finished_at=utcnow(), lease_expires_at=None)
    if log.status not in FINISHED_EXECUTION:
        fail_execution(log, steps, error)
    db.session.commit()
    return []


def _step_input(graph: Graph, node_id: str, steps: dict[str, StepLog], payload: Any) -> Any:
    incoming = graph.incoming.get(node_id, [])
    if not incoming:
        return payload
    delivered = {e.source: steps[e.source].output for e in incoming if edge_state(e, steps) == DELIVERED}
    if get_node_type(graph.nodes[node_id]["type"]).joins_branches:
        return delivered
    return next(iter(delivered.values()), None)


def claim_step(log_id: int, node_id: str) -> Claim | None:
    """Lock the run and mark the step running under a fresh lease, leaving the transaction
    open for the caller; None (rolled back or committed) when the step is not to run now:
    it finished, or another worker holds it under a live lease."""
    log = lock_execution(log_id, ExecutionLog.definition, ExecutionLog.payload)
    steps = load_steps(log_id, StepLog.output) if log else {}
    step = steps.get(node_id)
    if log is None or log.status in FINISHED_EXECUTION or step is None or step.status in FINISHED_STEP:
        db.session.rollback()
        return None
    graph = Graph.from_definition(log.definition)
    node_def = graph.nodes[node_id]
    limits = StepLimits.of(get_node_type(step.type), node_def)
    now = utcnow()
    if step.status == "running" and not lease_lapsed(step, now):
        db.session.rollback()  # its worker is alive and renewing the lease
        return None
    overdue = execution_overdue(log, now, node_id)
    if overdue is not None:
        fail_execution(log, steps, overdue)
        db.session.commit()
        return None
    step_input = _step_input(graph, node_id, steps, log.payload)
    if log.status == "queued":
        set_execution_status(db.session, log, "running")
    # attempts is also the lease's fencing token: taking a step over bumps it, and the
    # renewals and the record of the attempt that was taken over then match nothing.
    set_step_status(db.session, log, step, "running", attempts=step.attempts + 1, started_at=now,
                    finished_at=None, next_attempt_at=None, input=step_input,
                    lease_expires_at=lease_expiry(now))
    trigger_id = graph.roots()[0]
    scope = {
        "input": step_input,
        "nodes": {nid: s.output for nid, s in steps.items() if s.status == "success"},
        "trigger": steps[trigger_id].output if steps[trigger_id].status == "success" else log.payload,
        "execution": {"id": log.id, "workflow_id": log.workflow_id, "started_at": log.started_at.isoformat()},
    }
    claim = Claim(log.id, log.workflow_id, node_id, step.id, graph, node_def, step.attempts, limits, scope)
    if not get_node_type(step.type).blocking:
        claim.locked = (log, steps)
    return claim


@dataclass
class Outcome:
    """What a node produced: output on a port (None port = branch stopped), or an error;
    a ``final`` error fails the step without retries (trying again cannot help)."""

    output: Any = None
    port: str | None = "main"
    error: dict[str, Any] | None = None
    final: bool = False


def execute_step(claim: Claim) -> Outcome:
    """Evaluate the params, run the node under its time limit and check that its output
    can be stored; no transaction is needed."""
    node_cls = get_node_type(claim.node_def["type"])
    ctx = NodeContext(
        execution_id=claim.log_id, workflow_id=claim.workflow_id, node_id=claim.node_id,
        attempt=claim.attempt, settings={"HTTP_ALLOW_PRIVATE": current_app.config["HTTP_ALLOW_PRIVATE"]},
    )
    try:
        params = evaluate_params(claim.node_def.get("params") or {}, claim.scope, claim.node_id)
        try:
            params = load_params(node_cls, params)
        except ValidationError as exc:
            raise ValueError(f"node '{claim.node_id}': params are invalid after evaluating expressions: {exc.messages}") from None
        with time_limit(claim.limits.timeout_seconds):
            result = node_cls().execute(ctx, params, claim.scope["input"])
    except StepTimedOut as exc:
        return Outcome(error=_error(claim.node_id, exc, f"node '{claim.node_id}' {exc}"))
    except Exception as exc:  # a node may raise anything; it becomes the step's error
        return Outcome(error=_error(claim.node_id, exc))
    if result is STOP:
        return Outcome(output=None, port=None)
    port, data = (result.port, result.data) if isinstance(result, Emit) else ("main", result)
    try:
        return Outcome(output=storable_output(data, claim.node_id, current_app.config["STEP_OUTPUT_MAX_BYTES"]),
                       port=port)
    except (UnstorableOutput, StepOutputTooLarge) as exc:
        return Outcome(error=_error(claim.node_id, exc), final=True)


def _error(node_id: str, exc: BaseException, message: str | None = None) -> dict[str, Any]:
    # Messages may quote data (a fail node's, an HTTP body): keep them storable too.
    return {
        "message": storable_text(message or str(exc) or type(exc).__name__),
        "type": type(exc).__name__,
        "node_id": node_id,
        "traceback": storable_text("".join(traceback.format_exception(exc))),
    }


def _store_outcome(claim: Claim, outcome: Outcome) -> list[Send]:
    if claim.locked is not None:
        log, steps = claim.locked
    else:
        log = lock_execution(claim.log_id)
        steps = load_steps(claim.log_id) if log else {}
    step = steps.get(claim.node_id)
    if log is None or step is None or step.status != "running" or step.attempts != claim.attempt:
        db.session.rollback()  # our lease lapsed and the step was released or taken over
        logger.warning("step %s of execution %s: attempt %s was taken over, its outcome is dropped",
                       claim.node_id, claim.log_id, claim.attempt)
        return []
    graph = claim.graph  # the definition is a snapshot: no need to load it twice
    now = utcnow()
    sends: list[Send] = []
    if outcome.error is None:
        set_step_status(db.session, log, step, "success", output=outcome.output, output_port=outcome.port,
                        error=None, finished_at=now, lease_expires_at=None)
        if log.status not in FINISHED_EXECUTION:
            sends = [Send(log.id, n) for n in advance(graph, log, steps, claim.node_id)]
    elif not outcome.final and claim.attempt <= claim.limits.max_retries and log.status not in FINISHED_EXECUTION:
        delay = claim.limits.backoff(claim.attempt)
        set_step_status(db.session, log, step, "pending", error=outcome.error, lease_expires_at=None,
                        next_attempt_at=now + timedelta(seconds=delay))
        sends = [Send(log.id, claim.node_id, delay)]
    else:
        set_step_status(db.session, log, step, "failed", error=outcome.error, finished_at=now,
                        lease_expires_at=None)
        if log.status not in FINISHED_EXECUTION:
            fail_execution(log, steps, outcome.error)
    if log.status not in FINISHED_EXECUTION and all(s.status in FINISHED_STEP for s in steps.values()):
        finish_execution(log, graph)
    db.session.commit()
    return sends


def advance(graph: Graph, log: ExecutionLog, steps: dict[str, StepLog], node_id: str) -> list[str]:
    """After ``node_id`` finished: successors that are now ready to run.

    A successor is decided once every incoming edge is: it runs when at least one edge
    delivered, and is ``skipped`` (and so on downstream) when none did.
    """
    ready: list[str] = []
    todo = graph.successors(node_id)
    while todo:
        target = todo.pop(0)
        step = steps[target]
        if step.status != "pending":
            continue
        state = readiness(graph, steps, target)
        if state == READY:
            ready.append(target)
        elif state == DEAD:
            set_step_status(db.session, log, step, "skipped", finished_at=utcnow())
            todo.extend(graph.successors(target))
    return ready


def fail_execution(log: ExecutionLog, steps: dict[str, StepLog], error: dict[str, Any]) -> None:
    """End a run as failed: the error is the run's, steps not yet started are skipped."""
    now = utcnow()
    for step in steps.values():
        if step.status == "pending":
            set_step_status(db.session, log, step, "skipped", finished_at=now)
    set_execution_status(db.session, log, "failed", error=error)
    if _save_policy(log) == "none":
        drop_bodies(log)


def _save_policy(log: ExecutionLog) -> str:
    return db.session.scalar(select(Workflow.save_policy).where(Workflow.id == log.workflow_id)) or "all"


def finish_execution(log: ExecutionLog, graph: Graph) -> None:
    """End a run as success; its result is the output of the last node(s) that ran."""
    leaves = graph.leaves()
    outputs = dict(db.session.execute(
        select(StepLog.node_id, StepLog.output).where(
            StepLog.log_id == log.id, StepLog.node_id.in_(leaves), StepLog.status == "success",
            StepLog.output_port.is_not(None),
        )
    ).all())
    result = next(iter(outputs.values())) if len(outputs) == 1 else (outputs or None)
    set_execution_status(db.session, log, "success", result=result)
    if _save_policy(log) in ("failed_only", "none"):
        drop_bodies(log)


def drop_bodies(log: ExecutionLog) -> None:
    """Forget a finished run's payload, result and step data (the workflow's ``save`` policy:
    ``failed_only`` keeps them for failed runs only, ``none`` for no run; errors stay)."""
    log.payload = None
    log.result = None
    db.session.execute(
        StepLog.__table__.update().where(StepLog.log_id == log.id).values(input=None, output=None)
    )
