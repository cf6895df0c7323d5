"""Schemas of the execution-log endpoints: the arguments of the list, count, retry and
cleanup endpoints and their pages (a run's own shapes are engine/schemas.py's)."""
from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ..jsonbody import storable_text
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from ..workflows.models import WORKFLOW_ID_MAX
from ..engine.models import EXECUTION_STATUSES, FINISHED_EXECUTION, TRIGGERS
from ..engine.schemas import LOG_ID_MAX, ExecutionLogSummarySchema

# Cleanup's ``days``: a century is more than any history; far more would put the
# cutoff before year 1, which no date can express.
MAX_DAYS = 36_500


# --- list and count -----------------------------------------------------------------

def encode_cursor(started_at: datetime, log_id: int) -> str:
    """The opaque keyset cursor that points just after the run (started_at, id)."""
    raw = f"{started_at.astimezone(timezone.utc).isoformat()}|{log_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(started_at, id) of a cursor; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        started, log_id = raw.split("|")
        when = datetime.fromisoformat(started)
        if when.tzinfo is None or not 1 <= int(log_id) <= LOG_ID_MAX:
            raise ValueError(cursor)
        return when.astimezone(timezone.utc), int(log_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


class CursorField(fields.String):
    """An opaque keyset cursor, loaded as (started_at, id)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[datetime, int]:
        try:
            return decode_cursor(super()._deserialize(value, attr, data, **kwargs))
        except ValueError:
            raise ValidationError("Invalid cursor: pass the next_cursor of a previous page.") from None


class ChoiceList(fields.List):
    """One or several choices: ``?status=failed&status=running`` or ``?status=failed,running``."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any):
        self.choices = choices
        super().__init__(fields.String(validate=validate.OneOf(choices)), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValidationError("Not a valid list.")
        # Every part must be a choice: an empty one ("?status=") is refused, as the spec says.
        split = [part.strip() for item in items if isinstance(item, str) for part in item.split(",")]
        return tuple(dict.fromkeys(super()._deserialize(split, attr, data, **kwargs)))


class UTCDateTimeField(fields.DateTime):
    """An ISO 8601 time loaded as aware UTC (no zone = UTC, like every time the API
    returns); a time that has no UTC equivalent (``0001-01-01T00:00:00+14:00``) is 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        when = super()._deserialize(value, attr, data, **kwargs)
        try:
            return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
        except OverflowError:
            raise ValidationError("Time is out of range once converted to UTC.") from None


class LogFilterArgsSchema(Schema):
    """Filters shared by the list and the count of execution logs."""

    status = ChoiceList(EXECUTION_STATUSES, load_default=(),
                        metadata={"description": "one or several of " + ", ".join(EXECUTION_STATUSES)})
    trigger = ChoiceList(TRIGGERS, load_default=(), metadata={"description": "one or several of " + ", ".join(TRIGGERS)})
    since = UTCDateTimeField(metadata={"description": "started at or after (ISO 8601; no zone = UTC)"})
    until = UTCDateTimeField(metadata={"description": "started before (ISO 8601; no zone = UTC)"})
    q = fields.String(validate=[validate.Length(min=3, max=200), storable_text],
                      metadata={"description": "text found in the payload, result or error (case-insensitive)"})

    @post_load
    def _order(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("since must be earlier than until.", "until")
        return data


class OwnerLogFilterArgsSchema(LogFilterArgsSchema):
    """The filters over all of the caller's workflows."""

    workflow_id = fields.Integer(validate=validate.Range(min=1, max=WORKFLOW_ID_MAX))


class _PageArgs(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET),
                            metadata={"description": "rows to skip (the cost grows with the depth: prefer cursor)"})
    cursor = CursorField(metadata={"description": "next_cursor of the previous page (stable while runs arrive)"})

    @validates_schema
    def _one_way_to_page(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("cursor") and data.get("offset"):
            raise ValidationError("Use either cursor or offset, not both.", "offset")


class LogListArgsSchema(_PageArgs, LogFilterArgsSchema):
    """Filters and page of a workflow's execution logs, newest first."""


class OwnerLogListArgsSchema(_PageArgs, OwnerLogFilterArgsSchema):
    """Filters and page of all the caller's execution logs, newest first."""


class ExecutionLogPageSchema(Schema):
    """A page of runs, newest first; ``next_cursor`` is null on the last page."""

    items = fields.List(fields.Nested(ExecutionLogSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class LogCountSchema(Schema):
    """How many runs match the filters."""

    count = fields.Integer(required=True)


# --- retry and cleanup --------------------------------------------------------------

class RetryInSchema(Schema):
    """How to re-run a finished run."""

    mode = fields.String(load_default="original", validate=validate.OneOf(("original", "latest")),
                         metadata={"description": "original: the definition the run used; latest: the workflow's current one"})
    payload = fields.Raw(allow_none=True, metadata={"description": "replaces the run's input when given"})


class CleanupArgsSchema(Schema):
    """Which of the caller's finished runs to delete."""

    days = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_DAYS),
                          metadata={"description": "delete runs that started more than this many days ago"})
    status = fields.String(validate=validate.OneOf(FINISHED_EXECUTION),
                           metadata={"description": "only runs of this status (queued and running are never deleted)"})
    workflow_id = fields.Integer(validate=validate.Range(min=1, max=WORKFLOW_ID_MAX))
    dry_run = fields.Boolean(load_default=False, metadata={"description": "count, delete nothing"})


class CleanupResultSchema(Schema):
    """What a cleanup matched and deleted."""

    matched = fields.Integer(required=True)
    deleted = fields.Integer(required=True)
    dry_run = fields.Boolean(required=True)
    older_than = fields.DateTime(required=True)
