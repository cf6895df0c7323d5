"""The ``respond`` node (the answer to a webhook call) and the webhook trigger's params for
verification, idempotency, methods and ``respond: using_node``."""
from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from automateos.expressions import evaluate_params
from automateos.nodes.base import NodeContext
from automateos.nodes.builtin.respond import RespondNode
from automateos.nodes.builtin.triggers import WebhookTrigger
from automateos.nodes.params import load_params, params_json_schema, validate_params

CTX = NodeContext(execution_id=1, workflow_id=1, node_id="answer")


def respond(params: dict[str, Any], scope: dict[str, Any] | None = None) -> Any:
    """Run the node as the engine does: evaluate the expressions, load the params, execute."""
    evaluated = evaluate_params(params, scope, CTX.node_id) if scope is not None else params
    return RespondNode().execute(CTX, load_params(RespondNode, evaluated), {"passed": "in"})


def test_defaults_answer_200_with_no_headers_and_no_body():
    assert respond({}) == {"status": 200, "headers": {}, "body": None}


def test_status_headers_and_body_from_expressions():
    scope = {"input": {"body": {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "n": 7}},
             "trigger": {"query": {"code": "201"}}, "nodes": {}, "execution": {"id": 1}}
    out = respond({
        "status": "{{ trigger.query.code | int }}",
        "headers": {"Content-Type": "text/plain", "X-Count": "{{ input.body.n }}"},
        "body": "{{ input.body.challenge }}",
    }, scope)
    assert out == {"status": 201, "headers": {"Content-Type": "text/plain", "X-Count": "7"},
                   "body": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_body_expression_keeps_its_native_type():
    scope = {"input": {"body": {"rows": [1, 2]}}, "trigger": {}, "nodes": {}, "execution": {}}
    assert respond({"body": {"ok": True, "rows": "{{ input.body.rows }}"}}, scope)["body"] == {"ok": True, "rows": [1, 2]}
    assert respond({"body": "{{ input.body.rows }}"}, scope)["body"] == [1, 2]


def test_the_output_is_the_answer_not_the_input():
    assert "passed" not in respond({"body": "hi"})


@pytest.mark.parametrize("status", [99, 600, -1, "soon", None, True])
def test_status_outside_100_to_599_is_refused(status):
    with pytest.raises(ValidationError) as caught:
        load_params(RespondNode, {"status": status})
    assert "status" in caught.value.messages


@pytest.mark.parametrize("status", [100, 204, "302", 599])
def test_status_inside_the_range_is_accepted(status):
    assert load_params(RespondNode, {"status": status})["status"] == int(status)


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "nul\x00", "bell\x07", "del\x7f", "snow ☃"])
def test_header_values_with_line_breaks_or_controls_are_refused(value):
    with pytest.raises(ValidationError) as caught:
        load_params(RespondNode, {"headers": {"X-Note": value}})
    assert "headers" in caught.value.messages


@pytest.mark.parametrize("name", ["Connection", "keep-alive", "Transfer-Encoding", "TE", "Upgrade",
                                  "Content-Length", "Proxy-Authenticate", "Trailer"])
def test_hop_by_hop_headers_are_refused(name):
    errors = validate_params(RespondNode, {"headers": {name: "x"}})
    assert "headers" in errors and "set by the server" in str(errors)


@pytest.mark.parametrize("name", ["Content-Security-Policy", "x-content-type-options", "X-Frame-Options",
                                  "Set-Cookie", "Access-Control-Allow-Origin", "Strict-Transport-Security"])
def test_headers_the_platform_sets_for_its_origin_are_refused(name):
    errors = validate_params(RespondNode, {"headers": {name: "x"}})
    assert "set by the platform" in str(errors)


@pytest.mark.parametrize("name", ["", "X Space", "X:Colon", "Bad\r\nName", "é"])
def test_header_names_that_are_no_tokens_are_refused(name):
    assert "headers" in validate_params(RespondNode, {"headers": {name: "x"}})


def test_header_values_may_be_numbers_but_not_objects_or_booleans():
    assert load_params(RespondNode, {"headers": {"Retry-After": 30, "X-Ratio": 1.5}})["headers"] == \
        {"Retry-After": "30", "X-Ratio": "1.5"}
    for value in ({"a": 1}, [1], True, None):
        assert "headers" in validate_params(RespondNode, {"headers": {"X-Thing": value}})


