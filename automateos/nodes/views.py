"""``GET /api/nodes``: the node types the editor can offer, with their params JSON Schema;
``GET /api/nodes/problems``: the plugins the registry skipped, and why."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .params import params_json_schema
from .registry import CATEGORIES, PluginEntry, registry

blp = Blueprint("nodes", __name__, url_prefix="/api/nodes", description="Node types")

PROBLEMS_HEADER = "X-Node-Problems"


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
    credential_type = fields.String(allow_none=True, metadata={
        "description": "credential type its `credential` param takes (GET /api/credential-types), or null"})
    package = fields.String(allow_none=True, metadata={"description": "distribution that provides it"})
    package_version = fields.String(allow_none=True)


class PluginProblemSchema(Schema):
    """A plugin entry point the registry skipped."""

    type = fields.String(metadata={"description": "node type the entry point claims"})
    target = fields.String(metadata={"description": "module:Class it points to"})
    package = fields.String(allow_none=True)
    package_version = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "import_error | contract_violation | duplicate"})
    message = fields.String()


def describe(node_cls: type, entry: PluginEntry | None = None) -> dict[str, Any]:
    """The catalogue entry of one node type (``entry`` adds the package that provides it)."""
    return {
        "type": node_cls.type, "name": node_cls.name, "description": node_cls.description,
        "category": node_cls.category, "version": node_cls.version, "outputs": list(node_cls.outputs),
        "joins_branches": node_cls.joins_branches, "blocking": node_cls.blocking,
        "max_retries": node_cls.max_retries, "retry_backoff": node_cls.retry_backoff,
        "timeout_seconds": node_cls.timeout_seconds, "params_schema": params_json_schema(node_cls),
        "credential_type": node_cls.credential_type,
        "package": entry.package if entry else None,
        "package_version": entry.package_version if entry else None,
    }


@blp.route("")
class NodeTypes(MethodView):
    @blp.doc(security=[])  # public: the catalogue holds no user data
    @blp.response(200, NodeTypeSchema(many=True), headers={
        PROBLEMS_HEADER: {"description": "how many plugins were skipped (GET /api/nodes/problems)",
                          "schema": {"type": "integer"}}})
    def get(self) -> Any:
        """Every installed node type, triggers first."""
        current = registry()
        loaded = sorted(current.loaded.values(),
                        key=lambda e: (CATEGORIES.index(e.node_class.category), e.type))  # type: ignore[union-attr]
        body = [describe(e.node_class, e) for e in loaded]
        return body, 200, {PROBLEMS_HEADER: str(len(current.problems()))}


@blp.route("/problems")
class NodeProblems(MethodView):
    decorators = [jwt_required()]  # messages may name packages and paths of the server

    @blp.response(200, PluginProblemSchema(many=True))
    def get(self) -> Any:
        """Plugins that failed to import, break the contract or claim a taken type: each
        is skipped, never fatal."""
        return [e.as_dict() for e in registry().problems()]
