"""The built-in nodes, each run the way the engine runs it: load params, then execute."""
from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from automateos.nodes.base import STOP, Emit, Node, NodeContext, NodeError
from automateos.nodes.builtin.delay import DelayNode
from automateos.nodes.builtin.fail import FailNode
from automateos.nodes.builtin.http_request import MAX_BODY_BYTES, HttpRequestNode
from automateos.nodes.builtin.logic import FilterNode, IfNode, MergeNode, evaluate_condition
from automateos.nodes.builtin.transform import TransformNode
from automateos.nodes.builtin.triggers import ManualTrigger, ScheduleTrigger, WebhookTrigger
from automateos.nodes.params import load_params
from automateos.nodes.ssrf import BlockedDestination

from .conftest import LocalServer

MakeCtx = Callable[..., NodeContext]


def run(node_cls: type[Node], params: dict[str, Any], input: Any, ctx: NodeContext) -> Any:
    """Run a node as the engine does once expressions are evaluated."""
    return node_cls().execute(ctx, load_params(node_cls, params), input)


# --- conditions -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("left", "op", "right", "expected"),
    [
        (5, "eq", 5, True),
        ("5", "eq", 5, True),
        ("5.0", "eq", "5", True),
        ("abc", "eq", "abc", True),
        ("abc", "eq", "ABC", False),
        (None, "eq", None, True),
        (True, "eq", "true", True),
        (True, "eq", 1, False),
        ({"a": 1}, "eq", {"a": 1}, True),
        (5, "ne", 6, True),
        ("5", "ne", 5, False),
        (10, "gt", 9, True),
        ("10", "gt", "9", True),  # numeric, not "10" < "9" as text
        (10, "gt", 10, False),
        (10, "gte", "10", True),
        (1.5, "lt", 2, True),
        ("2024-01-01", "lt", "2024-02-01", True),  # ISO dates compare as text
        (3, "lte", 3, True),
        (4, "lte", 3, False),
        ("hello world", "contains", "lo w", True),
        ("order 123", "contains", 123, True),
        (["a", "b"], "contains", "b", True),
        ([1, 2], "contains", "2", True),
        ({"key": 1}, "contains", "key", True),
        ({"key": 1}, "contains", "1", False),
        ("hello", "not_contains", "z", True),
        (["a"], "not_contains", "a", False),
        ("hello", "starts_with", "he", True),
        ("hello", "starts_with", "lo", False),
        ("hello", "ends_with", "lo", True),
        (2024, "starts_with", "20", True),
        ("x", "exists", None, True),
        ("", "exists", None, True),
        (None, "exists", None, False),
        (None, "not_exists", None, True),
        (0, "not_exists", None, False),
        ("", "is_empty", None, True),
        ([], "is_empty", None, True),
        ({}, "is_empty", None, True),
        (None, "is_empty", None, True),
        (0, "is_empty", None, False),
        ([0], "is_empty", None, False),
    ],
)
def test_condition_ops(left: Any, op: str, right: Any, expected: bool) -> None:
    assert evaluate_condition({"left": left, "op": op, "right": right}) is expected


@pytest.mark.parametrize(
    ("left", "op", "right", "message"),
    [
        (None, "gt", 5, "cannot compare null None with int 5 using 'gt'"),
        ("abc", "lt", 5, "cannot compare str 'abc' with int 5 using 'lt'"),
        ({"a": 1}, "gte", {"a": 2}, "cannot compare dict"),
        (True, "gt", False, "cannot compare bool"),
        (5, "contains", 5, "'contains' needs a string, list or object"),
        (None, "not_contains", "a", "'contains' needs a string, list or object"),
        (["a"], "starts_with", "a", "'starts_with' needs text, got list"),
        ("a", "ends_with", None, "'ends_with' needs text, got null"),
    ],
)
def test_incomparable_values_are_a_clear_node_error(left: Any, op: str, right: Any, message: str) -> None:
    with pytest.raises(NodeError, match=re.escape(message)):
        evaluate_condition({"left": left, "op": op, "right": right})


def test_filter_passes_its_input_or_stops(make_ctx: MakeCtx) -> None:
    order = {"amount": 150}
    big = {"conditions": [{"left": 150, "op": "gt", "right": 100}]}
    small = {"conditions": [{"left": 50, "op": "gt", "right": 100}]}

    assert run(FilterNode, big, order, make_ctx()) == order
    assert run(FilterNode, small, order, make_ctx()) is STOP


def test_filter_combines_with_all_or_any(make_ctx: MakeCtx) -> None:
    conditions = [
        {"left": "a", "op": "eq", "right": "a"},
        {"left": "a", "op": "eq", "right": "b"},
    ]
    assert run(FilterNode, {"conditions": conditions}, 1, make_ctx()) is STOP
    assert run(FilterNode, {"conditions": conditions, "combine": "any"}, 1, make_ctx()) == 1


def test_if_routes_its_input_to_true_or_false(make_ctx: MakeCtx) -> None:
    params = {"conditions": [{"left": "vip", "op": "eq", "right": "vip"}]}
    assert run(IfNode, params, {"id": 1}, make_ctx()) == Emit("true", {"id": 1})

    params["conditions"][0]["right"] = "regular"
    assert run(IfNode, params, {"id": 1}, make_ctx()) == Emit("false", {"id": 1})
    assert IfNode.outputs == ("true", "false")


