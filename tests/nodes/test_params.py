"""Node params: save-time validation, run-time loading, JSON Schema export."""
from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from automateos.nodes.builtin.http_request import HttpRequestNode
from automateos.nodes.builtin.logic import FilterNode, IfNode
from automateos.nodes.builtin.transform import TransformNode
from automateos.nodes.builtin.triggers import ManualTrigger, ScheduleTrigger, WebhookTrigger
from automateos.nodes.params import load_params, params_json_schema, validate_params
from automateos.nodes.registry import load_node_types


def test_valid_params_have_no_errors() -> None:
    assert validate_params(HttpRequestNode, {"url": "https://example.com/api", "method": "POST"}) == {}


def test_wrong_types_and_values_are_field_errors() -> None:
    errors = validate_params(
        HttpRequestNode, {"url": "ftp://example.com", "method": "FETCH", "timeout_seconds": "soon"}
    )
    assert set(errors) == {"url", "method", "timeout_seconds"}


def test_unknown_and_missing_fields_are_errors() -> None:
    errors = validate_params(HttpRequestNode, {"uri": "https://example.com"})
    assert errors == {"uri": ["Unknown field."], "url": ["Missing data for required field."]}


def test_a_field_holding_an_expression_is_not_type_checked() -> None:
    params = {
        "url": "{{ input.body.callback }}",
        "timeout_seconds": "{{ input.body.wait }}",
        "fail_on_status": "{{ input.body.strict }}",
        "headers": {"Authorization": "Bearer {{ nodes.login.body.token }}"},
    }
    assert validate_params(HttpRequestNode, params) == {}


def test_nested_expressions_are_skipped_but_other_nested_errors_kept() -> None:
    params = {
        "conditions": [
            {"left": "{{ input.amount }}", "op": "{{ input.op }}", "right": 1},
            {"left": 1, "op": "bigger", "right": 2},
            {"left": 1, "op": "gt"},
        ]
    }
    assert validate_params(FilterNode, params) == {
        "conditions": {
            1: {"op": ["Must be one of: eq, ne, gt, gte, lt, lte, contains, not_contains, "
                       "starts_with, ends_with, exists, not_exists, is_empty."]},
            2: {"right": ["Required by op 'gt'."]},
        }
    }


def test_a_whole_list_given_by_an_expression_is_accepted() -> None:
    assert validate_params(IfNode, {"conditions": "{{ nodes.rules.conditions }}"}) == {}


def test_expression_syntax_errors_are_reported_at_save_time() -> None:
    errors = validate_params(TransformNode, {"fields": {"total": "{{ input.amount * }}"}})
    assert list(errors) == ["fields"]
    assert errors["fields"]["total"][0].startswith("invalid expression: TemplateSyntaxError")


def test_unary_ops_need_no_right() -> None:
    assert validate_params(FilterNode, {"conditions": [{"left": "{{ input.x }}", "op": "exists"}]}) == {}


def test_empty_lists_and_dicts_are_refused() -> None:
    assert "conditions" in validate_params(FilterNode, {"conditions": []})
    assert "fields" in validate_params(TransformNode, {"fields": {}})


def test_schedule_params_check_cron_and_timezone() -> None:
    assert validate_params(ScheduleTrigger, {"cron": "*/5 * * * *", "timezone": "Europe/Paris"}) == {}
    errors = validate_params(ScheduleTrigger, {"cron": "every day", "timezone": "Mars/Olympus"})
    assert set(errors) == {"cron", "timezone"}


def test_webhook_respond_timeout_is_bounded() -> None:
    assert "respond_timeout_seconds" in validate_params(WebhookTrigger, {"respond_timeout_seconds": 121})
    assert "respond" in validate_params(WebhookTrigger, {"respond": "later"})


def test_load_params_applies_defaults() -> None:
    loaded = load_params(HttpRequestNode, {"url": "http://example.com"})
    assert loaded == {
        "method": "GET",
        "url": "http://example.com",
        "headers": {},
        "query": {},
        "json": None,
        "body": None,
        "timeout_seconds": 30.0,
        "fail_on_status": True,
    }
    assert load_params(WebhookTrigger, {}) == {
        "respond": "immediately",
        "secret": None,
        "verify": None,
        "idempotency": {"header": "Idempotency-Key", "window_hours": 24},
        "methods": ["POST"],
        "respond_timeout_seconds": 30,
    }
    assert load_params(ManualTrigger, {}) == {}


def test_load_params_type_checks_evaluated_values() -> None:
    with pytest.raises(ValidationError) as caught:
        load_params(HttpRequestNode, {"url": "http://example.com", "timeout_seconds": "soon"})
    assert "timeout_seconds" in caught.value.messages


def test_json_and_body_are_exclusive() -> None:
    errors = validate_params(HttpRequestNode, {"url": "http://e.com", "json": {"a": 1}, "body": "a"})
    assert errors == {"body": ["Give either json or body, not both."]}


def _refs(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [v for k, v in tree.items() if k == "$ref"] + [r for v in tree.values() for r in _refs(v)]
    if isinstance(tree, list):
        return [r for v in tree for r in _refs(v)]
    return []


@pytest.mark.parametrize("node_type", sorted(load_node_types()))
def test_every_builtin_exports_a_ref_less_json_schema(node_type: str) -> None:
    schema = params_json_schema(load_node_types()[node_type])
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert _refs(schema) == []


def test_nested_condition_schema_is_inline() -> None:
    schema = params_json_schema(FilterNode)
    items = schema["properties"]["conditions"]["items"]
    assert schema["required"] == ["conditions"]
    assert items["type"] == "object"
    assert items["required"] == ["left", "op"]
    assert "is_empty" in items["properties"]["op"]["enum"]
    assert schema["properties"]["combine"]["default"] == "all"


def test_json_schema_carries_ranges_and_defaults() -> None:
    props = params_json_schema(HttpRequestNode)["properties"]
    assert props["method"]["enum"][0] == "GET"
    assert props["timeout_seconds"]["minimum"] == 0.1
    assert props["timeout_seconds"]["maximum"] == 300
    assert props["fail_on_status"] == {
        "type": "boolean",
        "default": True,
        "description": "Fail the step when the response status is 400 or more.",
    }


def test_a_webhook_verify_left_empty_by_a_form_means_no_verification() -> None:
    # The editor's form sends an optional object as {} or with its defaults only.
    assert load_params(WebhookTrigger, {"verify": {}})["verify"] is None
    assert load_params(WebhookTrigger, {"verify": {"tolerance_seconds": 300}})["verify"] is None
    with pytest.raises(ValidationError):
        load_params(WebhookTrigger, {"verify": {"scheme": "github"}})  # half given: refused
