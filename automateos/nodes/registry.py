"""Discovers node types through the ``automateos.nodes`` entry points.

A plugin that fails to import, or does not honour the contract, is reported and skipped:
one broken third-party package never takes the platform down.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import entry_points

from .base import Node

ENTRY_POINT_GROUP = "automateos.nodes"
CATEGORIES = ("trigger", "action", "logic")

logger = logging.getLogger(__name__)


class UnknownNodeType(LookupError):
    """Raised for a node ``type`` no installed plugin provides."""


def _contract_problem(name: str, cls: object) -> str | None:
    """Why ``cls`` is not a usable node type for entry point ``name``, or None."""
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        return "is not a subclass of automateos.nodes.base.Node"
    if getattr(cls, "type", None) != name:
        return f"declares type {getattr(cls, 'type', None)!r}, entry point says {name!r}"
    if cls.category not in CATEGORIES:
        return f"has unknown category {cls.category!r}"
    if not cls.outputs:
        return "declares no output port"
    return None


@lru_cache(maxsize=1)
def load_node_types() -> dict[str, type[Node]]:
    """All usable node types by ``type``, loaded once per process."""
    found: dict[str, type[Node]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
        except Exception:  # any import error of a third party must not be fatal
            logger.exception("node plugin %r failed to import and is skipped", ep.name)
            continue
        problem = _contract_problem(ep.name, cls)
        if problem:
            logger.error("node plugin %r %s; skipped", ep.name, problem)
            continue
        if ep.name in found and found[ep.name] is not cls:
            logger.error("node type %r registered twice; keeping %s", ep.name, found[ep.name])
            continue
        found[ep.name] = cls
    return found


def get_node_type(type_name: str) -> type[Node]:
    """The node class registered as ``type_name``."""
    try:
        return load_node_types()[type_name]
    except KeyError:
        raise UnknownNodeType(type_name) from None
