"""The ``transform`` node: builds a new object out of expressions."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ..base import Node, NodeContext


class TransformParams(Schema):
    """Params of the ``transform`` node."""

    # marshmallow moves declared fields off the class, so this name cannot shadow Schema.fields.
    fields = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Output field name -> value, usually an expression."},
    )


class TransformNode(Node):
    """Outputs the evaluated ``fields`` object."""

    type = "transform"
    name = "Transform"
    description = "Builds an object whose fields are computed by expressions."
    category = "action"
    params_schema = TransformParams
    timeout_seconds = 10.0
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Return the fields; the engine already evaluated their expressions."""
        return params["fields"]
