"""The workflow definition as nested schemas: errors field by field, graph rules located,
every definition accepted before still accepted, and the spec documenting it all."""
from __future__ import annotations

import json
from typing import Any

import pytest

from automateos.engine.graph import Graph, InvalidDefinition, validate_definition
from automateos.nodes.params import validate_params
from automateos.nodes.registry import get_node_type
from automateos.workflows.schemas import param_errors_at_nodes
from tests.conftest import assert_error, webhook_flow

TRANSFORM = {"id": "shape", "type": "transform", "params": {"fields": {"total": "{{ input.body.amount }}"}}}
MANUAL = {"id": "m", "type": "manual"}


def _at(errors: dict[str, Any], path: str) -> list[str]:
    """The messages at a dotted path of a 422's ``errors`` (``json.definition.nodes.1.id``)."""
    found: Any = errors
    for part in path.split("."):
        assert isinstance(found, dict) and part in found, f"nothing at {path}: {json.dumps(errors)}"
        found = found[part]
    assert isinstance(found, list) and all(isinstance(m, str) for m in found), found
    return found


def _transform(node_id: str) -> dict[str, Any]:
    return {"id": node_id, "type": "transform", "params": {"fields": {"a": 1}}}


# (definition, where under errors.json.definition, text of the message there)
REFUSED = {
    "no nodes": ({"nodes": [], "edges": []}, "nodes", "Shorter than minimum length 1"),
    "nodes missing": ({"edges": []}, "nodes", "Missing data for required field"),
    "node not an object": ({"nodes": [MANUAL, "x"], "edges": []}, "nodes.1._schema", "Invalid input type"),
    "edges null": ({"nodes": [MANUAL], "edges": None}, "edges", "may not be null"),
    "missing id": (webhook_flow({"type": "fail", "params": {}}, edges=[]), "nodes.1.id", "Missing data"),
    "bad id": (webhook_flow({**TRANSFORM, "id": "a b"}, edges=[]), "nodes.1.id", "1-100 letters"),
    "id not a string": (webhook_flow({**TRANSFORM, "id": 7}, edges=[]), "nodes.1.id", "Not a valid string"),
    "duplicate id": (webhook_flow(TRANSFORM, {**TRANSFORM}, edges=[("hook", "shape")]), "nodes.2.id",
                     "node id 'shape' is used twice"),
    "missing type": (webhook_flow({"id": "x", "params": {}}), "nodes.1.type", "Missing data"),
    "unknown type": (webhook_flow({"id": "x", "type": "no_such_node"}), "nodes.1.type",
                     "unknown node type 'no_such_node'"),
    "params not an object": (webhook_flow({**TRANSFORM, "params": [1]}), "nodes.1.params", "Not a valid mapping"),
    "params null": (webhook_flow({**TRANSFORM, "params": None}), "nodes.1.params", "may not be null"),
    "bad param": (webhook_flow({"id": "d", "type": "delay", "params": {"seconds": "soon"}}), "nodes.1.params.seconds",
                  "Not a valid number"),
    "bad url": (webhook_flow(TRANSFORM, {"id": "call", "type": "http_request", "params": {"url": "ftp://x"}}),
                "nodes.2.params.url", "Not a valid URL"),
    "bad nested param": (webhook_flow({"id": "big", "type": "filter",
                                       "params": {"conditions": [{"left": 1, "op": "bigger", "right": 2}]}}),
                         "nodes.1.params.conditions.0.op", "Must be one of"),
    "missing param": (webhook_flow({"id": "shape", "type": "transform", "params": {}}), "nodes.1.params.fields",
                      "Missing data"),
    "params absent, one required": (webhook_flow({"id": "shape", "type": "transform"}), "nodes.1.params.fields",
                                    "Missing data"),
    "unknown param": (webhook_flow({"id": "f", "type": "fail", "params": {"message": "x", "extra": 1}}),
                      "nodes.1.params.extra", "Unknown field"),
    "bad expression": (webhook_flow({"id": "shape", "type": "transform", "params": {"fields": {"a": "{{ 1 + }}"}}}),
                       "nodes.1.params.fields.a", "invalid expression"),
    "retries out of range": (webhook_flow({**TRANSFORM, "max_retries": 99}), "nodes.1.max_retries",
                             "from 0 to 10"),
    "retries as text": (webhook_flow({**TRANSFORM, "max_retries": "3"}), "nodes.1.max_retries", "Not a valid number"),
    "timeout as a boolean": (webhook_flow({**TRANSFORM, "timeout_seconds": True}), "nodes.1.timeout_seconds",
                             "Not a valid number"),
    # Accepted before, then every run failed on it (the runner reads a number).
    "override null": (webhook_flow({**TRANSFORM, "max_retries": None}), "nodes.1.max_retries", "may not be null"),
    "backoff too long": (webhook_flow({**TRANSFORM, "retry_backoff": 3601}), "nodes.1.retry_backoff",
                         "from 0 to 3600"),
    "edge without target": ({"nodes": [MANUAL], "edges": [{"source": "m"}]}, "edges.0.target", "Missing data"),
    "edge port not a string": (webhook_flow(TRANSFORM, edges=[("hook", "shape", 1)]), "edges.0.output",
                               "Not a valid string"),
    "no trigger": ({"nodes": [_transform("t")], "edges": []}, "nodes", "exactly one trigger node, found 0"),
    "two triggers": ({"nodes": [MANUAL, {"id": "hook", "type": "webhook"}], "edges": []}, "nodes.1.type",
                     "exactly one trigger node, found 2"),
    "edge to nowhere": (webhook_flow(TRANSFORM, edges=[("hook", "shape"), ("hook", "ghost")]), "edges.1.target",
                        "node 'ghost' does not exist"),
    "edge from nowhere": (webhook_flow(TRANSFORM, edges=[("hook", "shape"), ("ghost", "shape")]), "edges.1.source",
                          "node 'ghost' does not exist"),
    "bad port": (webhook_flow(TRANSFORM, edges=[("hook", "shape", "true")]), "edges.0.output",
                 "node 'hook' has no output port 'true' (ports: main)"),
    "main port of an if": (webhook_flow({"id": "check", "type": "if", "params": {"conditions": [{"left": 1, "op": "exists"}]}},
                                        TRANSFORM, edges=[("hook", "check"), ("check", "shape")]),
                           "edges.1.output", "no output port 'main' (ports: true, false)"),
    "edge twice": (webhook_flow(TRANSFORM, edges=[("hook", "shape"), ("hook", "shape")]), "edges.1._schema",
                   "edge hook -> shape is given twice"),
    "edge into the trigger": (webhook_flow(TRANSFORM, edges=[("hook", "shape"), ("shape", "hook")]), "edges.1.target",
                              "a trigger cannot have incoming edges"),
    "cycle": (webhook_flow(_transform("a"), {"id": "j", "type": "merge"}, edges=[("hook", "j"), ("j", "a"), ("a", "j")]),
              "edges.2._schema", "closes the cycle j -> a -> j"),
    "self loop": (webhook_flow({"id": "j", "type": "merge"}, edges=[("hook", "j"), ("j", "j")]), "edges.1._schema",
                  "closes the cycle j -> j"),
    "unreachable": (webhook_flow(TRANSFORM, edges=[]), "nodes.1._schema", "not reachable from the trigger 'hook'"),
    "join without merge": (webhook_flow(_transform("a"), _transform("b"), _transform("c"),
                                        edges=[("hook", "a"), ("hook", "b"), ("a", "c"), ("b", "c")]),
                           "nodes.3._schema", "has 2 incoming edges; join branches with a merge node"),
}


