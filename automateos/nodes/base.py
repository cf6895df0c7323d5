"""The node plugin contract: what a node type declares and the one method it implements.

A node type is a class registered under the ``automateos.nodes`` entry-point group, the
entry-point name being its ``type``. Built-in nodes take the same path as third parties'.
Everything a plugin author imports lives here: :class:`Node`, :class:`NodeContext`,
:class:`Emit`, :data:`STOP`, :class:`NodeError`, :class:`RetryableNodeError` and
:class:`CredentialId`. docs/writing-nodes.md documents each (a test keeps it so).
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, ClassVar

from marshmallow import Schema, fields, validate

from .errors import NodeError, RetryableNodeError, retry_after, should_retry
from .http import NodeSession, policy_from_settings

__all__ = [
    "CREDENTIAL_PARAM", "STOP", "CredentialId", "Emit", "EmptyParams", "Node", "NodeContext",
    "NodeError", "RetryableNodeError", "StepLogger", "Stop", "retry_after", "should_retry",
]

# The param that holds the credential id of a node whose ``credential_type`` is set.
CREDENTIAL_PARAM = "credential"
MAX_LOG_LINES = 200
MAX_LOG_MESSAGE_CHARS = 2000


class EmptyParams(Schema):
    """Params schema of a node that takes no params."""


class CredentialId(fields.Integer):
    """A param of kind credential: the id of one of the owner's saved credentials.

    The engine checks at run time that the credential belongs to the workflow's owner and
    is of the node's ``credential_type``, and hands the node its decrypted fields as
    ``ctx.credential``; the id itself is all a definition (and so a log) ever holds.
    Exported to JSON Schema with ``"x-credential": true`` so the editor shows a picker.
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": "Id of a saved credential.", **kwargs.pop("metadata", {}), "x-credential": True}
        kwargs.setdefault("validate", validate.Range(min=1))
        super().__init__(strict=True, metadata=metadata, **kwargs)


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


class StepLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """``ctx.log``: a logger whose lines are kept for the step (shown in the run's detail)
    as ``{level, message, time}``, and also go to the process log.

    At most ``MAX_LOG_LINES`` lines of ``MAX_LOG_MESSAGE_CHARS`` are kept; the last kept
    line then says how many were dropped. Never log a secret: the lines are stored.
    """

    def __init__(self, lines: list[dict[str, str]], extra: Mapping[str, object]) -> None:
        super().__init__(logging.getLogger("automateos.nodes.step"), extra)
        self.lines = lines
        self.dropped = 0

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Keep the line for the step, then log it as a standard logger would."""
        self._keep(level, msg, args, kwargs.get("exc_info"))
        super().log(level, msg, *args, **kwargs)

    def _keep(self, level: int, msg: object, args: tuple[object, ...], exc_info: Any) -> None:
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = f"{msg} {args}"
        exc = exc_info if isinstance(exc_info, BaseException) else None
        if exc_info is True:
            exc = sys.exc_info()[1]
        elif isinstance(exc_info, tuple) and len(exc_info) == 3:
            exc = exc_info[1]
        if exc is not None:
            text = f"{text}: {type(exc).__name__}: {exc}"
        # PostgreSQL refuses NUL in text: written out, as step errors are.
        text = text[:MAX_LOG_MESSAGE_CHARS].replace("\x00", "\\u0000")
        line = {"level": logging.getLevelName(level), "message": text,
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds")}
        if len(self.lines) < MAX_LOG_LINES:
            self.lines.append(line)
            return
        self.dropped += 1
        self.lines[-1] = {**line, "level": "WARNING",
                          "message": f"{self.dropped + 1} more log lines dropped (limit {MAX_LOG_LINES})"}


@dataclass
class NodeContext:
    """What a node may know about the run it is part of, and the tools it gets.

    Parameters:
      execution_id: id of the run (ExecutionLog).
      workflow_id: id of the workflow.
      node_id: id of the node in the workflow definition.
      attempt: 1 for the first try, 2 for the first retry, ...
      settings: read-only app settings a node may honour (``HTTP_ALLOW_PRIVATE``, ...).
      step_id: id of the step (StepLog) this attempt belongs to; None outside a run.
      credential: the decrypted fields of the node's credential, or None (filled by the
        engine for a node whose ``credential_type`` is set; never shown in a repr).
      log_lines: the lines ``log`` kept, as ``{level, message, time}``; the engine
        stores them on the step.

    ``log`` is a :class:`StepLogger`; ``http`` a :class:`~automateos.nodes.http.NodeSession`
    built on first use (SSRF guard, default timeout, body cap) and closed by :meth:`close`.
    """

    execution_id: int
    workflow_id: int
    node_id: str
    attempt: int = 1
    settings: Mapping[str, Any] = field(default_factory=dict)
    step_id: int | None = None
    credential: Mapping[str, Any] | None = field(default=None, repr=False)
    log_lines: list[dict[str, str]] = field(default_factory=list, repr=False)

    @cached_property
    def log(self) -> StepLogger:
        """The step's logger."""
        return StepLogger(self.log_lines, {"execution_id": self.execution_id, "node_id": self.node_id,
                                           "step_id": self.step_id, "attempt": self.attempt})

    @cached_property
    def http(self) -> NodeSession:
        """The step's HTTP client (a requests Session with the platform's rules)."""
        return NodeSession(policy_from_settings(self.settings))

    def close(self) -> None:
        """Release what the node used (the HTTP connections); the runner calls it once the
        attempt is over."""
        session = self.__dict__.pop("http", None)
        if session is not None:
            session.close()


