"""Graph rules of a workflow definition (pure: no database, no broker).

A definition is ``{"nodes": [...], "edges": [...]}`` as in DESIGN.md. ``Graph`` gives the
engine its adjacency; ``validate_definition`` is what saving a workflow runs.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from ..nodes.base import Node

NODE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")
STEP_OVERRIDES = {"max_retries": (0, 10), "retry_backoff": (0, 3600), "timeout_seconds": (0.1, 7200)}


class InvalidDefinition(ValueError):
    """A definition that breaks a rule; ``problems`` lists every rule broken."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "invalid definition")
        self.problems = problems


@dataclass(frozen=True)
class Edge:
    """A connection from ``source``'s output port ``output`` to ``target``."""

    source: str
    target: str
    output: str = "main"


@dataclass
class Graph:
    """Adjacency of a definition already known to be valid."""

    nodes: dict[str, dict[str, Any]]
    edges: list[Edge]
    incoming: dict[str, list[Edge]] = field(default_factory=dict)
    outgoing: dict[str, list[Edge]] = field(default_factory=dict)

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> "Graph":
        """Build the adjacency of ``definition``."""
        nodes = {n["id"]: n for n in definition.get("nodes", [])}
        edges = [Edge(e["source"], e["target"], e.get("output") or "main") for e in definition.get("edges", [])]
        graph = cls(nodes=nodes, edges=edges)
        for node_id in nodes:
            graph.incoming[node_id] = []
            graph.outgoing[node_id] = []
        for edge in edges:
            graph.outgoing.setdefault(edge.source, []).append(edge)
            graph.incoming.setdefault(edge.target, []).append(edge)
        return graph

    def roots(self) -> list[str]:
        """Nodes without incoming edges (in a valid graph: the trigger alone)."""
        return [n for n in self.nodes if not self.incoming.get(n)]

    def leaves(self) -> list[str]:
        """Nodes without outgoing edges: their outputs make the run's result."""
        return [n for n in self.nodes if not self.outgoing.get(n)]

    def successors(self, node_id: str) -> list[str]:
        """Distinct targets of ``node_id``'s edges, in edge order."""
        return list(dict.fromkeys(e.target for e in self.outgoing.get(node_id, [])))

    def topological_order(self) -> list[str] | None:
        """Nodes in dependency order, or None when there is a cycle."""
        indegree = {n: len(self.incoming.get(n, [])) for n in self.nodes}
        ready = deque(n for n, d in indegree.items() if d == 0)
        order: list[str] = []
        while ready:
            node_id = ready.popleft()
            order.append(node_id)
            for edge in self.outgoing.get(node_id, []):
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    ready.append(edge.target)
        return order if len(order) == len(self.nodes) else None


def _shape_problems(definition: Any) -> list[str]:
    if not isinstance(definition, dict):
        return ["definition must be an object with 'nodes' and 'edges'"]
    problems = []
    nodes, edges = definition.get("nodes"), definition.get("edges", [])
    if not isinstance(nodes, list) or not nodes:
        problems.append("definition.nodes must be a non-empty list")
    if not isinstance(edges, list):
        problems.append("definition.edges must be a list")
    if problems:
        return problems
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            problems.append(f"nodes[{i}] must be an object")
        elif not isinstance(node.get("id"), str) or not NODE_ID.match(node["id"]):
            problems.append(f"nodes[{i}].id must be 1-100 letters, digits, '_' or '-'")
        elif not isinstance(node.get("type"), str):
            problems.append(f"node '{node['id']}': type is required")
        elif not isinstance(node.get("params", {}), dict):
            problems.append(f"node '{node['id']}': params must be an object")
    for i, edge in enumerate(edges):
        if not isinstance(edge, dict) or not isinstance(edge.get("source"), str) or not isinstance(edge.get("target"), str):
            problems.append(f"edges[{i}] must be an object with string 'source' and 'target'")
        elif not isinstance(edge.get("output", "main"), str):
            problems.append(f"edges[{i}].output must be a string")
    return problems


def _node_problems(node: dict[str, Any], node_cls: type[Node], validate_params: Callable) -> list[str]:
    problems = []
    label = f"node '{node['id']}' ({node['type']})"
    for key, (low, high) in STEP_OVERRIDES.items():
        value = node.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high):
            problems.append(f"{label}: {key} must be a number from {low} to {high}")
    for field_name, messages in _flatten(validate_params(node_cls, node.get("params") or {})):
        problems.append(f"{label}: params.{field_name}: {messages}")
    return problems


def _flatten(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict as (dotted.field, message) pairs."""
    if isinstance(errors, dict):
        pairs = []
        for key, value in errors.items():
            pairs.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(errors, list) and all(isinstance(m, str) for m in errors):
        return [(prefix or "_schema", " ".join(errors))]
    return [(prefix or "_schema", str(errors))]


def validate_definition(
    definition: Any, lookup: Callable[[str], type[Node]], validate_params: Callable[[type[Node], dict], dict]
) -> Graph:
    """Check every rule of a definition and return its graph, or raise InvalidDefinition.

    Rules: known node types with valid params, unique ids, exactly one trigger with no
    incoming edge, edges between existing nodes on existing ports, a DAG, every node
    reachable from the trigger, several incoming edges only into a joining node (merge).
    """
    problems = _shape_problems(definition)
    if problems:
        raise InvalidDefinition(problems)
    classes: dict[str, type[Node]] = {}
    for node in definition["nodes"]:
        if node["id"] in classes:
            problems.append(f"node id '{node['id']}' is used twice")
            continue
        try:
            classes[node["id"]] = lookup(node["type"])
        except LookupError:
            problems.append(f"node '{node['id']}': unknown type '{node['type']}'")
            continue
        problems.extend(_node_problems(node, classes[node["id"]], validate_params))
    if problems:
        raise InvalidDefinition(problems)

    graph = Graph.from_definition(definition)
    triggers = [n for n, cls in classes.items() if cls.category == "trigger"]
    if len(triggers) != 1:
        problems.append(f"a workflow needs exactly one trigger node, found {len(triggers)}")
    seen_edges: set[Edge] = set()
    for edge in graph.edges:
        if edge.source not in classes or edge.target not in classes:
            missing = edge.source if edge.source not in classes else edge.target
            problems.append(f"edge {edge.source} -> {edge.target}: node '{missing}' does not exist")
            continue
        if edge.output not in classes[edge.source].outputs:
            problems.append(
                f"edge {edge.source} -> {edge.target}: node '{edge.source}' has no output port "
                f"'{edge.output}' (ports: {', '.join(classes[edge.source].outputs)})"
            )
        if edge in seen_edges:
            problems.append(f"edge {edge.source} -> {edge.target} is given twice")
        seen_edges.add(edge)
        if classes[edge.target].category == "trigger":
            problems.append(f"edge {edge.source} -> {edge.target}: a trigger cannot have incoming edges")
    if problems:
        raise InvalidDefinition(problems)
    for node_id, cls in classes.items():
        if len(graph.incoming[node_id]) > 1 and not cls.joins_branches:
            problems.append(f"node '{node_id}' has {len(graph.incoming[node_id])} incoming edges; join branches with a merge node")
    if graph.topological_order() is None:
        problems.append("the graph has a cycle; workflows must be acyclic")
    elif triggers:
        reachable = _reachable(graph, triggers[0])
        for node_id in classes:
            if node_id not in reachable:
                problems.append(f"node '{node_id}' is not reachable from the trigger '{triggers[0]}'")
    if problems:
        raise InvalidDefinition(problems)
    return graph


def _reachable(graph: Graph, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.successors(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
