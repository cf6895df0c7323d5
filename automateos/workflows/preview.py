"""Preview a node's params against the trigger's sample data (the editor's live preview).

The scope is what a run started by the sample would give the node, as far as it is known
without running anything: ``trigger`` and ``nodes[<trigger id>]`` are the sample, and
``input`` is the sample for a node the trigger feeds directly (else null: what the nodes
in between would output is not known). Each expression is evaluated on its own, by
:func:`automateos.expressions.evaluate_params` (the one evaluator), so one failing
expression is reported at its param and the others still show.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ..errors import abort
from ..expressions import ExpressionError, evaluate_params, is_expression
from .models import Workflow
from .schemas import NODE_ID


class PreviewInSchema(Schema):
    """Which node to preview, and optionally its params as the editor holds them now."""

    node_id = fields.String(required=True, validate=validate.Regexp(NODE_ID, error="must be a node id"))
    params = fields.Dict(metadata={"description": "params to evaluate (unsaved edits); absent: the saved node's"})


class PreviewSchema(Schema):
    """A node's params evaluated against the sample; ``errors`` by param path."""

    node_id = fields.String(required=True)
    params = fields.Raw(required=True, metadata={"description": "the params with each expression's value "
                                                                 "(null where it failed)"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "param path (e.g. fields.total) → why its expression failed"})
    input_known = fields.Boolean(required=True, metadata={"description": "false when nodes between the trigger "
                                                                         "and this one decide its input: it is null"})
    captured_at = fields.DateTime(required=True, metadata={"description": "when the sample was captured"})


def scope_for(workflow: Workflow, node_id: str, trigger_id: str, sample: Any) -> tuple[dict[str, Any], bool]:
    """The names a node's expressions see when the sample starts a run; and whether its
    ``input`` is known (the trigger itself, or a node it feeds directly and alone)."""
    sources = {edge["source"] for edge in workflow.definition.get("edges") or [] if edge["target"] == node_id}
    known = node_id == trigger_id or sources == {trigger_id}
    scope = {
        "input": sample if known else None,
        "nodes": {trigger_id: sample},
        "trigger": sample,
        "execution": {"id": None, "workflow_id": workflow.id, "started_at": None},
    }
    return scope, known


def evaluate_each(params: Any, scope: dict[str, Any], node_id: str) -> tuple[Any, dict[str, str]]:
    """``params`` with every expression evaluated, and the failures by param path."""
    errors: dict[str, str] = {}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {key: walk(item, f"{path}.{key}" if path else str(key)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, f"{path}.{index}" if path else str(index)) for index, item in enumerate(value)]
        if not is_expression(value):
            return value
        try:
            return evaluate_params(value, scope, node_id)
        except ExpressionError as exc:
            errors[path or "(params)"] = exc.reason
            return None

    return walk(params, ""), errors


def preview(workflow: Workflow, sample: dict[str, Any], node_id: str, params: Any | None) -> dict[str, Any]:
    """Evaluate node ``node_id``'s params (``params``, else the saved ones) against the
    sample (:func:`automateos.workflows.test_events.sample_of`); 422 for an unknown node,
    409 before any sample was captured."""
    node = next((n for n in workflow.definition["nodes"] if n["id"] == node_id), None)
    if node is None:
        abort(422, message=f"The workflow has no node '{node_id}'.", errors={"json": {"node_id": ["unknown node"]}})
    if sample["captured_at"] is None:
        abort(409, message="No test event yet: listen for one and send it to the test URL first.")
    # The trigger as the workflow has it now (its id may have changed since the capture).
    scope, known = scope_for(workflow, node_id, workflow.trigger_node()["id"], sample["sample"])
    scope["execution"]["started_at"] = sample["captured_at"].isoformat()
    evaluated, errors = evaluate_each(node.get("params") or {} if params is None else params, scope, node_id)
    return {"node_id": node_id, "params": evaluated, "errors": errors, "input_known": known,
            "captured_at": sample["captured_at"]}
