"""Schemas of the dashboard's read endpoints (``/api/stats/...``)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from ..workflows.models import WORKFLOW_ID_MAX
from ..engine.models import EXECUTION_STATUSES, TRIGGERS
from .schemas import UTCDateTimeField
from .summary import BUCKET_SECONDS, MAX_BUCKETS, bucket_count, default_window


class ExecutionStatsArgsSchema(Schema):
    """Query of ``GET /api/stats/executions``."""

    since = UTCDateTimeField(metadata={"description": "started at or after (ISO 8601; no zone = UTC); "
                                                      "default: 7 days before `until`, on a bucket boundary"})
    until = UTCDateTimeField(metadata={"description": "started before (default: now)"})
    bucket = fields.String(load_default="hour", validate=validate.OneOf(tuple(BUCKET_SECONDS)))
    utc_offset_minutes = fields.Integer(
        load_default=0, validate=validate.Range(min=-14 * 60, max=14 * 60),
        metadata={"description": "the caller's offset from UTC (e.g. 120 for UTC+2): where hours and days start"})
    workflow_id = fields.Integer(validate=validate.Range(min=1, max=WORKFLOW_ID_MAX),
                                 metadata={"description": "only this workflow's runs"})

    @post_load
    def _window(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        try:
            since, until = default_window(data["bucket"], data["utc_offset_minutes"], data.get("until"))
        except OverflowError:  # a window reaching back before year 1
            raise ValidationError("until is too early: the window would start before year 1.", "until") from None
        data.setdefault("since", since)
        data["until"] = until
        if data["since"] >= data["until"]:
            raise ValidationError("since must be earlier than until.", "until")
        if bucket_count(data["since"], data["until"], data["bucket"], data["utc_offset_minutes"]) > MAX_BUCKETS:
            raise ValidationError(f"At most {MAX_BUCKETS} buckets: shorten the window or use a larger bucket.", "since")
        return data


class _ByStatusSchema(Schema):
    """Runs per execution status."""

    queued = fields.Integer(required=True)
    running = fields.Integer(required=True)
    success = fields.Integer(required=True)
    failed = fields.Integer(required=True)


class StatusCountsSchema(_ByStatusSchema):
    """Runs per status, and all of them."""

    total = fields.Integer(required=True)


class ExecutionBucketSchema(StatusCountsSchema):
    """One bucket of the series: runs that started in [start, start + bucket)."""

    start = fields.DateTime(required=True)


class ExecutionStatsSchema(Schema):
    """Runs by status per hour or day; every bucket of the window is present, oldest first."""

    bucket = fields.String(required=True, validate=validate.OneOf(tuple(BUCKET_SECONDS)))
    since = fields.DateTime(required=True)
    until = fields.DateTime(required=True)
    utc_offset_minutes = fields.Integer(required=True)
    buckets = fields.List(fields.Nested(ExecutionBucketSchema), required=True)
    totals = fields.Nested(StatusCountsSchema, required=True)


class WorkflowStatsArgsSchema(Schema):
    """Query of ``GET /api/stats/workflows``."""

    recent = fields.Integer(validate=validate.Range(min=1, max=100),
                            metadata={"description": "how many of each workflow's newest runs count "
                                                     "(default: STATS_RECENT_RUNS, 20)"})
    workflow_id = fields.Integer(validate=validate.Range(min=1, max=WORKFLOW_ID_MAX),
                                 metadata={"description": "only this workflow"})


class LastRunSchema(Schema):
    """A workflow's newest run."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(EXECUTION_STATUSES))
    trigger = fields.String(required=True, validate=validate.OneOf(TRIGGERS))
    started_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)


class RecentRunsSchema(_ByStatusSchema):
    """Outcome of a workflow's newest runs."""

    runs = fields.Integer(required=True)


class WorkflowStatsSchema(Schema):
    """A workflow card's numbers."""

    workflow_id = fields.Integer(required=True)
    last_run = fields.Nested(LastRunSchema, allow_none=True, required=True)
    recent = fields.Nested(RecentRunsSchema, required=True)
    success_rate = fields.Float(allow_none=True, required=True,
                                metadata={"description": "success / finished among the recent runs (0..1); "
                                                         "null before any finished run"})
