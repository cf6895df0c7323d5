"""The ``delay`` node: waits, then passes its input on."""
from __future__ import annotations

import time
from typing import Any

from marshmallow import Schema, fields, validate

from ..base import Node, NodeContext

MAX_DELAY_SECONDS = 3600
_SLICE_SECONDS = 0.1  # short sleeps let an asynchronous time-limit exception land promptly


class DelayParams(Schema):
    """Params of the ``delay`` node."""

    seconds = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=MAX_DELAY_SECONDS),
        metadata={"description": "How long to wait, in seconds."},
    )


class DelayNode(Node):
    """Waits ``seconds`` and outputs its input unchanged."""

    type = "delay"
    name = "Delay"
    description = "Waits for a number of seconds, then passes its input on."
    category = "action"
    params_schema = DelayParams
    timeout_seconds = 3700.0  # the longest delay plus headroom

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Sleep in short slices, then return the input."""
        deadline = time.monotonic() + params["seconds"]
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(_SLICE_SECONDS, remaining))
        return input
