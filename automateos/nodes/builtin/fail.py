"""The ``fail`` node: stops the run with a message of the user's choosing."""
from __future__ import annotations

from typing import Any, NoReturn

from marshmallow import Schema, fields, validate

from ..base import Node, NodeContext, NodeError


class FailParams(Schema):
    """Params of the ``fail`` node."""

    message = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "The error message the step fails with."},
    )


class FailNode(Node):
    """Fails the step (and so the execution) with ``message``."""

    type = "fail"
    name = "Fail"
    description = "Fails the execution with the given message."
    category = "action"
    params_schema = FailParams
    max_retries = 0  # failing is the point; retrying would fail the same way
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> NoReturn:
        """Raise the configured message."""
        raise NodeError(params["message"])
