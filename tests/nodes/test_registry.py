"""The registry: built-ins load through entry points; a broken plugin is skipped, not fatal."""
from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from automateos.nodes.base import Node
from automateos.nodes.registry import UnknownNodeType, get_node_type, load_node_types

BUILTINS = {
    "webhook", "manual", "schedule", "http_request", "transform",
    "filter", "if", "merge", "delay", "fail",
}
CONTRACT = ("type", "name", "description", "category", "version", "params_schema",
            "outputs", "max_retries", "retry_backoff", "timeout_seconds")


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    """Each test discovers plugins anew, and leaves no fake plugin cached behind."""
    load_node_types.cache_clear()
    yield
    load_node_types.cache_clear()


@pytest.fixture
def fake_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed-looking distribution on sys.path with three automateos.nodes plugins:
    one that fails to import, one that breaks the contract, one that works."""
    dist_info = tmp_path / "fake_nodes-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-nodes\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(textwrap.dedent("""\
        [automateos.nodes]
        broken = fake_nodes_missing_module:BrokenNode
        liar = fake_nodes_plugin:Liar
        echo = fake_nodes_plugin:Echo
    """))
    (tmp_path / "fake_nodes_plugin.py").write_text(textwrap.dedent("""\
        from automateos.nodes.base import Node

        class Liar(Node):
            type = "not_liar"
            name = "Liar"

        class Echo(Node):
            type = "echo"
            name = "Echo"

            def execute(self, ctx, params, input):
                return input
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_all_builtins_load() -> None:
    assert set(load_node_types()) >= BUILTINS


@pytest.mark.parametrize("node_type", sorted(BUILTINS))
def test_builtins_honour_the_contract(node_type: str) -> None:
    cls = get_node_type(node_type)
    assert issubclass(cls, Node)
    for attribute in CONTRACT:
        assert hasattr(cls, attribute), attribute
    assert cls.type == node_type
    assert cls.name and cls.description
    assert cls.__doc__


def test_a_broken_plugin_is_skipped_and_logged(
    fake_distribution: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alembic's fileConfig (run by the suite's migrations) disables loggers that already
    # exist; re-enable ours so the test sees what the registry reports.
    monkeypatch.setattr(logging.getLogger("automateos.nodes.registry"), "disabled", False)
    with caplog.at_level(logging.ERROR, logger="automateos.nodes.registry"):
        types = load_node_types()

    assert set(types) >= BUILTINS | {"echo"}
    assert "broken" not in types and "liar" not in types
    logged = caplog.text
    assert "'broken' failed to import" in logged
    assert "'liar' declares type 'not_liar'" in logged


def test_an_unknown_type_is_a_lookup_error() -> None:
    with pytest.raises(UnknownNodeType):
        get_node_type("teleport")