def test_if_fails_clearly_on_incomparable_values(make_ctx: MakeCtx) -> None:
    params = {"conditions": [{"left": None, "op": "gt", "right": 1}]}
    with pytest.raises(NodeError, match="cannot compare"):
        run(IfNode, params, {}, make_ctx())


def test_merge_outputs_the_joined_branches(make_ctx: MakeCtx) -> None:
    joined = {"left": {"a": 1}, "right": {"b": 2}}
    assert MergeNode.joins_branches is True
    assert run(MergeNode, {}, joined, make_ctx()) == joined


# --- transform, delay, fail, triggers ----------------------------------------------------

def test_transform_outputs_its_fields(make_ctx: MakeCtx) -> None:
    fields = {"order": "A1", "total": 240.0, "tags": ["x"], "none": None}
    assert run(TransformNode, {"fields": fields}, {"ignored": True}, make_ctx()) == fields


def test_delay_waits_then_passes_its_input(make_ctx: MakeCtx) -> None:
    started = time.monotonic()
    assert run(DelayNode, {"seconds": 0.25}, {"x": 1}, make_ctx()) == {"x": 1}
    assert time.monotonic() - started >= 0.25
    assert DelayNode.timeout_seconds > 3600


def test_fail_raises_its_message(make_ctx: MakeCtx) -> None:
    with pytest.raises(NodeError, match="^order rejected$"):
        run(FailNode, {"message": "order rejected"}, {}, make_ctx())


@pytest.mark.parametrize(
    ("node_cls", "params", "payload"),
    [
        (WebhookTrigger, {}, {"body": {"a": 1}, "headers": {}, "query": {}, "method": "POST"}),
        (ManualTrigger, {}, {"anything": [1, 2]}),
        (ScheduleTrigger, {"cron": "0 9 * * 1-5"}, {"scheduled_at": "2024-01-01T09:00:00+00:00"}),
    ],
)
def test_triggers_output_their_payload(
    node_cls: type[Node], params: dict[str, Any], payload: Any, make_ctx: MakeCtx
) -> None:
    assert run(node_cls, params, payload, make_ctx()) == payload
    assert node_cls.category == "trigger"
    assert node_cls.max_retries == 0


# --- http_request -----------------------------------------------------------------------

@pytest.fixture
def private_ctx(make_ctx: MakeCtx) -> NodeContext:
    """A context of an install that lets workflows call private addresses (the test server)."""
    return make_ctx("call", HTTP_ALLOW_PRIVATE=True)


def test_get_parses_a_json_body(server: LocalServer, private_ctx: NodeContext) -> None:
    out = run(HttpRequestNode, {"url": server.url("/json")}, None, private_ctx)

    assert out["status"] == 200
    assert out["body"] == {"hello": "world", "n": 1}
    assert out["headers"]["Content-Type"] == "application/json"


def test_post_sends_json_query_and_headers(server: LocalServer, private_ctx: NodeContext) -> None:
    params = {
        "method": "POST",
        "url": server.url("/echo"),
        "json": {"order": "A1", "total": 240.0},
        "query": {"page": 2, "tag": ["a", "b"]},
        "headers": {"X-Token": "secret"},
    }
    out = run(HttpRequestNode, params, None, private_ctx)

    seen = out["body"]
    assert seen["method"] == "POST"
    assert seen["query"] == {"page": ["2"], "tag": ["a", "b"]}
    assert seen["headers"]["X-Token"] == "secret"
    assert seen["headers"]["Content-Type"] == "application/json"
    assert seen["body"] == '{"order": "A1", "total": 240.0}'


def test_a_text_body_is_sent_and_text_is_returned(server: LocalServer, private_ctx: NodeContext) -> None:
    out = run(HttpRequestNode, {"method": "PUT", "url": server.url("/echo"), "body": "raw"}, None, private_ctx)
    assert out["body"]["body"] == "raw"

    out = run(HttpRequestNode, {"url": server.url("/text")}, None, private_ctx)
    assert out["body"] == "plain words"


def test_an_error_status_fails_the_step(server: LocalServer, private_ctx: NodeContext) -> None:
    with pytest.raises(NodeError, match="returned HTTP 500 .*server says no"):
        run(HttpRequestNode, {"url": server.url("/status/500")}, None, private_ctx)


def test_an_error_status_can_be_returned_instead(server: LocalServer, private_ctx: NodeContext) -> None:
    params = {"url": server.url("/status/404"), "fail_on_status": False}
    out = run(HttpRequestNode, params, None, private_ctx)
    assert (out["status"], out["body"]) == (404, "server says no")


@pytest.mark.parametrize("path", ["/big", "/big-stream"])
def test_a_body_over_10_mb_is_refused(path: str, server: LocalServer, private_ctx: NodeContext) -> None:
    with pytest.raises(NodeError, match="larger than 10 MB"):
        run(HttpRequestNode, {"url": server.url(path)}, None, private_ctx)
    assert MAX_BODY_BYTES == 10 * 1024 * 1024


def test_private_addresses_are_refused_by_default(server: LocalServer, make_ctx: MakeCtx) -> None:
    with pytest.raises(BlockedDestination, match="refusing to connect to 127.0.0.1"):
        run(HttpRequestNode, {"url": server.url("/json")}, None, make_ctx())
    assert server.requests == []


def test_connection_failures_are_node_errors(private_ctx: NodeContext) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"

    with pytest.raises(NodeError, match=f"GET {url} failed: .*Connection refused"):
        run(HttpRequestNode, {"url": url}, None, private_ctx)
