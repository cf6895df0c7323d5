"""Starting executions: the one way a trigger (webhook, manual, schedule, retry) creates a run."""
from __future__ import annotations

from typing import Any, Protocol

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.orm.attributes import set_committed_value

from ..db_types import utcnow
from ..extensions import db
from .actors import send_steps
from .graph import Graph
from .models import FINISHED_EXECUTION, ExecutionLog
from .progress import advance, fail_execution, finish_if_done
from .runner import Send
from .state import RUN_COLUMNS, STEPS, Record, RunState
from .status import announce_created, set_step_status
from .storable import StepOutputTooLarge, UnstorableOutput, storable_output, storable_text


class RunnableWorkflow(Protocol):
    """What starting a run reads of a workflow (the workflows package's model has it)."""

    id: int
    owner_id: int
    definition: dict[str, Any]
    version: int
    save_policy: str


def start_execution(
    workflow: RunnableWorkflow,
    trigger: str,
    payload: Any,
    *,
    definition: dict[str, Any] | None = None,
    version: int | None = None,
    retry_of: int | None = None,
) -> ExecutionLog:
    """Record a new run and commit, then enqueue the steps that follow its trigger.

    One transaction writes the run (queued, with its payload, its definition snapshot and
    the workflow's save policy) and all its steps in one INSERT, the trigger's step among
    them already a success (its output is the payload): nothing is enqueued for it. The
    database is the record: if the broker is down the run is still accepted, and the
    reconciler sends its ready steps later.
    """
    log, sends = create_execution(workflow, trigger, payload, definition=definition, version=version,
                                  retry_of=retry_of)
    send_steps(sends)
    return log


def create_execution(
    workflow: RunnableWorkflow,
    trigger: str,
    payload: Any,
    *,
    definition: dict[str, Any] | None = None,
    version: int | None = None,
    retry_of: int | None = None,
) -> tuple[ExecutionLog, list[Send]]:
    """``start_execution`` up to the commit: the run committed, and the messages to send."""
    definition = definition if definition is not None else workflow.definition
    graph = Graph.from_definition(definition)
    trigger_id = graph.roots()[0]
    now = utcnow()
    log = ExecutionLog(
        workflow_id=workflow.id, owner_id=workflow.owner_id, status="queued", trigger=trigger,
        workflow_version=version if version is not None else workflow.version,
        definition=definition, payload=payload, retry_of=retry_of, save_policy=workflow.save_policy,
        started_at=now, updated_at=now,
    )
    db.session.add(log)
    db.session.flush()  # its id
    announce_created(db.session, log)
    run = RunState(Record(**{name: getattr(log, name) for name in RUN_COLUMNS}, payload=payload),
                   {node_id: Record(id=None, node_id=node_id, type=node["type"], status="pending", attempts=0,
                                    output_port=None, started_at=None, finished_at=None, input=None,
                                    output=None, error=None)
                    for node_id, node in graph.nodes.items()},
                   graph, trigger_id=trigger_id)
    output, error = _trigger_output(trigger_id, payload)
    step = run.steps[trigger_id]
    ready: list[str] = []
    if error is None:
        set_step_status(db.session, run.log, step, "success", attempts=1, started_at=now, finished_at=now,
                        input=payload, output=output, output_port="main")
        run.outputs[trigger_id] = output
        ready = advance(run, trigger_id)
        finish_if_done(run)
    else:
        set_step_status(db.session, run.log, step, "failed", attempts=1, started_at=now, finished_at=now,
                        input=payload, error=error)
        fail_execution(run, error)
    # Every step as decided so far, in one INSERT (with no data if the save policy dropped it).
    rows = []
    for record in run.steps.values():
        record.changed.clear()
        row = {name: value for name, value in record.__dict__.items() if name not in ("id", "changed")}
        if run.drop_bodies:
            row.update(input=None, output=None)
        rows.append({"log_id": log.id, **row})
    db.session.execute(insert(STEPS), rows)
    run.drop_bodies = False
    run.log.changed.pop("updated_at", None)  # stamped at creation already
    if run.log.changed:
        run.write()  # the run ended with its trigger: its status, result and save policy
        for name, value in run.log.__dict__.items():
            if name != "changed":
                set_committed_value(log, name, value)  # the caller sees it without a SELECT
    db.session.commit()
    return log, ([] if run.log.status in FINISHED_EXECUTION else [Send(log.id, node_id) for node_id in ready])


def _trigger_output(trigger_id: str, payload: Any) -> tuple[Any, dict[str, Any] | None]:
    """The trigger step's output (the payload as it is stored), or the error that fails it."""
    try:
        return storable_output(payload, trigger_id, current_app.config["STEP_OUTPUT_MAX_BYTES"]), None
    except (UnstorableOutput, StepOutputTooLarge) as exc:
        return None, {"message": storable_text(str(exc)), "type": type(exc).__name__, "node_id": trigger_id,
                      "traceback": None}
