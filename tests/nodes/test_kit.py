"""The author's kit (automateos.testing): run_node on every built-in node, the engine's
rules it applies (expressions, params, time limit, retries, typed errors, storable output),
and check_node_contract on good and bad declarations."""
from __future__ import annotations

import math
import time
from typing import Any

import pytest
from marshmallow import Schema, fields, validate

from automateos.credentials.types import CredentialType, registry as credential_types
from automateos.nodes.base import Emit, Node, NodeContext, NodeError, RetryableNodeError
from automateos.nodes.registry import load_node_types
from automateos.nodes.ssrf import BlockedDestination
from automateos.testing import NodeContractError, check_node_contract, contract_report, run_node

from .conftest import LocalServer

# --- every built-in node, through the kit ----------------------------------------------------

# type -> (params, input, what the run must show); the test below fails when a built-in
# node has no case here, so a new built-in comes with its kit test.
CASES: dict[str, tuple[dict[str, Any], Any, dict[str, Any]]] = {
    "webhook": ({}, {"body": {"a": 1}}, {"output": {"body": {"a": 1}}}),
    "manual": ({}, {"x": 1}, {"output": {"x": 1}}),
    "schedule": ({"cron": "*/5 * * * *"}, {"scheduled_at": "2026-01-01T00:00:00Z"},
                 {"output": {"scheduled_at": "2026-01-01T00:00:00Z"}}),
    "transform": ({"fields": {"total": "{{ input.amount * 2 }}", "who": "{{ input.name | upper }}"}},
                  {"amount": 21, "name": "ada"}, {"output": {"total": 42, "who": "ADA"}}),
    "filter": ({"conditions": [{"left": "{{ input.n }}", "op": "gt", "right": 5}]}, {"n": 1},
               {"output": None, "port": None}),
    "if": ({"conditions": [{"left": "{{ input.n }}", "op": "gt", "right": 5}]}, {"n": 9},
           {"output": {"n": 9}, "port": "true"}),
    "merge": ({}, {"a": 1, "b": 2}, {"output": {"a": 1, "b": 2}}),
    "delay": ({"seconds": 0.05}, {"kept": True}, {"output": {"kept": True}}),
    "fail": ({"message": "order {{ input.id }} rejected"}, {"id": 7},
             {"error": "order 7 rejected", "attempts": 1}),
    "respond": ({"status": 201, "body": {"id": "{{ input.id }}"}}, {"id": 7},
                {"output": {"status": 201, "body": {"id": 7}}}),
}


def builtin_types() -> list[str]:
    return sorted(t for t, cls in load_node_types().items() if cls.__module__.startswith("automateos.nodes.builtin"))


def test_every_builtin_node_has_a_kit_case() -> None:
    # http_request needs a local server: its kit tests are below.
    assert set(builtin_types()) - set(CASES) - {"http_request"} == set()


@pytest.mark.parametrize("node_type", builtin_types())
def test_every_builtin_node_honours_the_contract(node_type: str) -> None:
    check_node_contract(load_node_types()[node_type], installed=True)


@pytest.mark.parametrize("node_type", sorted(CASES))
def test_every_builtin_node_runs_through_the_kit(node_type: str) -> None:
    if node_type not in load_node_types():
        pytest.skip(f"{node_type} is not installed here")
    params, input, expected = CASES[node_type]

    run = run_node(node_type, params, input, sleep=False)

    if "error" in expected:
        assert not run.ok and run.error["message"] == expected["error"]
        assert len(run.attempts) == expected["attempts"]
        return
    assert run.ok, run.error
    output = run.output
    if isinstance(output, dict) and isinstance(expected["output"], dict):
        output = {k: output[k] for k in expected["output"]}  # e.g. respond adds its headers
    assert output == expected["output"]
    assert run.port == expected.get("port", run.port)


def test_http_request_through_the_kit_reaches_only_an_allowed_local_server(server: LocalServer) -> None:
    params = {"url": server.url("/json"), "query": {"q": "{{ input.q }}"}}

    refused = run_node("http_request", params, {"q": "x"}, sleep=False)
    allowed = run_node("http_request", params, {"q": "x"}, sleep=False, http_allowed=[("127.0.0.1", server.port)])

    assert isinstance(refused.exception, BlockedDestination) and len(refused.attempts) == 1  # final
    assert allowed.ok, allowed.error
    assert allowed.output["status"] == 200
    assert server.requests[-1]["query"] == {"q": ["x"]}


