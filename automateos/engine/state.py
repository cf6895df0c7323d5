"""A run as the engine works on it: its row and its steps, read once, written once.

The runner, the reconciler and the start of a run change a run through plain records
rather than ORM objects: a segment of forty steps reads the run and its steps in two
SELECTs (the run's row locked), changes the records in memory and writes them back as
Core ``UPDATE``s at the end, one statement per set of changed columns (executemany),
instead of the ORM's bookkeeping per object and statement per row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, bindparam, select

from ..extensions import db
from ..nodes.registry import UnknownNodeType, get_node_type, node_version
from .graph import Graph
from .models import ExecutionLog, StepLog

RUNS: Table = ExecutionLog.__table__
STEPS: Table = StepLog.__table__

# What a segment reads: never a run's result or error, nor a step's input or error.
RUN_COLUMNS = ("id", "workflow_id", "owner_id", "status", "trigger", "workflow_version", "retry_of",
               "started_at", "finished_at", "updated_at", "save_policy")
# What a save policy that drops a run's data clears on its steps (the log lines may quote it).
STEP_BODIES = ("input", "output", "logs")
STEP_COLUMNS = ("id", "node_id", "type", "status", "attempts", "output_port", "started_at", "finished_at",
                "next_attempt_at", "lease_expires_at")


class Record:
    """A row's values as attributes; what is assigned after loading is written back.

    ``changed`` keeps the assigned values by column name until ``RunState.write``.
    """

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)
        self.__dict__["changed"] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value
        self.changed[name] = value

    def __repr__(self) -> str:
        return f"Record({self.__dict__!r})"


@dataclass
class RunState:
    """A run's row (``log``), its steps by node id and its graph, loaded in one transaction.

    Parameters:
        log: the run's record (``definition`` and ``payload`` only when loaded with bodies).
        steps: its steps by node id (``output`` only when loaded with bodies).
        graph: the graph of its definition snapshot (None when loaded without bodies).
        drop_bodies: set when the save policy drops the run's data: ``write`` then clears
            every step's input, output and log lines in one statement.
    """

    log: Record
    steps: dict[str, Record]
    graph: Graph | None = None
    drop_bodies: bool = False
    outputs: dict[str, Any] = field(default_factory=dict)  # successful steps' outputs
    trigger_id: str | None = None  # the graph's root

    # What the registry says of each node type of the run, asked once per type and segment:
    # its class and what its steps record as having run them (both None: not installed or
    # disabled).
    types: dict[str, tuple[type | None, dict[str, Any] | None]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.log.id

    def _registered(self, node_id: str) -> tuple[type | None, dict[str, Any] | None]:
        name = self.steps[node_id].type
        found = self.types.get(name)
        if found is None:
            try:
                found = (get_node_type(name), node_version(name))
            except UnknownNodeType:
                found = (None, None)
            self.types[name] = found
        return found

    def find_type(self, node_id: str) -> type | None:
        """The node class of a step, or None when its type is not installed (or disabled)."""
        return self._registered(node_id)[0]

    def node_version(self, node_id: str) -> dict[str, Any] | None:
        """What a step of this node runs on: ``{"node", "package", "package_version"}``
        (None when its type is not installed)."""
        return self._registered(node_id)[1]

    def write(self) -> None:
        """Write every changed value of the run and its steps (the transaction stays open)."""
        session = db.session
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for step in self.steps.values():
            if step.changed:
                if self.drop_bodies:
                    for body in STEP_BODIES:
                        step.changed.pop(body, None)
                    if not step.changed:
                        continue
                by_columns.setdefault(tuple(sorted(step.changed)), []).append({"_id": step.id, **step.changed})
                step.changed.clear()
        for columns, rows in by_columns.items():
            session.execute(_update(STEPS, columns), rows)
        if self.drop_bodies:
            session.execute(STEPS.update().where(STEPS.c.log_id == self.id).values(dict.fromkeys(STEP_BODIES)))
        if self.log.changed:
            session.execute(_update(RUNS, tuple(sorted(self.log.changed))), [{"_id": self.id, **self.log.changed}])
            self.log.changed.clear()


def _update(table: Table, columns: tuple[str, ...]) -> Any:
    """``UPDATE table SET c = :c ... WHERE id = :_id``, typed by the columns."""
    cols: dict[str, Column] = table.c  # type: ignore[assignment]
    return (table.update().where(cols["id"] == bindparam("_id"))
            .values({name: bindparam(name, type_=cols[name].type) for name in columns}))


def load_run(log_id: int, *, bodies: bool = True, outputs: bool = True, lock: bool = True) -> RunState | None:
    """The run ``log_id`` with its steps, its row locked for this transaction (PostgreSQL),
    or None when it does not exist. ``bodies``: also its definition (and graph) and payload;
    ``outputs`` (with bodies): the steps' outputs, which running a step needs and the
    reconciler does not."""
    run_columns = [RUNS.c[name] for name in RUN_COLUMNS]
    step_columns = [STEPS.c[name] for name in STEP_COLUMNS]
    if bodies:
        run_columns += [RUNS.c.definition, RUNS.c.payload]
    if bodies and outputs:
        step_columns.append(STEPS.c.output)
    query = select(*run_columns).where(RUNS.c.id == log_id)
    row = db.session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        return None
    log = Record(**row._asdict())
    steps = {r.node_id: Record(**r._asdict())
             for r in db.session.execute(select(*step_columns).where(STEPS.c.log_id == log_id))}
    state = RunState(log, steps)
    if bodies:
        state.graph = Graph.from_definition(log.definition)
        state.trigger_id = state.graph.roots()[0]
    if bodies and outputs:
        state.outputs = {node_id: s.output for node_id, s in steps.items() if s.status == "success"}
    return state
