"""Decisions the runner and the reconciler share, written once: when a step's inputs are
ready, and when a run has run out of time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from .models import ExecutionLog, StepLog
from .graph import Edge, Graph

READY, WAITING, DEAD = "ready", "waiting", "dead"  # a step's readiness
DELIVERED = "delivered"  # an edge's state, besides waiting and dead


def edge_state(edge: Edge, steps: dict[str, StepLog]) -> str:
    """``delivered`` (its source succeeded on this port), ``dead`` (it never will) or ``waiting``."""
    source = steps[edge.source]
    if source.status == "success":
        return DELIVERED if source.output_port == edge.output else DEAD
    return DEAD if source.status in ("skipped", "failed") else WAITING


def readiness(graph: Graph, steps: dict[str, StepLog], node_id: str) -> str:
    """Whether a step may run: ``ready`` once every incoming edge is decided and at least one
    delivered (the trigger, with none, is always ready), ``dead`` when all are decided and
    none delivered (the step is skipped), else ``waiting``."""
    incoming = graph.incoming.get(node_id, [])
    if not incoming:
        return READY
    states = [edge_state(e, steps) for e in incoming]
    if WAITING in states:
        return WAITING
    return READY if DELIVERED in states else DEAD


def execution_overdue(log: ExecutionLog, now: datetime, node_id: str | None = None) -> dict[str, Any] | None:
    """The run's error when it started more than ``EXECUTION_TIME_LIMIT_SECONDS`` ago, else None."""
    limit = current_app.config["EXECUTION_TIME_LIMIT_SECONDS"]
    if now - log.started_at <= timedelta(seconds=limit):
        return None
    return {"message": f"execution time limit of {limit} s exceeded", "type": "ExecutionTimeLimit",
            "node_id": node_id, "traceback": None}