def test_http_request_retries_a_5xx_and_not_a_4xx(server: LocalServer) -> None:
    allowed = [("127.0.0.1", server.port)]

    five = run_node("http_request", {"url": server.url("/status/503")}, None, sleep=False, http_allowed=allowed)
    four = run_node("http_request", {"url": server.url("/status/404")}, None, sleep=False, http_allowed=allowed)

    assert [a.error["type"] for a in five.attempts] == ["RetryableNodeError"] * 3  # 1 + max_retries 2
    assert len(five.delays) == 2
    assert [a.error["type"] for a in four.attempts] == ["NodeError"]


# --- the engine's rules ----------------------------------------------------------------------

class Flaky(Node):
    """Fails with a retryable error until its third attempt, logging each try."""

    type = "flaky_test"
    name = "Flaky"
    description = "Succeeds on the third attempt."
    max_retries = 3
    retry_backoff = 0.5

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        ctx.log.info("attempt %s", ctx.attempt)
        if ctx.attempt < 3:
            raise RetryableNodeError("try later", retry_after=10)
        return {"attempt": ctx.attempt}


class Final(Node):
    """Raises a final NodeError."""

    type = "final_test"
    name = "Final"
    description = "Always refuses."
    max_retries = 5

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        raise NodeError("no")


class Buggy(Node):
    """Raises an unexpected exception: retried like any unforeseen failure."""

    type = "buggy_test"
    name = "Buggy"
    description = "Divides by zero."
    max_retries = 1

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        return 1 / 0


class Spin(Node):
    """Computes for ever."""

    type = "spin_test"
    name = "Spin"
    description = "Never returns."
    timeout_seconds = 0.2

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        while True:
            pass


class Nan(Node):
    """Outputs NaN, which no database can store."""

    type = "nan_test"
    name = "NaN"
    description = "Outputs NaN."
    max_retries = 3

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        return {"x": math.nan}


class CountParams(Schema):
    """Params of Count."""

    n = fields.Integer(required=True, metadata={"description": "How many."})


class Count(Node):
    """Outputs n, emitted on port ``many`` when over 10."""

    type = "count_test"
    name = "Count"
    description = "Outputs n."
    params_schema = CountParams
    outputs = ("main", "many")

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        return Emit("many", params["n"]) if params["n"] > 10 else params["n"]


def test_a_retryable_error_is_retried_with_backoff_and_retry_after() -> None:
    slept: list[float] = []

    run = run_node(Flaky, sleep=slept.append)

    assert run.ok and run.output == {"attempt": 3}
    assert len(run.attempts) == 3 and run.delays == slept
    assert all(delay >= 10 for delay in run.delays)  # Retry-After wins over a shorter backoff
    assert [line["message"] for line in run.logs] == ["attempt 1", "attempt 2", "attempt 3"]
    assert set(run.logs[0]) == {"level", "message", "time"} and run.logs[0]["level"] == "INFO"


def test_the_backoff_doubles_with_jitter_and_is_really_waited() -> None:
    started = time.monotonic()
    run = run_node(Buggy, retry_backoff=0.1)
    assert time.monotonic() - started >= run.delays[0] >= 0.05
    assert run.error["type"] == "ZeroDivisionError" and len(run.attempts) == 2


def test_a_node_error_is_final_whatever_max_retries() -> None:
    run = run_node(Final, sleep=False)
    assert not run.ok and len(run.attempts) == 1 and run.delays == []
    with pytest.raises(NodeError, match="^no$"):
        run.raise_error()


def test_the_time_limit_stops_a_runaway_node() -> None:
    run = run_node(Spin, sleep=False)
    assert run.error["type"] == "StepTimedOut"
    assert run.error["message"] == "node 'node' timed out after 0.2 s"


def test_an_unstorable_output_fails_at_once() -> None:
    run = run_node(Nan, sleep=False)
    assert run.error["type"] == "UnstorableOutput" and len(run.attempts) == 1
    assert "output.x is nan" in run.error["message"]


