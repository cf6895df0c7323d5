"""Graph rules of a workflow definition (pure: no database, no broker).

A definition is ``{"nodes": [...], "edges": [...]}`` as in DESIGN.md. Its shape, node
types and params are the definition schema's to check (workflows/schemas.py); this module
holds what only the graph as a whole can break: unique ids, one trigger, edges between
existing nodes on existing ports, acyclic, reachable, joins only into joining nodes.
``Graph`` gives the engine its adjacency.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..nodes.base import Node

# Where a problem lies inside the definition, e.g. ("edges", 3, "output").
Path = tuple[str | int, ...]
SCHEMA = "_schema"  # marshmallow's key for "the object as a whole"


class InvalidDefinition(ValueError):
    """A definition that breaks a rule; ``problems`` lists every rule broken, as text."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "invalid definition")
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One broken rule and where it lies in the definition."""

    path: Path
    message: str

    def text(self) -> str:
        """``edges.3.output: message``: the location in the dotted form of the API's errors."""
        return ".".join(str(part) for part in self.path) + ": " + self.message


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
    def from_definition(cls, definition: Mapping[str, Any]) -> "Graph":
        """Build the adjacency of ``definition``."""
        nodes = {n["id"]: n for n in definition.get("nodes", [])}
        edges = [Edge(e["source"], e["target"], e.get("output") or "main") for e in definition.get("edges") or []]
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


def graph_problems(definition: Mapping[str, Any], lookup: Callable[[str], type[Node]]) -> list[Problem]:
    """Every graph rule ``definition`` breaks, located; empty when it is a valid workflow.

    ``definition`` has the shape the definition schema loads (nodes with string ``id`` and
    ``type``, edges with string ``source`` and ``target``). The rules come in two stages,
    as a cycle or an unreachable node means little while edges point nowhere.
    """
    nodes: list[Mapping[str, Any]] = list(definition["nodes"])
    edges: list[Mapping[str, Any]] = list(definition.get("edges") or [])
    problems: list[Problem] = []
    index: dict[str, int] = {}  # node id -> position of its first node
    classes: dict[str, type[Node]] = {}
    for i, node in enumerate(nodes):
        if node["id"] in index:
            problems.append(Problem(("nodes", i, "id"), f"node id '{node['id']}' is used twice"))
            continue
        index[node["id"]] = i
        try:
            classes[node["id"]] = lookup(node["type"])
        except LookupError:
            problems.append(Problem(("nodes", i, "type"), f"unknown node type '{node['type']}'"))
    problems.extend(_trigger_problems(nodes, index, classes))
    problems.extend(_edge_problems(edges, index, classes))
    if problems:
        return problems
    return _shape_of_graph_problems(Graph.from_definition(definition), index, classes)


def validate_definition(
    definition: Any, lookup: Callable[[str], type[Node]], validate_params: Callable[[type[Node], dict], dict] | None = None
) -> Graph:
    """The graph of a definition that keeps every rule, or InvalidDefinition listing them.

    ``definition`` is one the definition schema loaded (its shape and params are checked
    there, field by field). ``validate_params``, when given, checks each node's params
    again, for callers holding a definition that came another way.
    """
    if not _well_formed(definition):
        raise InvalidDefinition(["definition: nodes and edges must be loaded by the definition schema first"])
    problems = graph_problems(definition, lookup)
    if not problems and validate_params is not None:
        for i, node in enumerate(definition["nodes"]):
            errors = validate_params(lookup(node["type"]), node.get("params") or {})
            problems.extend(_located(("nodes", i, "params"), errors))
    if problems:
        raise InvalidDefinition([problem.text() for problem in problems])
    return Graph.from_definition(definition)


def _located(path: Path, errors: Any) -> list[Problem]:
    """marshmallow's nested error dict as one Problem per message list."""
    if isinstance(errors, dict):
        return [p for key, sub in errors.items() for p in _located((*path, key), sub)]
    if isinstance(errors, list) and all(isinstance(m, str) for m in errors):
        return [Problem(path, " ".join(errors))] if errors else []
    return [Problem(path, str(errors))]


