"""Trigger nodes: where a run starts. Each passes on the payload the engine gives it."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from marshmallow import Schema, ValidationError, fields, validate

from ..base import Node, NodeContext

RESPOND_MODES = ("immediately", "when_finished")


def _valid_cron(value: str) -> None:
    if not croniter.is_valid(value):
        raise ValidationError(f"{value!r} is not a valid cron expression.")


def _valid_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone.") from None


class WebhookParams(Schema):
    """Params of the ``webhook`` trigger."""

    respond = fields.String(
        load_default="immediately",
        validate=validate.OneOf(RESPOND_MODES),
        metadata={"description": "Answer at once (202), or wait for the run to finish."},
    )
    secret = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "If set, callers must sign the body with HMAC-SHA256."},
    )
    respond_timeout_seconds = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=120),
        metadata={"description": "How long a when_finished call waits for the result."},
    )


class ScheduleParams(Schema):
    """Params of the ``schedule`` trigger."""

    cron = fields.String(
        required=True,
        validate=_valid_cron,
        metadata={"description": "When to run, e.g. '*/15 * * * *'."},
    )
    timezone = fields.String(
        load_default="UTC",
        validate=_valid_timezone,
        metadata={"description": "IANA time zone the cron expression is read in."},
    )


class _Trigger(Node):
    """A trigger's output is its input: the payload of the run."""

    category = "trigger"
    max_retries = 0  # the payload is already recorded; replaying a trigger adds nothing
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Pass the run's payload on."""
        return input


class WebhookTrigger(_Trigger):
    """Starts a run when its URL receives an HTTP request."""

    type = "webhook"
    name = "Webhook"
    description = "Starts the workflow when its URL is called; outputs body, headers, query and method."
    params_schema = WebhookParams


class ManualTrigger(_Trigger):
    """Starts a run from the dashboard or the API with a given payload."""

    type = "manual"
    name = "Manual run"
    description = "Starts the workflow on demand; outputs the payload given to the run."


class ScheduleTrigger(_Trigger):
    """Starts a run on a cron schedule."""

    type = "schedule"
    name = "Schedule"
    description = "Starts the workflow on a cron schedule; outputs {scheduled_at}."
    params_schema = ScheduleParams
