"""Starting executions: the one way a trigger (webhook, manual, schedule, retry) creates a run."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import insert

from ..extensions import db
from .models import ExecutionLog, StepLog
from ..workflows.models import Workflow
from .graph import Graph
from .runner import Send
from .status import announce_created

logger = logging.getLogger(__name__)


def start_execution(
    workflow: Workflow,
    trigger: str,
    payload: Any,
    *,
    definition: dict[str, Any] | None = None,
    version: int | None = None,
    retry_of: int | None = None,
) -> ExecutionLog:
    """Record a new run (queued, with its payload and definition snapshot), commit, then
    enqueue its trigger step. The database is the record: if the broker is down the run
    is still accepted, and the reconciler sends it later."""
    definition = definition if definition is not None else workflow.definition
    graph = Graph.from_definition(definition)
    log = ExecutionLog(
        workflow_id=workflow.id, owner_id=workflow.owner_id, status="queued", trigger=trigger,
        workflow_version=version if version is not None else workflow.version,
        definition=definition, payload=payload, retry_of=retry_of,
    )
    db.session.add(log)
    db.session.flush()
    db.session.execute(insert(StepLog), [
        {"log_id": log.id, "node_id": node_id, "type": node["type"], "status": "pending", "attempts": 0}
        for node_id, node in graph.nodes.items()
    ])
    announce_created(db.session, log)
    db.session.commit()
    send_steps([Send(log.id, graph.roots()[0])])
    return log


def send_steps(sends: list[Send]) -> None:
    """Enqueue step messages; a failure is logged, not raised: the reconciler resends."""
    from .actors import run_step  # the actor module imports the runner, which imports us

    for send in sends:
        try:
            if send.delay_seconds:
                run_step.send_with_options(args=(send.log_id, send.node_id), delay=int(send.delay_seconds * 1000))
            else:
                run_step.send(send.log_id, send.node_id)
        except Exception:
            logger.exception("could not enqueue step %s of execution %s", send.node_id, send.log_id)