def test_a_header_given_twice_in_different_case_is_refused():
    errors = validate_params(RespondNode, {"headers": {"X-Id": "1", "x-id": "2"}})
    assert errors == {"headers": ["Each header once (names are case-insensitive)."]}


def test_expressions_are_accepted_at_save_and_checked_at_run():
    params = {"status": "{{ input.code }}", "headers": {"X-A": "{{ input.a }}"}, "body": "{{ input }}"}
    assert validate_params(RespondNode, params) == {}
    with pytest.raises(ValidationError):
        respond(params, {"input": {"code": 700, "a": "x"}, "trigger": {}, "nodes": {}, "execution": {}})
    with pytest.raises(ValidationError):
        respond(params, {"input": {"code": 200, "a": "x\r\ny"}, "trigger": {}, "nodes": {}, "execution": {}})


def test_the_node_only_computes():
    assert RespondNode.blocking is False and RespondNode.category == "action" and RespondNode.outputs == ("main",)
    assert set(params_json_schema(RespondNode)["properties"]) == {"status", "headers", "body"}


# --- the webhook trigger's params ------------------------------------------------------

def test_every_webhook_valid_before_stays_valid():
    for params in ({}, {"secret": "shh"}, {"respond": "when_finished", "respond_timeout_seconds": 5},
                   {"respond": "immediately", "secret": None}):
        assert validate_params(WebhookTrigger, params) == {}


def test_webhook_defaults():
    loaded = load_params(WebhookTrigger, {})
    assert loaded["methods"] == ["POST"] and loaded["verify"] is None
    assert loaded["idempotency"] == {"header": "Idempotency-Key", "window_hours": 24}
    assert load_params(WebhookTrigger, {"idempotency": {"header": "X-Request-Id"}})["idempotency"] == \
        {"header": "X-Request-Id", "window_hours": 24}


@pytest.mark.parametrize("scheme", ["automateos", "github", "stripe", "slack", "shopify", "standard-webhooks"])
def test_each_scheme_can_be_chosen(scheme):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    loaded = load_params(WebhookTrigger, {"verify": {"scheme": scheme, "secret": secret}})
    assert loaded["verify"] == {"scheme": scheme, "secret": secret, "tolerance_seconds": 300}


@pytest.mark.parametrize(("params", "field"), [
    ({"verify": {"scheme": "paypal", "secret": "x"}}, "verify"),
    ({"verify": {"scheme": "github"}}, "verify"),
    ({"verify": {"scheme": "github", "secret": ""}}, "verify"),
    ({"verify": {"scheme": "slack", "secret": "x", "tolerance_seconds": 0}}, "verify"),
    ({"verify": {"scheme": "slack", "secret": "x", "tolerance_seconds": 3601}}, "verify"),
    ({"verify": {"scheme": "standard-webhooks", "secret": "whsec_not base64!"}}, "verify"),
    ({"verify": {"scheme": "github", "secret": "x", "extra": 1}}, "verify"),
    ({"secret": "a", "verify": {"scheme": "github", "secret": "b"}}, "secret"),
    ({"methods": []}, "methods"),
    ({"methods": ["POST", "POST"]}, "methods"),
    ({"methods": ["TRACE"]}, "methods"),
    ({"methods": "POST"}, "methods"),
    ({"idempotency": {"header": "Bad Header"}}, "idempotency"),
    ({"idempotency": {"window_hours": 0}}, "idempotency"),
    ({"idempotency": {"window_hours": 24 * 31}}, "idempotency"),
    ({"respond": "sometimes"}, "respond"),
])
def test_bad_webhook_params_name_the_field(params, field):
    assert field in validate_params(WebhookTrigger, params)


def test_webhook_methods_and_using_node():
    loaded = load_params(WebhookTrigger, {"methods": ["GET", "POST", "PUT", "PATCH", "DELETE"], "respond": "using_node"})
    assert loaded["methods"] == ["GET", "POST", "PUT", "PATCH", "DELETE"] and loaded["respond"] == "using_node"


def test_a_secret_held_in_an_expression_is_checked_at_run_time_only():
    assert validate_params(WebhookTrigger, {"verify": {"scheme": "standard-webhooks", "secret": "{{ 'x' }}"}}) == {}


def test_the_editor_sees_the_defaults():
    properties = params_json_schema(WebhookTrigger)["properties"]
    assert properties["methods"]["default"] == ["POST"]
    assert properties["idempotency"]["default"] == {"header": "Idempotency-Key", "window_hours": 24}
    assert "using_node" in properties["respond"]["enum"]
