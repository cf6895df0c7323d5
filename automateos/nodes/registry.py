"""Discovers node types through the ``automateos.nodes`` entry points (importlib.metadata).

Web and worker load the same way, once per process and selection. Every entry point seen
gets a status: ``loaded``, ``disabled`` (by ``AUTOMATEOS_NODES_ENABLED`` /
``AUTOMATEOS_NODES_DISABLED``), or a problem: ``import_error``, ``contract_violation``,
``duplicate``. A problem is logged, listed by :func:`load_errors` (``GET /api/nodes/problems``,
``flask nodes list``) and skipped: one broken third-party package never takes the
platform down.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from flask import current_app, has_app_context
from marshmallow import Schema

from .base import CREDENTIAL_PARAM, CredentialId, Node
from .params import params_json_schema

ENTRY_POINT_GROUP = "automateos.nodes"
CATEGORIES = ("trigger", "action", "logic")
BUILTIN_DISTRIBUTION = "automateos"
# A type is stored in every definition that uses it: short, lower case, URL-safe.
TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{0,63}")

logger = logging.getLogger(__name__)


class UnknownNodeType(LookupError):
    """Raised for a node ``type`` no installed (and enabled) plugin provides."""


class Status(StrEnum):
    """What became of one entry point."""

    LOADED = "loaded"
    DISABLED = "disabled"
    IMPORT_ERROR = "import_error"
    CONTRACT_VIOLATION = "contract_violation"
    DUPLICATE = "duplicate"


PROBLEMS = (Status.IMPORT_ERROR, Status.CONTRACT_VIOLATION, Status.DUPLICATE)


@dataclass(frozen=True)
class PluginEntry:
    """One ``automateos.nodes`` entry point and what became of it.

    Parameters:
      type: the entry point's name, which is the node type it claims.
      target: ``module:Class`` it points to.
      package, package_version: the distribution declaring it (None if unknown).
      status: see :class:`Status`.
      message: why it was not loaded (empty when loaded).
      node_class: the class, when loaded.
    """

    type: str
    target: str
    package: str | None
    package_version: str | None
    status: Status
    message: str = ""
    node_class: type[Node] | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The entry as the API and the CLI show it."""
        return {"type": self.type, "target": self.target, "package": self.package,
                "package_version": self.package_version, "status": str(self.status),
                "message": self.message}