@pytest.mark.parametrize(("definition", "where", "text"), REFUSED.values(), ids=REFUSED.keys())
def test_each_mistake_is_a_422_at_its_field(user, definition, where, text):
    body = assert_error(user.post("/api/workflows", {"name": "bad", "definition": definition}), 422)
    assert any(text in message for message in _at(body["errors"], f"json.definition.{where}")), body
    assert user.get("/api/workflows").get_json()["total"] == 0  # nothing saved


def test_a_definition_that_is_no_object_is_a_field_error(user):
    body = assert_error(user.post("/api/workflows", {"name": "bad", "definition": [1]}), 422)
    assert _at(body["errors"], "json.definition._schema") == ["Invalid input type."]


def test_every_node_and_edge_mistake_is_reported_at_once(user):
    definition = webhook_flow(
        {"id": "x", "type": "no_such_node"},
        {"id": "d", "type": "delay", "params": {"seconds": "soon"}, "max_retries": -1},
        edges=[("hook", "x"), ("x", "d")],
    )
    definition["edges"][1] = {"source": "x"}
    errors = assert_error(user.post("/api/workflows", {"name": "", "definition": definition}), 422)["errors"]["json"]
    assert set(errors) == {"name", "definition"}
    nodes = errors["definition"]["nodes"]
    assert set(nodes) == {"1", "2"} and set(nodes["2"]) == {"params", "max_retries"}
    assert "target" in errors["definition"]["edges"]["1"]


def test_graph_rules_report_every_problem_of_their_stage(user):
    definition = {
        "nodes": [MANUAL, {"id": "hook", "type": "webhook"}, _transform("a")],
        "edges": [{"source": "m", "target": "a", "output": "nope"}, {"source": "a", "target": "ghost"}],
    }
    errors = assert_error(user.post("/api/workflows", {"name": "two", "definition": definition}), 422)["errors"]
    where = errors["json"]["definition"]
    assert set(where["nodes"]) == {"0", "1"}  # both triggers
    assert set(where["edges"]["0"]) == {"output"} and set(where["edges"]["1"]) == {"target"}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_updates_check_the_definition_field_by_field_and_change_nothing(user, method):
    wf = user.create_workflow(webhook_flow(TRANSFORM))
    bad = webhook_flow({"type": "fail", "params": {"message": "x"}}, edges=[])
    body = assert_error(getattr(user, method)(f"/api/workflows/{wf['id']}", {"name": "changed", "definition": bad}), 422)
    # A PATCH is partial about the workflow's fields, never inside its definition.
    assert "Missing data for required field." in _at(body["errors"], "json.definition.nodes.1.id")
    after = user.get(f"/api/workflows/{wf['id']}").get_json()
    assert after["definition"] == wf["definition"] and after["name"] == wf["name"] and after["version"] == 1