class Node:
    """Base class of every node type.

    Class attributes form the contract shown in ``GET /api/nodes``; ``execute`` does the work.
    ``execute`` gets params with their expressions already evaluated and validated by
    ``params_schema``, and returns JSON-serialisable output, an :class:`Emit` to pick an
    output port, or :data:`STOP` to end the branch. Raising :class:`NodeError` fails the
    step; :class:`RetryableNodeError` or any other exception retries it while
    ``max_retries`` allows.
    """

    type: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str] = ""
    category: ClassVar[str] = "action"  # trigger | action | logic
    # The node's own version, recorded on each step with its distribution's version: bump
    # it when params or output change meaning, so a run shows which behaviour produced it.
    version: ClassVar[int] = 1
    params_schema: ClassVar[type[Schema]] = EmptyParams
    outputs: ClassVar[tuple[str, ...]] = ("main",)
    max_retries: ClassVar[int] = 0
    retry_backoff: ClassVar[float] = 1.0  # seconds before the first retry; doubles each time
    timeout_seconds: ClassVar[float] = 30.0
    # A node that waits for every incoming branch and receives {source_node_id: output}.
    joins_branches: ClassVar[bool] = False
    # True when the node waits on the network or a clock. A node that only computes
    # (False) runs inline in its run's current segment, in the same transaction as the
    # steps before and after it; a blocking one gets its own message, and a lease while
    # it works. Never set False on a node that does I/O: it would hold the run's lock.
    blocking: ClassVar[bool] = True
    # The credential type this node needs (a name declared under the
    # ``automateos.credentials`` entry points), or None. When set, the params gain a
    # required ``credential`` (CredentialId) unless the schema declares one itself.
    credential_type: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        schema = cls.params_schema
        if cls.credential_type and isinstance(schema, type) and issubclass(schema, Schema) \
                and CREDENTIAL_PARAM not in schema._declared_fields:
            cls.params_schema = type(schema.__name__, (schema,), {
                "__doc__": schema.__doc__, "__module__": schema.__module__,
                CREDENTIAL_PARAM: CredentialId(required=True),
            })

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Run the node once and return its output."""
        raise NotImplementedError
