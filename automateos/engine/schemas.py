"""The shapes of a run and its steps as the API shows them: a summary for lists, the
public record for one run. Lists (``logs``), live events (``events``) and the run
endpoints (``workflows``) all serve these."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from ..db_types import id_max
from .models import ExecutionLog

LOG_ID_MAX = id_max(ExecutionLog.__table__.c.id)


def duration_ms(obj: Any) -> int | None:
    """Milliseconds from start to finish, None until both are known."""
    start, end = obj.started_at, obj.finished_at
    return None if start is None or end is None else int((end - start).total_seconds() * 1000)


class ExecutionErrorSchema(Schema):
    """Why a run or a step failed."""

    message = fields.String()
    type = fields.String(allow_none=True)
    node_id = fields.String(allow_none=True)
    traceback = fields.String(allow_none=True)


class ExecutionLogSummarySchema(Schema):
    """A run in a list: no bodies, whatever their size."""

    id = fields.Integer()
    workflow_id = fields.Integer()
    status = fields.String()
    trigger = fields.String()
    workflow_version = fields.Integer()
    retry_of = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    duration_ms = fields.Function(duration_ms, allow_none=True)


class StepLogLineSchema(Schema):
    """A line the node logged through ``ctx.log`` (secrets masked)."""

    level = fields.String()
    message = fields.String()
    time = fields.String()


class NodeVersionSchema(Schema):
    """What ran a step: the node type's ``version`` and its distribution's name and version."""

    node = fields.Integer()
    package = fields.String(allow_none=True)
    package_version = fields.String(allow_none=True)


class StepLogSchema(Schema):
    """One node's part in a run."""

    node_id = fields.String()
    type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    output_port = fields.String(allow_none=True)
    input = fields.Raw(allow_none=True)
    output = fields.Raw(allow_none=True)
    error = fields.Nested(ExecutionErrorSchema, allow_none=True)
    # The lines the node logged in its last attempt; null when it logged none.
    logs = fields.List(fields.Nested(StepLogLineSchema), allow_none=True)
    # null for a step that never started, or whose type was not installed.
    node_version = fields.Nested(NodeVersionSchema, allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    duration_ms = fields.Function(duration_ms, allow_none=True)


class ExecutionLogPublicSchema(ExecutionLogSummarySchema):
    """One run in full: payload, result, error with traceback, steps in execution order."""

    payload = fields.Raw(allow_none=True)
    result = fields.Raw(allow_none=True)
    error = fields.Nested(ExecutionErrorSchema, allow_none=True)
    steps = fields.List(fields.Nested(StepLogSchema))
