"""Schemas of the workflow API, the workflow definition's among them.

A definition is checked when the request is parsed, in two passes that each answer field
by field under ``errors.json.definition``: first each node and edge alone (shape, a known
node type, params that fit its ``params_schema``, step overrides in range), then, when
they all pass, the graph rules of engine/graph.py (one trigger, ports, acyclic, ...).
What a client sends is stored as sent: keys the schemas do not name (the editor's own)
are kept, and nothing is converted.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from flask import request
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow.error_store import merge_errors

from ..engine.graph import Problem, graph_problems
from ..nodes.params import validate_params
from ..nodes.registry import UnknownNodeType, get_node_type
from ..pagination import page_envelope

SAVE_POLICIES = ("all", "failed_only", "none")
NODE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


class StepNumber(fields.Float):
    """A JSON number taken as sent (int or float; a string or a boolean is refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return value


def _override(low: float, high: float, what: str) -> StepNumber:
    # null was let through before, and then failed every run of the node (the runner
    # reads a number): it is refused here, where the client can see why.
    return StepNumber(
        validate=validate.Range(min=low, max=high, error=f"must be a number from {low} to {high}"),
        metadata={"description": f"{what}; overrides the node type's default (absent: the default)"},
    )


class DefinitionNodeSchema(Schema):
    """A node of a definition: its type, its params, and optional step overrides."""

    class Meta:
        unknown = INCLUDE  # the editor may keep its own keys on a node

    id = fields.String(required=True, validate=validate.Regexp(NODE_ID, error="must be 1-100 letters, digits, '_' or '-'"))
    type = fields.String(required=True, metadata={"description": "a node type of GET /api/nodes"})
    # name and position were never checked, and stay free (the spec says so: no type).
    name = fields.Raw(allow_none=True, metadata={"description": "label the editor shows (a string)"})
    position = fields.Raw(allow_none=True, metadata={
        "description": "where the editor draws the node ({x, y} in pixels); ignored by the engine",
    })
    params = fields.Dict(metadata={
        "description": "checked against the node type's params_schema (GET /api/nodes); a string param may be "
                       "an expression {{ ... }}, then only its syntax is checked here",
    })
    max_retries = _override(0, 10, "retries after a failed attempt")
    retry_backoff = _override(0, 3600, "seconds before the first retry, doubled each time")
    timeout_seconds = _override(0.1, 7200, "time limit of one attempt, in seconds")

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _params_fit_the_type(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        if "type" not in data:
            return
        try:
            node_cls = get_node_type(data["type"])
        except UnknownNodeType:
            raise ValidationError(
                f"unknown node type '{data['type']}' (GET /api/nodes lists the installed types)", "type"
            ) from None
        if "params" not in data and isinstance(original, Mapping) and "params" in original:
            return  # not an object: said on the field already
        errors = validate_params(node_cls, data.get("params") or {})
        if errors:
            raise ValidationError(errors, "params")


class DefinitionEdgeSchema(Schema):
    """An edge: ``source``'s output port ``output`` feeds ``target``."""

    class Meta:
        unknown = INCLUDE

    source = fields.String(required=True, metadata={"description": "id of the node the edge leaves"})
    target = fields.String(required=True, metadata={"description": "id of the node the edge enters"})
    output = fields.String(metadata={"description": "output port of the source (absent: main; the if node has true/false)"})


class DefinitionSchema(Schema):
    """A workflow definition: nodes and the edges between them (DESIGN.md)."""

    class Meta:
        unknown = INCLUDE

    nodes = fields.List(fields.Nested(DefinitionNodeSchema), required=True, validate=validate.Length(min=1))
    edges = fields.List(fields.Nested(DefinitionEdgeSchema), metadata={"description": "absent: no edges"})

    @validates_schema
    def _graph_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Runs only when every node and edge passed alone, as the rules need known types.
        problems = graph_problems(data, get_node_type)
        if problems:
            raise ValidationError(located_errors(problems))


def located_errors(problems: list[Problem]) -> dict[str, Any]:
    """Problems as marshmallow's nested error dict, e.g. ``{"edges": {3: {"output": [...]}}}``."""
    errors: Any = {}
    for problem in problems:
        nested: Any = [problem.message]
        for part in reversed(problem.path):
            nested = {part: nested}
        errors = merge_errors(errors, nested)
    return errors


def param_errors_at_nodes(definition: Mapping[str, Any], by_node: Mapping[str, Mapping[str, list[str]]]) -> dict[str, Any]:
    """``{node id: {param: [message]}}`` (a check that needs more than the definition, e.g.
    the owner's credentials) placed where the schema puts its own: the 422's ``errors``."""
    index = {node["id"]: i for i, node in reversed(list(enumerate(definition["nodes"])))}
    nodes = {index[node_id]: {"params": dict(params)} for node_id, params in by_node.items() if node_id in index}
    return {"json": {"definition": {"nodes": nodes}}}


class DefinitionField(fields.Nested):
    """The ``definition`` of a workflow: loaded whole by :class:`DefinitionSchema`, dumped as stored."""

    def __init__(self, **kwargs: Any):
        super().__init__(DefinitionSchema, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, partial: Any = None,
                     **kwargs: Any) -> Any:
        # A PATCH loads its body partially; a definition it carries must still be whole.
        return super()._deserialize(value, attr, data, partial=None, **kwargs)

    def _serialize(self, nested_obj: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        # Checked when saved: sent back as stored, with the keys the schemas do not name.
        return nested_obj


class WorkflowInSchema(Schema):
    """A workflow as written by the client (POST, PUT; PATCH takes any subset)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    definition = DefinitionField(required=True)
    active = fields.Boolean(load_default=True)
    retention_days = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=3650),
                                    metadata={"description": "overrides LOG_RETENTION_DAYS"})
    keep_failed_days = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=3650),
                                      metadata={"description": "retention of failed runs, may exceed retention_days"})
    save = fields.String(load_default="all", attribute="save_policy", validate=validate.OneOf(SAVE_POLICIES),
                         metadata={"description": "keep payload/result bodies of all runs, failed runs only, or none"})


class WorkflowPatchSchema(WorkflowInSchema):
    """PATCH body: any subset of the writable fields."""


class WorkflowSchema(Schema):
    """A workflow as the API shows it."""

    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    definition = DefinitionField()
    active = fields.Boolean()
    version = fields.Integer()
    trigger_type = fields.String()
    webhook_url = fields.Method("_webhook_url")
    next_run_at = fields.DateTime(allow_none=True)
    retention_days = fields.Integer(allow_none=True)
    keep_failed_days = fields.Integer(allow_none=True)
    save = fields.String(attribute="save_policy")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _webhook_url(self, workflow: Any) -> str:
        return f"{request.host_url.rstrip('/')}/api/hooks/{workflow.webhook_token}"


WorkflowPageSchema = page_envelope(WorkflowSchema)


class RunInSchema(Schema):
    """Body of a manual run."""

    payload = fields.Raw(load_default=None, allow_none=True, metadata={"description": "any JSON"})


class HookAcceptedSchema(Schema):
    """A webhook call was accepted (or finished, with ``respond: when_finished``)."""

    log_id = fields.Integer(required=True)
    status = fields.String()
    result = fields.Raw(allow_none=True)
    error = fields.String(allow_none=True)
