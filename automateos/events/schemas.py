"""Schemas of the live-events API: the stream's query, the stream token, and event data."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..jsonbody import storable_text
from ..engine.schemas import LOG_ID_MAX, ExecutionLogSummarySchema, duration_ms
from ..workflows.models import WORKFLOW_ID_MAX


class EventStreamArgsSchema(Schema):
    """Query of ``GET /api/events``."""

    token = fields.String(metadata={"description": "stream token from POST /api/events/token (for EventSource, "
                                                   "which cannot send headers); else send an access token as Bearer"})
    workflow_id = fields.Integer(validate=validate.Range(min=1, max=WORKFLOW_ID_MAX), metadata={"description": "only this workflow's runs"})
    log_id = fields.Integer(validate=validate.Range(min=1, max=LOG_ID_MAX), metadata={"description": "only this run"})
    last_event_id = fields.String(validate=[validate.Length(max=64), storable_text],
                                  metadata={"description": "resume after this event id; the Last-Event-ID header wins"})


class StreamTokenSchema(Schema):
    """A short-lived token that opens ``GET /api/events`` and nothing else."""

    token = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class ExecutionEventSchema(ExecutionLogSummarySchema):
    """Data of ``execution.created`` and ``execution.updated``: the run's summary (with its
    ``workflow_id``) and when it last moved. Never its payload or result."""

    updated_at = fields.DateTime()


class StepEventSchema(Schema):
    """Data of ``step.updated``: one node's step of a run. Never its input or output."""

    log_id = fields.Integer()
    workflow_id = fields.Integer()
    node_id = fields.String()
    type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    duration_ms = fields.Function(duration_ms, allow_none=True)


class ResetEventSchema(Schema):
    """Data of ``events.reset``: events after ``last_event_id`` are gone; refetch state."""

    last_event_id = fields.String(allow_none=True, metadata={"description": "the id the client asked to resume after"})
    reason = fields.String()


class ReadyEventSchema(Schema):
    """Data of ``events.ready``: the replay is done; live events follow."""

    last_event_id = fields.String(metadata={"description": "the stream's position (also this event's id)"})


class TestEventSchema(Schema):
    """Data of ``workflow.test_event``: the workflow's test URL captured a delivery (no run
    started). Never the sample itself: ``GET /api/workflows/{id}/sample`` holds it."""

    workflow_id = fields.Integer()
    node_id = fields.String(metadata={"description": "the trigger node that caught it"})
    captured_at = fields.DateTime()
    method = fields.String()
