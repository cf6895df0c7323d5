"""How a run moves once a step is decided: which successors are ready or skipped, and the
end of the run (success with its result, or failure), with its save policy applied.

Used by the runner, the reconciler and the start of a run, on a loaded ``RunState``.
"""
from __future__ import annotations

from typing import Any

from ..db_types import utcnow
from ..extensions import db
from .models import FINISHED_EXECUTION, FINISHED_STEP
from .rules import DEAD, READY, readiness
from .state import RunState
from .status import set_execution_status, set_step_status


def advance(run: RunState, node_id: str) -> list[str]:
    """After ``node_id`` finished: successors that are now ready to run.

    A successor is decided once every incoming edge is: it runs when at least one edge
    delivered, and is ``skipped`` (and so on downstream) when none did.
    """
    graph, steps = run.graph, run.steps
    assert graph is not None
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
            set_step_status(db.session, run.log, step, "skipped", finished_at=utcnow())
            todo.extend(graph.successors(target))
    return ready


def all_steps_finished(run: RunState) -> bool:
    """True when no step of the run is left pending or running."""
    return all(s.status in FINISHED_STEP for s in run.steps.values())


def fail_execution(run: RunState, error: dict[str, Any]) -> None:
    """End a run as failed: the error is the run's, steps not yet started are skipped."""
    now = utcnow()
    for step in run.steps.values():
        if step.status == "pending":
            set_step_status(db.session, run.log, step, "skipped", finished_at=now)
    set_execution_status(db.session, run.log, "failed", error=error)
    if save_policy(run) == "none":
        drop_bodies(run)


def finish_execution(run: RunState) -> None:
    """End a run as success; its result is the output of the last node(s) that ran."""
    assert run.graph is not None
    outputs = {node_id: run.outputs[node_id] for node_id in run.graph.leaves()
               if run.steps[node_id].status == "success" and run.steps[node_id].output_port is not None}
    result = next(iter(outputs.values())) if len(outputs) == 1 else (outputs or None)
    set_execution_status(db.session, run.log, "success", result=result)
    if save_policy(run) in ("failed_only", "none"):
        drop_bodies(run)


def finish_if_done(run: RunState) -> None:
    """Finish the run as success when it is still going and every step is decided."""
    if run.log.status not in FINISHED_EXECUTION and all_steps_finished(run):
        finish_execution(run)


def save_policy(run: RunState) -> str:
    """The workflow's ``save`` policy when the run started (snapshot; "all" for runs older
    than the snapshot column)."""
    return run.log.save_policy or "all"


def drop_bodies(run: RunState) -> None:
    """Forget a finished run's payload, result and step data (the workflow's ``save`` policy:
    ``failed_only`` keeps them for failed runs only, ``none`` for no run; errors stay)."""
    run.log.payload = None
    run.log.result = None
    run.drop_bodies = True
