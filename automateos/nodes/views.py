"""``GET /api/nodes``: the node types the editor can offer, with their params JSON Schema."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .params import params_json_schema
from .registry import load_node_types

blp = Blueprint("nodes", __name__, url_prefix="/api/nodes", description="Node types")


class NodeTypeSchema(Schema):
    """A node type as the editor sees it."""

    type = fields.String()
    name = fields.String()
    description = fields.String()
    category = fields.String()
    version = fields.Integer()
    outputs = fields.List(fields.String())
    joins_branches = fields.Boolean(metadata={"description": "takes several incoming edges (as merge)"})
    blocking = fields.Boolean(metadata={"description": "waits on the network or a clock"})
    max_retries = fields.Integer()
    retry_backoff = fields.Float()
    timeout_seconds = fields.Float()
    params_schema = fields.Dict(metadata={"description": "JSON Schema of the node's params"})


def describe(node_cls: type) -> dict[str, Any]:
    """The catalogue entry of one node type."""
    return {
        "type": node_cls.type, "name": node_cls.name, "description": node_cls.description,
        "category": node_cls.category, "version": node_cls.version, "outputs": list(node_cls.outputs),
        "joins_branches": node_cls.joins_branches, "blocking": node_cls.blocking,
        "max_retries": node_cls.max_retries, "retry_backoff": node_cls.retry_backoff,
        "timeout_seconds": node_cls.timeout_seconds, "params_schema": params_json_schema(node_cls),
    }


@blp.route("")
class NodeTypes(MethodView):
    @blp.doc(security=[])  # public: the catalogue holds no user data
    @blp.response(200, NodeTypeSchema(many=True))
    def get(self) -> Any:
        """Every installed node type, triggers first."""
        order = {"trigger": 0, "action": 1, "logic": 2}
        types = sorted(load_node_types().values(), key=lambda c: (order.get(c.category, 9), c.type))
        return [describe(c) for c in types]