ACCEPTED = {
    "editor's own keys are kept": webhook_flow({**TRANSFORM, "name": "Shape it", "position": {"x": 10, "y": -4},
                                                "notes": {"by": "editor"}}),
    "free name and position, as before": webhook_flow({**TRANSFORM, "name": 5, "position": "left"}),
    "no params on a node that needs none": {"nodes": [MANUAL], "edges": []},
    "no edges key": {"nodes": [MANUAL]},
    "overrides as int and float": webhook_flow({**TRANSFORM, "max_retries": 2.5, "retry_backoff": 0,
                                                "timeout_seconds": 7200}),
    "expression in a typed param": webhook_flow({"id": "d", "type": "delay", "params": {"seconds": "{{ input.body.wait }}"}}),
    "empty port means main": webhook_flow(TRANSFORM, edges=[("hook", "shape", "")]),
    "if ports and a merge": webhook_flow(
        {"id": "check", "type": "if", "params": {"conditions": [{"left": 1, "op": "exists"}]}},
        _transform("yes"), _transform("no"), {"id": "join", "type": "merge"},
        edges=[("hook", "check"), ("check", "yes", "true"), ("check", "no", "false"), ("yes", "join"), ("no", "join")],
    ),
    "keys beside nodes and edges": {"nodes": [MANUAL], "edges": [], "note": "kept"},
}


@pytest.mark.parametrize("definition", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_was_accepted_stays_accepted_and_is_stored_as_sent(user, definition):
    created = user.create_workflow(definition)
    assert created["definition"] == definition
    assert user.get(f"/api/workflows/{created['id']}").get_json()["definition"] == definition


def test_a_patch_without_a_definition_still_works(user):
    wf = user.create_workflow(webhook_flow(TRANSFORM))
    assert user.patch(f"/api/workflows/{wf['id']}", {"active": False}).get_json()["definition"] == wf["definition"]


def test_the_spec_documents_the_definition(client):
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["WorkflowIn"]["properties"]["definition"]["$ref"].endswith("/Definition")
    assert schemas["Workflow"]["properties"]["definition"]["$ref"].endswith("/Definition")
    definition = schemas["Definition"]
    assert definition["required"] == ["nodes"]
    assert definition["properties"]["nodes"]["items"]["$ref"].endswith("/DefinitionNode")
    assert definition["properties"]["edges"]["items"]["$ref"].endswith("/DefinitionEdge")
    node = schemas["DefinitionNode"]
    assert set(node["required"]) == {"id", "type"}
    assert {"id", "type", "name", "position", "params", "max_retries", "retry_backoff", "timeout_seconds"} <= set(node["properties"])
    assert node["properties"]["max_retries"]["maximum"] == 10 and node["properties"]["params"]["type"] == "object"
    assert set(schemas["DefinitionEdge"]["required"]) == {"source", "target"}


# --- the graph rules alone, as workflows/service.py calls them ----------------------------

def test_validate_definition_returns_the_graph_of_a_valid_definition():
    graph = validate_definition(webhook_flow(TRANSFORM), get_node_type, validate_params)
    assert isinstance(graph, Graph) and graph.roots() == ["hook"] and graph.leaves() == ["shape"]
    assert graph.successors("hook") == ["shape"] and [e.source for e in graph.incoming["shape"]] == ["hook"]


@pytest.mark.parametrize(("definition", "problem"), [
    ("not a definition", "definition: nodes and edges must be loaded"),
    ({"nodes": [{"id": 1, "type": "manual"}]}, "definition: nodes and edges must be loaded"),
    (webhook_flow(TRANSFORM, edges=[("hook", "shape", "true")]), "edges.0.output: node 'hook' has no output port 'true'"),
    (webhook_flow({"id": "x", "type": "no_such_node"}), "nodes.1.type: unknown node type 'no_such_node'"),
    (webhook_flow({"id": "shape", "type": "transform", "params": {}}), "nodes.1.params.fields: Missing data"),
])
def test_validate_definition_names_where_each_problem_lies(definition, problem):
    with pytest.raises(InvalidDefinition) as raised:
        validate_definition(definition, get_node_type, validate_params)
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_a_check_by_node_id_lands_where_the_schema_puts_param_errors():
    definition = webhook_flow(TRANSFORM, {"id": "call", "type": "http_request", "params": {"url": "http://x"}})
    placed = param_errors_at_nodes(definition, {"call": {"credential": ["Credential 7 does not exist."]}})
    assert placed == {"json": {"definition": {"nodes": {2: {"params": {"credential": ["Credential 7 does not exist."]}}}}}}
