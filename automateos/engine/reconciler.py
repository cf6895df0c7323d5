"""Finds executions that stopped moving (a lost message, a killed worker) and moves them on.

Two ways in: a running step whose lease lapsed (its worker died) is found at once, however
recently its run moved; any other run is looked at once it has not moved for
``RECONCILE_AFTER_SECONDS`` (a lost message).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..db_types import utcnow
from ..extensions import db
from .graph import Graph
from .lease import lapsed_lease_condition, lease_lapsed
from .locking import serialised
from .models import ExecutionLog, StepLog
from .progress import fail_execution
from .rules import READY, execution_overdue, readiness
from .runner import Send
from .state import Record, load_run
from .status import set_step_status

logger = logging.getLogger(__name__)
BATCH = 500
UNFINISHED = ("queued", "running")


def stalled_execution_ids(older_than: timedelta) -> list[int]:
    """Unfinished runs whose last movement is older than ``older_than``."""
    cutoff = utcnow() - older_than
    return list(db.session.scalars(
        select(ExecutionLog.id)
        .where(ExecutionLog.status.in_(UNFINISHED), ExecutionLog.updated_at < cutoff)
        .order_by(ExecutionLog.updated_at).limit(BATCH)
    ))


def lapsed_lease_execution_ids(now: datetime) -> list[int]:
    """Unfinished runs with a running step whose lease lapsed: a dead worker's."""
    return list(db.session.scalars(
        select(StepLog.log_id).distinct()
        .join(ExecutionLog, ExecutionLog.id == StepLog.log_id)
        .where(lapsed_lease_condition(now), ExecutionLog.status.in_(UNFINISHED))
        .limit(BATCH)
    ))


def _resendable(graph: Graph, step: Record, steps: dict[str, Record], now: datetime) -> bool:
    if step.status == "running":
        return lease_lapsed(step, now)
    if step.status != "pending" or (step.next_attempt_at and step.next_attempt_at > now):
        return False
    return readiness(graph, steps, step.node_id) == READY


def reconcile_execution(log_id: int) -> list[Send]:
    """Resend the ready or abandoned steps of one stalled run (or fail it when it ran out
    of time); returns the messages to send.

    A step whose lease lapsed goes back to ``pending`` first: its old worker's record is
    refused from now on, and it is resent once here rather than at every reconciler pass
    until a worker claims it.
    """
    with serialised():
        run = load_run(log_id, outputs=False)
        if run is None or run.log.status not in UNFINISHED:
            db.session.rollback()
            return []
        now = utcnow()
        overdue = execution_overdue(run.log, now)
        if overdue is not None:
            fail_execution(run, overdue)
            run.write()
            db.session.commit()
            return []
        graph, steps = run.graph, run.steps
        assert graph is not None
        sends = [Send(log_id, s.node_id) for s in steps.values() if _resendable(graph, s, steps, now)]
        for send in sends:
            step = steps[send.node_id]
            if step.status == "running":
                set_step_status(db.session, run.log, step, "pending", lease_expires_at=None, error={
                    "message": f"the worker running attempt {step.attempts} stopped renewing its lease; "
                               "the step runs again",
                    "type": "LeaseLapsed", "node_id": step.node_id, "traceback": None,
                })
        run.log.updated_at = now  # not picked again before another full period
        run.write()
        db.session.commit()
        return sends


def reconcile(older_than: timedelta | None = None) -> list[Send]:
    """Reconcile every run with a lapsed lease or that stalled; returns every message to send."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["RECONCILE_AFTER_SECONDS"])
    log_ids = dict.fromkeys(lapsed_lease_execution_ids(utcnow()) + stalled_execution_ids(older_than))
    sends: list[Send] = []
    for log_id in log_ids:
        sends.extend(reconcile_execution(log_id))
    if sends:
        logger.info("reconciler resends %d step(s)", len(sends))
    return sends