def test_params_are_evaluated_then_validated() -> None:
    many = run_node(Count, {"n": "{{ input.n + 1 }}"}, {"n": 41})
    bad = run_node(Count, {"n": "{{ input.word }}"}, {"word": "many"}, sleep=False)
    broken = run_node(Count, {"n": "{{ input.n // 0 }}"}, {"n": 1}, sleep=False)

    assert (many.output, many.port, many.params) == (42, "many", {"n": 42})
    assert "params are invalid after evaluating expressions" in bad.error["message"]
    assert broken.error["type"] == "ExpressionError" and "input.n // 0" in broken.error["message"]


def test_expressions_see_nodes_and_trigger() -> None:
    run = run_node("transform", {"fields": {"a": "{{ nodes.first.v }}", "t": "{{ trigger.id }}"}},
                   {"ignored": True}, nodes={"first": {"v": 5}}, trigger={"id": "T"})
    assert run.output == {"a": 5, "t": "T"}


def test_a_filter_that_stops_its_branch() -> None:
    run = run_node("filter", {"conditions": [{"left": 1, "op": "eq", "right": 2}]}, {"x": 1})
    assert run.ok and run.stopped and run.output is None


# --- credentials -----------------------------------------------------------------------------

class ApiKeyFields(Schema):
    """Fields of the test credential type."""

    api_key = fields.String(required=True)
    region = fields.String(load_default="eu")


class ApiKey(CredentialType):
    """An API key (test type)."""

    name = "kit_test_api_key"
    display_name = "API key (test)"
    fields_schema = ApiKeyFields
    secret_fields = ("api_key",)


class UsesKey(Node):
    """Outputs which region its credential names, and whether it has a key."""

    type = "uses_key_test"
    name = "Uses a key"
    description = "Reads its credential."
    credential_type = "kit_test_api_key"

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        ctx.log.info("context %r", ctx)
        return {"region": ctx.credential["region"], "has_key": bool(ctx.credential["api_key"]),
                "credential_param": params["credential"]}


@pytest.fixture
def api_key_type() -> Any:
    credential_types.register(ApiKey)
    yield ApiKey
    credential_types.unregister(ApiKey.name)


def test_credentials_are_validated_and_handed_over_without_showing(api_key_type: Any) -> None:
    run = run_node(UsesKey, credentials={"api_key": "s3cr3t-value"})

    assert run.ok, run.error
    assert run.output == {"region": "eu", "has_key": True, "credential_param": 1}
    assert "s3cr3t-value" not in str(run.logs)  # a context's repr never shows the credential
    with pytest.raises(ValueError, match="kit_test_api_key"):
        run_node(UsesKey, credentials={"token": "wrong field"})


def test_a_node_with_a_credential_type_needs_a_credential(api_key_type: Any) -> None:
    run = run_node(UsesKey, sleep=False)
    assert "credential" in run.error["message"]
    with pytest.raises(TypeError, match="declares no credential_type"):
        run_node(Count, {"n": 1}, credentials={"api_key": "x"})


# --- check_node_contract ---------------------------------------------------------------------

class NoDoc(Node):
    type = "nodoc_test"
    name = "No doc"
    description = ""

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        return input


class BadDefaultParams(Schema):
    """A default its own field refuses."""

    mode = fields.String(load_default="many", validate=validate.OneOf(["one", "all"]))


class BadDefault(Node):
    """Has a default its field refuses and a credential type nobody declares."""

    type = "bad_default_test"
    name = "Bad default"
    description = "Broken on purpose."
    params_schema = BadDefaultParams
    credential_type = "nobody_declares_this"

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        return input


def test_check_node_contract_lists_every_problem() -> None:
    with pytest.raises(NodeContractError) as caught:
        check_node_contract(NoDoc)
    assert "has no docstring" in str(caught.value) and "empty description" in str(caught.value)

    problems = contract_report(BadDefault)
    assert any("param 'mode': its default 'many' is refused" in p for p in problems)
    assert any("credential_type 'nobody_declares_this' is declared by no installed package" in p for p in problems)


def test_check_node_contract_installed_checks_the_entry_point() -> None:
    check_node_contract(Count)  # fine as a class
    with pytest.raises(NodeContractError, match="no loaded automateos.nodes entry point named 'count_test'"):
        check_node_contract(Count, installed=True)


def test_check_node_contract_includes_the_registry_checks() -> None:
    class Broken(Node):
        """Declares no type."""

    with pytest.raises(NodeContractError, match="declares type None"):
        check_node_contract(Broken)
