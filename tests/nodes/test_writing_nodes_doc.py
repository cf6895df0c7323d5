"""docs/writing-nodes.md documents every public part of the node contract, of the kit and
every built-in node: adding one without documenting it fails here (as datasette's
test_docs does for its hooks)."""
from __future__ import annotations

import dataclasses
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from automateos import testing
from automateos.nodes import base, http
from automateos.nodes.base import Node, NodeContext
from automateos.nodes.registry import Status, load_node_types
from automateos.testing import Attempt, NodeRun

from .test_plugin_template import ROOT, install_metadata

DOC = ROOT / "docs" / "writing-nodes.md"


@pytest.fixture(scope="module")
def documented() -> set[str]:
    """Every `code span` of the page, and each name in a call such as `close()`."""
    spans = re.findall(r"`([^`\n]+)`", DOC.read_text())
    names = set(spans)
    for span in spans:
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return names


def public(names: object) -> list[str]:
    return sorted(n for n in names if not n.startswith("_"))  # type: ignore[attr-defined]


def node_attributes() -> list[str]:
    declared = set(Node.__annotations__) | set(vars(Node))
    return public(n for n in declared if n not in {"__init_subclass__"})


def context_attributes() -> list[str]:
    fields = {f.name for f in dataclasses.fields(NodeContext)}
    members = {n for n, _ in inspect.getmembers(NodeContext) if n in vars(NodeContext)}
    return public(fields | members)


@pytest.mark.parametrize("attribute", node_attributes())
def test_every_node_attribute_is_documented(attribute: str, documented: set[str]) -> None:
    assert attribute in documented


@pytest.mark.parametrize("attribute", context_attributes())
def test_every_context_attribute_is_documented(attribute: str, documented: set[str]) -> None:
    assert attribute in documented


@pytest.mark.parametrize("name", sorted(set(base.__all__) - {"EmptyParams", "StepLogger", "Stop"}
                                        | {"raise_for_status", "ResponseTooLarge", "NodeSession"}))
def test_every_export_of_the_contract_is_documented(name: str, documented: set[str]) -> None:
    assert name in documented
    assert hasattr(base, name) or hasattr(http, name)


@pytest.mark.parametrize("name", sorted(testing.__all__))
def test_every_export_of_the_kit_is_documented(name: str, documented: set[str]) -> None:
    assert name in documented


@pytest.mark.parametrize("attribute", public(
    {f.name for f in dataclasses.fields(NodeRun)} | {n for n in vars(NodeRun) if not n.startswith("_")}
    | {f.name for f in dataclasses.fields(Attempt)}))
def test_every_attribute_of_a_run_is_documented(attribute: str, documented: set[str]) -> None:
    assert attribute in documented


@pytest.mark.parametrize("status", [str(s) for s in Status if s != Status.LOADED])
def test_every_registry_status_is_documented(status: str, documented: set[str]) -> None:
    assert status in documented


@pytest.mark.parametrize("node_type", sorted(
    t for t, cls in load_node_types().items() if cls.__module__.startswith("automateos.nodes.builtin")))
def test_every_builtin_node_is_documented(node_type: str) -> None:
    assert re.search(rf"^\| `{re.escape(node_type)}` \|", DOC.read_text(), re.MULTILINE), node_type


def test_the_guide_example_works_as_written(tmp_path: Path) -> None:
    """The guide's pyproject.toml, node and tests, copied verbatim into an empty folder and
    installed, pass: a reader who follows the page gets a working node."""
    blocks = re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(), re.DOTALL)
    pyproject = next(body for lang, body in blocks if lang == "toml")
    node, conftest, tests = [body for lang, body in blocks if lang == "python"][:3]
    package = tmp_path / "automateos-greeting"
    (package / "automateos_greeting").mkdir(parents=True)
    (package / "tests").mkdir()
    (package / "pyproject.toml").write_text(pyproject)
    (package / "conftest.py").write_text(conftest)
    (package / "automateos_greeting" / "__init__.py").write_text("")
    (package / "automateos_greeting" / "nodes.py").write_text(node)
    (package / "tests" / "test_nodes.py").write_text(tests)
    site = tmp_path / "site"
    install_metadata(package / "pyproject.toml", site)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(package), str(ROOT)])}

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests"],
                          cwd=package, env=env, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