@dataclass(frozen=True)
class NodeRegistry:
    """The outcome of one discovery: every entry point seen, in type order."""

    entries: tuple[PluginEntry, ...]
    # The loaded entries and their classes by type (derived from entries; read on every
    # step, so built once).
    loaded: dict[str, PluginEntry] = field(init=False, compare=False, repr=False)
    types: dict[str, type[Node]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        loaded = {e.type: e for e in self.entries if e.status == Status.LOADED and e.node_class}
        object.__setattr__(self, "loaded", loaded)
        object.__setattr__(self, "types", {name: e.node_class for name, e in loaded.items()})

    def problems(self) -> list[PluginEntry]:
        """Entries skipped because something is wrong with them (not the disabled ones)."""
        return [e for e in self.entries if e.status in PROBLEMS]


def contract_problems(name: str, cls: object) -> list[str]:
    """Why ``cls`` is not a usable node type for entry point ``name``; empty when it is.

    These are the checks a class must pass to be loaded at all (the author's kit adds
    stricter ones: docstring, valid defaults, installed credential type).
    """
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        return ["is not a subclass of automateos.nodes.base.Node"]
    try:
        return _class_problems(name, cls)
    except Exception as exc:  # a class whose attributes raise is broken, not fatal
        return [f"cannot be inspected: {type(exc).__name__}: {exc}"]


def _class_problems(name: str, cls: type[Node]) -> list[str]:
    found: list[str] = []
    declared = getattr(cls, "type", None)
    if declared != name:
        found.append(f"declares type {declared!r}, entry point says {name!r}")
    if not TYPE_PATTERN.fullmatch(name):
        found.append(f"type {name!r} must be 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter")
    if not isinstance(getattr(cls, "name", None), str) or not cls.name.strip():
        found.append("declares no name")
    if not isinstance(cls.description, str):
        found.append("description must be a string")
    if cls.category not in CATEGORIES:
        found.append(f"has unknown category {cls.category!r} (one of {', '.join(CATEGORIES)})")
    if not _is_int(cls.version) or cls.version < 1:
        found.append(f"version must be an integer >= 1, not {cls.version!r}")
    found += _outputs_problems(cls.outputs)
    found += _limits_problems(cls)
    found += _schema_problems(cls)
    if cls.execute is Node.execute:
        found.append("does not implement execute(ctx, params, input)")
    return found


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _outputs_problems(outputs: Any) -> list[str]:
    if not isinstance(outputs, (tuple, list)) or not outputs:
        return ["declares no output port"]
    if not all(isinstance(o, str) and o for o in outputs) or len(set(outputs)) != len(outputs):
        return [f"outputs must be distinct non-empty names, not {outputs!r}"]
    return []


def _limits_problems(cls: type[Node]) -> list[str]:
    found = []
    if not _is_int(cls.max_retries) or cls.max_retries < 0:
        found.append(f"max_retries must be an integer >= 0, not {cls.max_retries!r}")
    if not _is_number(cls.retry_backoff) or cls.retry_backoff < 0:
        found.append(f"retry_backoff must be a number >= 0, not {cls.retry_backoff!r}")
    if not _is_number(cls.timeout_seconds) or cls.timeout_seconds <= 0:
        found.append(f"timeout_seconds must be a number > 0, not {cls.timeout_seconds!r}")
    for flag in ("blocking", "joins_branches"):
        if not isinstance(getattr(cls, flag), bool):
            found.append(f"{flag} must be True or False")
    return found


def _schema_problems(cls: type[Node]) -> list[str]:
    schema = cls.params_schema
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return ["params_schema must be a marshmallow Schema class"]
    found = []
    try:
        schema()
        params_json_schema(cls)
    except Exception as exc:  # the editor could not be given a form for it
        found.append(f"params_schema cannot be exported to JSON Schema: {type(exc).__name__}: {exc}")
    credential = schema._declared_fields.get(CREDENTIAL_PARAM)
    if cls.credential_type is not None:
        if not isinstance(cls.credential_type, str) or not cls.credential_type.strip():
            found.append(f"credential_type must be None or a credential type name, not {cls.credential_type!r}")
        elif not isinstance(credential, CredentialId):
            found.append(f"param {CREDENTIAL_PARAM!r} must be a CredentialId when credential_type is set")
    elif isinstance(credential, CredentialId):
        found.append(f"has a CredentialId param {CREDENTIAL_PARAM!r} but no credential_type")
    return found


def _normalise(name: str) -> str:
    """A distribution name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_selection(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A comma-separated list (or an iterable) of node types or package names, with
    shell-style wildcards, as a tuple of stripped entries."""
    items = value.split(",") if isinstance(value, str) else (value or ())
    return tuple(sorted({item.strip() for item in items if item and item.strip()}))


def _selected(patterns: tuple[str, ...], type_name: str, package: str | None) -> bool:
    package = _normalise(package) if package else None
    return any(
        fnmatchcase(type_name, pattern) or (package is not None and fnmatchcase(package, _normalise(pattern)))
        for pattern in patterns
    )


def discover(enabled: Iterable[str] = (), disabled: Iterable[str] = ()) -> NodeRegistry:
    """Load every ``automateos.nodes`` entry point; nothing a plugin does here is fatal.

    ``enabled`` (when not empty) is an allow-list and ``disabled`` a deny-list; each entry
    is a node type or a distribution name (``automateos`` names the built-ins), wildcards
    allowed. Disabled entry points are not even imported. A type claimed by two packages
    is loaded only if one of them is AutomateOS itself; otherwise neither is.
    """
    allow, deny = parse_selection(enabled), parse_selection(disabled)
    claims: dict[str, list[EntryPoint]] = {}
    entries: list[PluginEntry] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        package, version = _distribution(ep)
        if (allow and not _selected(allow, ep.name, package)) or _selected(deny, ep.name, package):
            entries.append(PluginEntry(ep.name, ep.value, package, version, Status.DISABLED,
                                       "disabled by AUTOMATEOS_NODES_ENABLED / AUTOMATEOS_NODES_DISABLED"))
            continue
        claims.setdefault(ep.name, [])
        if all(other.value != ep.value or _distribution(other) != (package, version) for other in claims[ep.name]):
            claims[ep.name].append(ep)
    for name, eps in claims.items():
        entries += _resolve(name, eps)
    for entry in entries:
        if entry.status in PROBLEMS:
            logger.error("node plugin %r (%s from %s) skipped: %s: %s", entry.type, entry.target,
                         entry.package or "an unknown package", entry.status, entry.message)
    return NodeRegistry(tuple(sorted(entries, key=lambda e: (e.type, e.package or ""))))


def _distribution(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def _resolve(name: str, eps: list[EntryPoint]) -> list[PluginEntry]:
    """The entries of every entry point claiming type ``name``: at most one is loaded."""
    if len(eps) == 1:
        return [_load(eps[0])]
    builtin = [ep for ep in eps if _normalise(_distribution(ep)[0] or "") == BUILTIN_DISTRIBUTION]
    owners = ", ".join(sorted(_label(ep) for ep in eps))
    resolved = [_load(builtin[0])] if builtin else []
    for ep in eps:
        if builtin and ep is builtin[0]:
            continue
        package, version = _distribution(ep)
        why = (f"type {name!r} is built into AutomateOS; this claim is ignored" if builtin
               else f"type {name!r} is claimed by several packages ({owners}); none is loaded "
                    f"until all but one are uninstalled or disabled")
        resolved.append(PluginEntry(name, ep.value, package, version, Status.DUPLICATE, why))
    return resolved


def _label(ep: EntryPoint) -> str:
    package, version = _distribution(ep)
    return f"{package} {version}" if package else ep.value


def _load(ep: EntryPoint) -> PluginEntry:
    package, version = _distribution(ep)
    try:
        cls = ep.load()
    except (Exception, SystemExit) as exc:  # a third party's import error must not be fatal
        logger.debug("node plugin %r failed to import", ep.name, exc_info=True)
        return PluginEntry(ep.name, ep.value, package, version, Status.IMPORT_ERROR,
                           f"failed to import: {type(exc).__name__}: {exc}")
    problems = contract_problems(ep.name, cls)
    if problems:
        return PluginEntry(ep.name, ep.value, package, version, Status.CONTRACT_VIOLATION, "; ".join(problems))
    return PluginEntry(ep.name, ep.value, package, version, Status.LOADED, node_class=cls)


@lru_cache(maxsize=1)
def _environment_selection() -> tuple[str | None, str | None]:
    """``AUTOMATEOS_NODES_ENABLED`` / ``_DISABLED``, read once (the runner asks per step)."""
    return os.environ.get("AUTOMATEOS_NODES_ENABLED"), os.environ.get("AUTOMATEOS_NODES_DISABLED")


def _raw_selection() -> tuple[Any, Any]:
    """The allow- and deny-lists as configured: the app's ``NODES_ENABLED`` /
    ``NODES_DISABLED`` inside an app, else the ``AUTOMATEOS_NODES_ENABLED`` / ``_DISABLED``
    environment; a list becomes a tuple (a cache key)."""
    enabled, disabled = _environment_selection()
    if has_app_context():
        enabled = current_app.config.get("NODES_ENABLED", enabled)
        disabled = current_app.config.get("NODES_DISABLED", disabled)
    return (tuple(enabled) if isinstance(enabled, (list, set)) else enabled,
            tuple(disabled) if isinstance(disabled, (list, set)) else disabled)


@lru_cache(maxsize=8)
def _registry(enabled: Any, disabled: Any) -> NodeRegistry:
    return discover(parse_selection(enabled), parse_selection(disabled))


def registry() -> NodeRegistry:
    """The registry for the selection in force, discovered once per process and selection."""
    return _registry(*_raw_selection())


def clear_cache() -> None:
    """Forget what was discovered and the environment read (tests, or after installing a
    package in a shell)."""
    _registry.cache_clear()
    _environment_selection.cache_clear()


def load_node_types() -> dict[str, type[Node]]:
    """All usable node types by ``type``."""
    return registry().types


def load_errors() -> list[dict[str, Any]]:
    """The entry points skipped for a problem, as dicts (type, target, package,
    package_version, status, message)."""
    return [e.as_dict() for e in registry().problems()]


def get_node_type(type_name: str) -> type[Node]:
    """The node class registered as ``type_name``."""
    try:
        return load_node_types()[type_name]
    except KeyError:
        raise UnknownNodeType(type_name) from None


def node_version(type_name: str) -> dict[str, Any]:
    """What ran a step of ``type_name``: the node's version and its package's, for the
    step record (``{"node": 1, "package": "automateos-slack", "package_version": "0.1.0"}``)."""
    entry = registry().loaded.get(type_name)
    if entry is None or entry.node_class is None:
        raise UnknownNodeType(type_name)
    return {"node": entry.node_class.version, "package": entry.package, "package_version": entry.package_version}

