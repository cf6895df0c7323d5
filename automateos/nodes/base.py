"""The node plugin contract: what a node type declares and the one method it implements.

A node type is a class registered under the ``automateos.nodes`` entry-point group, the
entry-point name being its ``type``. Built-in nodes take the same path as third parties'.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from marshmallow import Schema


class EmptyParams(Schema):
    """Params schema of a node that takes no params."""


@dataclass(frozen=True)
class Emit:
    """Output sent on a named port (e.g. the ``if`` node's ``true``/``false``)."""

    port: str
    data: Any


class Stop:
    """Returned by a node to end its branch: downstream steps become ``skipped``."""

    def __repr__(self) -> str:
        return "STOP"


STOP = Stop()


class NodeError(Exception):
    """A failure a node reports on purpose; its message is shown to the user as is."""


@dataclass
class NodeContext:
    """What a node may know about the run it is part of.

    Parameters:
      execution_id: id of the ExecutionLog.
      workflow_id: id of the workflow.
      node_id: id of the node in the workflow definition.
      attempt: 1 for the first try, 2 for the first retry, ...
      settings: read-only app settings a node may honour (e.g. ``HTTP_ALLOW_PRIVATE``).
    """

    execution_id: int
    workflow_id: int
    node_id: str
    attempt: int = 1
    settings: dict[str, Any] = field(default_factory=dict)


class Node:
    """Base class of every node type.

    Class attributes form the contract shown in ``GET /api/nodes``; ``execute`` does the work.
    ``execute`` gets params with their expressions already evaluated and validated by
    ``params_schema``, and returns JSON-serialisable output, an :class:`Emit` to pick an
    output port, or :data:`STOP` to end the branch. Raising fails the step (and retries it
    while ``max_retries`` allows).
    """

    type: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str] = ""
    category: ClassVar[str] = "action"  # trigger | action | logic
    version: ClassVar[int] = 1
    params_schema: ClassVar[type[Schema]] = EmptyParams
    outputs: ClassVar[tuple[str, ...]] = ("main",)
    max_retries: ClassVar[int] = 0
    retry_backoff: ClassVar[float] = 1.0  # seconds before the first retry; doubles each time
    timeout_seconds: ClassVar[float] = 30.0
    # A node that waits for every incoming branch and receives {source_node_id: output}.
    joins_branches: ClassVar[bool] = False
    # False for a node that only computes (no I/O, no sleeping): the engine then runs its
    # whole step in one short transaction instead of claim, execute and record apart.
    blocking: ClassVar[bool] = True

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Run the node once and return its output."""
        raise NotImplementedError