def _well_formed(definition: Any) -> bool:
    """The shape graph_problems relies on (a cheap guard; the schema says what is wrong)."""
    if not isinstance(definition, Mapping) or not isinstance(definition.get("nodes"), list):
        return False
    edges = definition.get("edges") or []
    return (
        isinstance(edges, list)
        and all(isinstance(n, Mapping) and isinstance(n.get("id"), str) and isinstance(n.get("type"), str)
                for n in definition["nodes"])
        and all(isinstance(e, Mapping) and isinstance(e.get("source"), str) and isinstance(e.get("target"), str)
                and isinstance(e.get("output") or "main", str) for e in edges)
    )


def _trigger_problems(
    nodes: list[Mapping[str, Any]], index: dict[str, int], classes: dict[str, type[Node]]
) -> list[Problem]:
    triggers = [node_id for node_id, cls in classes.items() if cls.category == "trigger"]
    if not triggers:
        return [Problem(("nodes",), "a workflow needs exactly one trigger node, found 0")]
    if len(triggers) == 1:
        return []
    named = ", ".join(f"'{t}'" for t in triggers)
    message = f"a workflow needs exactly one trigger node, found {len(triggers)} ({named})"
    return [Problem(("nodes", index[t], "type"), message) for t in triggers]


def _edge_problems(
    edges: list[Mapping[str, Any]], index: dict[str, int], classes: dict[str, type[Node]]
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[Edge] = set()
    for i, raw in enumerate(edges):
        edge = Edge(raw["source"], raw["target"], raw.get("output") or "main")
        missing = [(end, name) for end, name in (("source", edge.source), ("target", edge.target)) if name not in index]
        for end, name in missing:
            problems.append(Problem(("edges", i, end), f"node '{name}' does not exist"))
        if missing or edge.source not in classes or edge.target not in classes:
            continue  # an unknown type is reported on its node
        ports = classes[edge.source].outputs
        if edge.output not in ports:
            problems.append(Problem(
                ("edges", i, "output"),
                f"node '{edge.source}' has no output port '{edge.output}' (ports: {', '.join(ports)})",
            ))
        if edge in seen:
            problems.append(Problem(("edges", i, SCHEMA), f"edge {edge.source} -> {edge.target} is given twice"))
        seen.add(edge)
        if classes[edge.target].category == "trigger":
            problems.append(Problem(("edges", i, "target"), f"node '{edge.target}' is a trigger: a trigger cannot have incoming edges"))
    return problems


def _shape_of_graph_problems(graph: Graph, index: dict[str, int], classes: dict[str, type[Node]]) -> list[Problem]:
    """Joins, cycles and reachability, on a graph whose edges are all sound."""
    problems = [
        Problem(("nodes", index[node_id], SCHEMA),
                f"node '{node_id}' has {len(graph.incoming[node_id])} incoming edges; join branches with a merge node")
        for node_id, cls in classes.items()
        if len(graph.incoming[node_id]) > 1 and not cls.joins_branches
    ]
    cycle = _cycle(graph)
    if cycle is not None:
        closing = next(i for i, e in enumerate(graph.edges) if (e.source, e.target) == (cycle[-2], cycle[-1]))
        problems.append(Problem(("edges", closing, SCHEMA),
                                f"closes the cycle {' -> '.join(cycle)}; workflows must be acyclic"))
        return problems
    trigger = next(node_id for node_id, cls in classes.items() if cls.category == "trigger")
    reachable = _reachable(graph, trigger)
    problems.extend(
        Problem(("nodes", index[node_id], SCHEMA), f"node '{node_id}' is not reachable from the trigger '{trigger}'")
        for node_id in classes if node_id not in reachable
    )
    return problems


def _cycle(graph: Graph) -> list[str] | None:
    """One cycle as a closed walk ``[a, b, ..., a]``, or None when the graph is acyclic."""
    if graph.topological_order() is not None:
        return None
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph.nodes:
        if start in state:
            continue
        path, stack = [start], [iter(graph.successors(start))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph.successors(nxt)))
    return None  # unreachable: topological_order found a cycle


def _reachable(graph: Graph, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.successors(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
