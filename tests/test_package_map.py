"""The package map: packages import downward only, without cycles, and no import of an
AutomateOS module hides inside a function (an import there to dodge a cycle is a cycle).

Every module under automateos/ is parsed with ``ast``; nothing is imported. A package
(``automateos/engine/``) or a top-level module (``automateos/errors.py``) is one node of the
map, placed on a layer below; a node may import its own layer or lower ones, never a
higher one, and the imports between nodes form no cycle.
"""
from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

import automateos
from automateos import create_app
from automateos.engine.broker import get_broker, get_worker
from config import TestConfig
from tests.conftest import wait_for_log, webhook_flow

PACKAGE = "automateos"
ROOT = Path(automateos.__file__).resolve().parent
FACTORY = PACKAGE  # automateos/__init__.py: the app factory, on the app layer

# Lowest first. A new package or top-level module must be placed here.
LAYERS: list[tuple[str, frozenset[str]]] = [
    ("core", frozenset({"extensions", "db_types", "errors", "jsonbody", "json_provider", "redaction",
                        "pagination", "security_headers", "logging_setup"})),
    ("bus and expressions", frozenset({"bus", "expressions"})),
    ("nodes and auth", frozenset({"nodes", "auth"})),
    ("credentials", frozenset({"credentials"})),
    ("engine", frozenset({"engine"})),
    ("workflows and the plugin kit", frozenset({"workflows", "testing"})),
    ("logs", frozenset({"logs"})),
    ("events", frozenset({"events"})),
    ("app", frozenset({FACTORY, "routing", "dashboard", "proxy", "ticker", "serve", "metrics"})),
    ("console script", frozenset({"cli"})),  # builds the app: above the factory
]
LAYER_OF = {node: index for index, (_, nodes) in enumerate(LAYERS) for node in nodes}

# Function-level imports of our own modules that a library forces, with the reason.
ALLOWED_FUNCTION_IMPORTS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    """One import of an AutomateOS module found in the source."""

    importer: str  # dotted module name
    imported: str  # dotted module name
    line: int
    in_function: bool

    @property
    def edge(self) -> tuple[str, str]:
        return self.importer, self.imported


def module_name(path: Path) -> str:
    """``automateos/engine/runner.py`` -> ``automateos.engine.runner``."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    """True when ``name`` is a module or package under automateos/."""
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative / "__init__.py").is_file()


def node_of(module: str) -> str:
    """The map node of a module: its top-level package or module under automateos/."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACTORY


def imports_of(path: Path) -> Iterator[Import]:
    """The AutomateOS modules that ``path`` imports, with where."""
    yield from imports_in(path.read_text(), module_name(path), is_package=path.name == "__init__.py")


def imports_in(source_code: str, importer: str, is_package: bool = False) -> Iterator[Import]:
    """The AutomateOS modules that module ``importer`` (of source ``source_code``) imports."""
    package = importer if is_package else importer.rpartition(".")[0]
    tree = ast.parse(source_code, importer)

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                        yield Import(importer, alias.name, child.lineno, inside)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                if source != PACKAGE and not source.startswith(PACKAGE + "."):
                    continue
                for alias in child.names:  # ``from . import x`` imports the module x
                    target = f"{source}.{alias.name}"
                    yield Import(importer, target if is_module(target) else source, child.lineno, inside)
            yield from visit(child, inside)

    yield from visit(tree, False)


def all_imports() -> list[Import]:
    return [imp for path in sorted(ROOT.rglob("*.py")) for imp in imports_of(path)]


def render_map(imports: list[Import]) -> str:
    """The map as it stands: each layer, its nodes and what each node imports."""
    uses: dict[str, set[str]] = {}
    for imp in imports:
        source, target = node_of(imp.importer), node_of(imp.imported)
        if source != target:
            uses.setdefault(source, set()).add(target)
    lines = []
    for index, (name, nodes) in reversed(list(enumerate(LAYERS))):
        lines.append(f"{index} {name}:")
        for node in sorted(nodes):
            lines.append(f"    {node} -> {', '.join(sorted(uses.get(node, ()))) or '-'}")
    return "\n".join(lines)


def cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        source, target = node_of(imp.importer), node_of(imp.imported)
        graph.setdefault(source, set())
        graph.setdefault(target, set())
        if source != target:
            graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


IMPORTS = all_imports()


def goes_up(imp: Import) -> bool:
    """True when ``imp`` imports a node on a higher layer than its importer's."""
    return LAYER_OF.get(node_of(imp.imported), -1) > LAYER_OF.get(node_of(imp.importer), len(LAYERS))


UPWARD = {imp.edge: imp for imp in IMPORTS if goes_up(imp)}
IN_FUNCTIONS = {imp.edge: imp for imp in IMPORTS if imp.in_function}


def test_every_package_and_module_is_on_the_map():
    unplaced = sorted({node_of(imp.importer) for imp in IMPORTS} | {node_of(imp.imported) for imp in IMPORTS}
                      | {node_of(module_name(p)) for p in ROOT.rglob("*.py")})
    unplaced = [node for node in unplaced if node not in LAYER_OF]
    assert not unplaced, f"place {unplaced} on a layer of LAYERS in tests/test_package_map.py\n{render_map(IMPORTS)}"


def test_imports_only_go_down_the_map():
    upward = [f"{imp.importer}:{imp.line} imports {imp.imported} "
              f"({node_of(imp.importer)} is below {node_of(imp.imported)})"
              for imp in UPWARD.values()]
    assert not upward, "\n".join(upward) + "\n\n" + render_map(IMPORTS)


def test_no_cycle_between_packages():
    found = cycles(IMPORTS)
    assert not found, f"import cycles between {found}\n\n{render_map(IMPORTS)}"


def test_no_automateos_import_inside_a_function():
    hidden = [f"{imp.importer}:{imp.line} imports {imp.imported} inside a function"
              for edge, imp in sorted(IN_FUNCTIONS.items())
              if edge not in ALLOWED_FUNCTION_IMPORTS]
    assert not hidden, "\n".join(hidden) + "\n\n" + render_map(IMPORTS)


def test_the_map_sees_imports_of_every_kind():
    # The parser itself: relative, absolute, ``from . import module``, and nested ones.
    found = {imp.edge: imp for imp in IMPORTS}
    assert ("automateos.engine.actors", "automateos.engine.broker") in found  # from .broker import ...
    assert ("automateos.nodes.params", "automateos.expressions") in found  # from automateos.expressions import ...
    assert ("automateos.events", "automateos.bus") in found  # from .. import bus as event_bus
    assert not found[("automateos.engine.actors", "automateos.engine.broker")].in_function


def test_the_map_sees_an_import_inside_a_function():
    source = "import os\n\ndef later():\n    from ..workflows import models\n    return models\n"
    found = list(imports_in(source, "automateos.engine.example"))
    assert [(imp.imported, imp.in_function) for imp in found] == [("automateos.workflows.models", True)]
    assert goes_up(found[0])


def test_building_an_app_starts_no_worker_and_no_thread(app: Flask, client, user):
    # Given the suite's app and its worker (conftest starts it)
    before = {thread.ident for thread in threading.enumerate()}
    # When a second app is built beside it
    other = create_app(TestConfig)
    # Then nothing started, the new app has a broker of its own and no worker
    assert {thread.ident for thread in threading.enumerate()} <= before
    assert get_worker(other) is None and get_broker(other) is not get_broker(app)
    # And the suite's runs still reach the suite's worker
    workflow = user.create_workflow(webhook_flow({"id": "t", "type": "transform", "params": {"fields": {"x": "1"}}}))
    log_id = client.post(f"/api/hooks/{workflow['webhook_url'].rsplit('/', 1)[1]}", json={}).get_json()["log_id"]
    assert wait_for_log(app, user, log_id)["status"] == "success"
