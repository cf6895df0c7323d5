"""The example nodes, tested with the AutomateOS kit only (fixtures run_node and
check_node_contract come with AutomateOS's pytest plugin)."""
from __future__ import annotations

from automateos.nodes.ssrf import BlockedDestination

from automateos_example.nodes import CreateItem, Greet


def test_the_nodes_honour_the_contract_and_are_installed(check_node_contract) -> None:
    check_node_contract(Greet, installed=True)
    check_node_contract(CreateItem, installed=True)


def test_greet_evaluates_its_expression(run_node) -> None:
    run = run_node("example_greet", {"name": "{{ input.user }}", "shout": True}, {"user": "Ada"})
    assert run.ok, run.error
    assert run.output == {"greeting": "HELLO, ADA!"}


def test_greet_refuses_an_empty_name(run_node) -> None:
    run = run_node(Greet, {"name": ""})
    assert not run.ok and "params are invalid" in run.error["message"]


def test_create_item_posts_with_the_credential(run_node, api) -> None:
    run = run_node(CreateItem, {"title": "{{ input.subject }}"}, {"subject": "Hello"},
                   credentials={"base_url": api.base_url, "api_key": "k-123"},
                   http_allowed=[("127.0.0.1", api.port)])

    assert run.ok, run.error
    assert run.output == {"id": 1, "title": "Hello", "tags": []}
    assert api.requests[0]["headers"]["Authorization"] == "Bearer k-123"
    assert [line["message"] for line in run.logs] == ["created item 1"]


def test_a_refused_request_fails_at_once(run_node, api) -> None:
    api.answers = [401]
    run = run_node(CreateItem, {"title": "x"}, credentials={"base_url": api.base_url, "api_key": "bad"},
                   http_allowed=[("127.0.0.1", api.port)])
    assert run.error["type"] == "NodeError" and "HTTP 401" in run.error["message"]
    assert len(run.attempts) == 1


def test_a_server_error_is_retried_with_backoff(run_node, api) -> None:
    api.answers = [503, 502]
    run = run_node(CreateItem, {"title": "x"}, credentials={"base_url": api.base_url, "api_key": "k"},
                   http_allowed=[("127.0.0.1", api.port)])
    assert run.ok and len(run.attempts) == 3 and len(run.delays) == 2  # not slept: the fixture's default


def test_private_addresses_are_refused_unless_allowed(run_node, api) -> None:
    run = run_node(CreateItem, {"title": "x"}, credentials={"base_url": api.base_url, "api_key": "k"})
    assert isinstance(run.exception, BlockedDestination) and api.requests == []
