"""The one error shape everywhere, and an OpenAPI spec that documents every endpoint."""
from __future__ import annotations

import pytest

from automateos import create_app
from config import TestConfig
from tests.conftest import assert_error

DOCUMENTED = [
    ("post", "/api/auth/register"), ("post", "/api/auth/login"), ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"), ("get", "/api/auth/me"),
    ("get", "/api/workflows"), ("post", "/api/workflows"), ("get", "/api/workflows/{workflow_id}"),
    ("put", "/api/workflows/{workflow_id}"), ("patch", "/api/workflows/{workflow_id}"),
    ("delete", "/api/workflows/{workflow_id}"), ("post", "/api/workflows/{workflow_id}/run"),
    ("post", "/api/hooks/{token}"), ("get", "/api/nodes"), ("get", "/api/logs/{log_id}"),
]


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/api/openapi.json").get_json()
    for method, path in DOCUMENTED:
        assert method in spec["paths"].get(path, {}), f"{method.upper()} {path} is not documented"
    schemas = spec["components"]["schemas"]
    assert {"ExecutionLogSummary", "ExecutionLogPublic", "Workflow", "TokenPair"} <= set(schemas)
    # The definition is documented down to its nodes and edges, not as a bare object.
    assert {"Definition", "DefinitionNode", "DefinitionEdge"} <= set(schemas)
    assert schemas["WorkflowIn"]["properties"]["definition"]["$ref"] == "#/components/schemas/Definition"


def _parameter(spec, path: str, method: str, name: str) -> dict:
    operation = spec["paths"][path][method]
    return next(p for p in spec["paths"][path].get("parameters", []) + operation.get("parameters", []) if p["name"] == name)


def test_ids_in_the_spec_are_bounded_by_their_column(client):
    spec = client.get("/api/openapi.json").get_json()
    in_path = _parameter(spec, "/api/workflows/{workflow_id}", "get", "workflow_id")["schema"]
    assert in_path["minimum"] == 1 and in_path["maximum"] == 2**31 - 1  # workflows.id is an integer
    in_query = _parameter(spec, "/api/logs", "get", "workflow_id")["schema"]
    assert in_query["maximum"] == 2**31 - 1
    assert _parameter(spec, "/api/logs", "get", "offset")["schema"]["maximum"] == 2**63 - 1


def test_the_webhook_is_public_in_the_spec(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["paths"]["/api/hooks/{token}"]["post"]["security"] == []
    assert {"400", "413"} <= set(spec["paths"]["/api/hooks/{token}"]["post"]["responses"])


def test_swagger_ui_is_served(client):
    assert client.get("/api/docs").status_code == 200


@pytest.mark.parametrize(("method", "url", "code"), [
    ("get", "/api/no-such-thing", 404),
    ("delete", "/api/auth/me", 405),
    ("get", "/api/workflows/abc", 404),
    ("get", "/api/workflows/0", 404),
    ("patch", "/api/workflows/99999999999999999999999", 404),
    ("get", "/api/logs/-1", 404),
    ("get", "/api/workflows/2147483648", 404),
    ("get", "/api/logs/9223372036854775808", 404),
])
def test_routing_errors_use_the_error_shape(client, method, url, code):
    assert_error(getattr(client, method)(url), code)


def test_validation_errors_name_the_field(user):
    body = assert_error(user.post("/api/workflows", {"definition": "not an object"}), 422)
    assert set(body["errors"]["json"]) >= {"name", "definition"}
    # Inside the definition too, down to a node's param.
    definition = {"nodes": [{"id": "m", "type": "manual"}, {"id": "d", "type": "delay", "params": {"seconds": "x"}}],
                  "edges": [{"source": "m", "target": "d"}]}
    body = assert_error(user.post("/api/workflows", {"name": "n", "definition": definition}), 422)
    assert body["errors"]["json"]["definition"]["nodes"]["1"]["params"]["seconds"] == ["Not a valid number."]


def test_unexpected_errors_are_500_in_the_shape_without_traceback():
    # A second app, so the route that fails can be added before any request.
    other = create_app(TestConfig)

    @other.get("/api/test-boom")
    def boom():
        raise RuntimeError("secret internals")

    resp = other.test_client().get("/api/test-boom")  # a second app leaves the suite's worker alone
    body = assert_error(resp, 500)
    assert "secret internals" not in resp.get_data(as_text=True) and body["message"] == "Internal server error"


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"
