"""``check_node_contract``: is a node class fit to be installed, as the registry and the
editor will see it, and a little stricter (what a published node owes its users)."""
from __future__ import annotations

import json
from typing import Any

from marshmallow import ValidationError, missing

from automateos.credentials.types import get_credential_type
from automateos.nodes.base import Node
from automateos.nodes.params import params_json_schema
from automateos.nodes.registry import UnknownNodeType, contract_problems, get_node_type


class NodeContractError(AssertionError):
    """A node class breaks the contract; the message lists every problem, one a line."""


def contract_report(cls: Any, *, installed: bool = False) -> list[str]:
    """Every problem of ``cls`` as a node type; empty when there is none.

    The registry's checks (it would skip the class otherwise), then: a docstring and a
    description, a JSON Schema that is JSON, defaults that their own field accepts, a
    ``credential_type`` that an installed package declares and, with ``installed=True``,
    an ``automateos.nodes`` entry point that resolves to this very class.
    """
    type_name = getattr(cls, "type", None)
    problems = contract_problems(type_name if isinstance(type_name, str) else "?", cls)
    if not (isinstance(cls, type) and issubclass(cls, Node)) or problems:
        return problems
    if not (cls.__dict__.get("__doc__") or "").strip():
        problems.append("has no docstring (say what the node does and outputs)")
    if not cls.description.strip():
        problems.append("has an empty description (the editor shows it)")
    try:
        json.dumps(params_json_schema(cls), allow_nan=False)
    except (TypeError, ValueError) as exc:
        problems.append(f"params JSON Schema is not JSON (a default or metadata value?): {exc}")
    problems += _default_problems(cls)
    if cls.credential_type is not None and get_credential_type(cls.credential_type) is None:
        problems.append(f"credential_type {cls.credential_type!r} is declared by no installed package "
                        "(an automateos.credentials entry point)")
    if installed:
        problems += _entry_point_problems(cls)
    return problems


def _default_problems(cls: type[Node]) -> list[str]:
    found = []
    for name, param in cls.params_schema._declared_fields.items():
        default = param.load_default
        if default is missing or (default is None and param.allow_none):
            continue
        value = default() if callable(default) else default
        try:
            param.deserialize(value)
        except ValidationError as exc:
            found.append(f"param {name!r}: its default {value!r} is refused by its own field: {exc.messages}")
    return found


def _entry_point_problems(cls: type[Node]) -> list[str]:
    try:
        registered = get_node_type(cls.type)
    except UnknownNodeType:
        return [f"no loaded automateos.nodes entry point named {cls.type!r} (is the package installed, "
                "and listed as loaded by `flask nodes list`?)"]
    if registered is not cls:
        return [f"entry point {cls.type!r} resolves to {registered.__module__}.{registered.__qualname__}, "
                "not to this class"]
    return []


def check_node_contract(cls: Any, *, installed: bool = False) -> None:
    """Raise :class:`NodeContractError` listing every problem of ``cls`` (see
    :func:`contract_report`); return None when it honours the contract."""
    problems = contract_report(cls, installed=installed)
    if problems:
        name = getattr(cls, "__qualname__", repr(cls))
        raise NodeContractError(f"{name} breaks the node contract:\n- " + "\n- ".join(problems))
