"""Finds executions that stopped moving (a lost message, a killed worker) and moves them on."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..db_types import utcnow
from ..extensions import db
from ..logs.models import ExecutionLog, StepLog
from .graph import Graph
from .runner import LEASE_GRACE, Send, StepLimits, fail_execution, lock_execution, load_steps, serialised
from ..nodes.registry import get_node_type

logger = logging.getLogger(__name__)
BATCH = 500


def stalled_execution_ids(older_than: timedelta) -> list[int]:
    """Unfinished runs whose last movement is older than ``older_than``."""
    cutoff = utcnow() - older_than
    return list(db.session.scalars(
        select(ExecutionLog.id)
        .where(ExecutionLog.status.in_(("queued", "running")), ExecutionLog.updated_at < cutoff)
        .order_by(ExecutionLog.updated_at).limit(BATCH)
    ))


def _resendable(graph: Graph, step: StepLog, steps: dict[str, StepLog]) -> bool:
    now = utcnow()
    if step.status == "running":
        limits = StepLimits.of(get_node_type(step.type), graph.nodes[step.node_id])
        return step.started_at is None or step.started_at + timedelta(seconds=limits.timeout_seconds) + LEASE_GRACE < now
    if step.status != "pending" or (step.next_attempt_at and step.next_attempt_at > now):
        return False
    sources = [steps[e.source] for e in graph.incoming.get(step.node_id, [])]
    # Ready when every input is decided and one of them delivered (or it is the trigger).
    return not sources or (
        all(s.status in ("success", "skipped", "failed") for s in sources) and any(s.status == "success" for s in sources)
    )


def reconcile_execution(log_id: int) -> list[Send]:
    """Resend the ready or abandoned steps of one stalled run (or fail it when it ran out
    of time); returns the messages to send."""
    with serialised():
        log = lock_execution(log_id, ExecutionLog.definition)
        if log is None or log.status not in ("queued", "running"):
            db.session.rollback()
            return []
        steps = load_steps(log_id)
        limit = current_app.config["EXECUTION_TIME_LIMIT_SECONDS"]
        if utcnow() - log.started_at > timedelta(seconds=limit):
            fail_execution(log, steps, {"message": f"execution time limit of {limit} s exceeded",
                                        "type": "ExecutionTimeLimit", "node_id": None, "traceback": None})
            db.session.commit()
            return []
        graph = Graph.from_definition(log.definition)
        sends = [Send(log_id, s.node_id) for s in steps.values() if _resendable(graph, s, steps)]
        log.updated_at = utcnow()  # not picked again before another full period
        db.session.commit()
        return sends


def reconcile(older_than: timedelta | None = None) -> list[Send]:
    """Reconcile every stalled run; returns every message to send."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["RECONCILE_AFTER_SECONDS"])
    sends: list[Send] = []
    for log_id in stalled_execution_ids(older_than):
        sends.extend(reconcile_execution(log_id))
    if sends:
        logger.info("reconciler resends %d step(s)", len(sends))
    return sends
