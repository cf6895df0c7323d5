"""Node params: checked when a workflow is saved, loaded when a step runs, exported to the UI.

At save time a param holding an expression cannot be type-checked (its value exists only
at run time), so its errors are dropped; its syntax is still checked. At run time the
engine evaluates the expressions first, then :func:`load_params` checks everything.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from marshmallow import RAISE, Schema, ValidationError

from automateos.expressions import expression_problem, is_expression

from .base import Node

JSON_SCHEMA_OPENAPI_VERSION = "3.1.0"  # its Schema Object is JSON Schema 2020-12


@lru_cache(maxsize=None)
def _schema(node_cls: type[Node]) -> Schema:
    """One schema instance per node class; loading with it keeps no state."""
    return node_cls.params_schema()


def validate_params(node_cls: type[Node], params: dict[str, Any]) -> dict[str, Any]:
    """Field errors of ``params`` for ``node_cls``, marshmallow-style; empty when valid.

    A field whose raw value is an expression is not type-checked, only its syntax is.
    Unknown fields are errors.
    """
    try:
        _schema(node_cls).load(params, unknown=RAISE)
        errors: dict[str, Any] = {}
    except ValidationError as err:
        messages = err.normalized_messages()
        errors = _drop_expression_errors(messages, params) or {}
    _merge(errors, _syntax_errors(params))
    return errors


def load_params(node_cls: type[Node], params: dict[str, Any]) -> dict[str, Any]:
    """Typed params for ``execute``, after expressions were evaluated.

    Raises :class:`marshmallow.ValidationError` when a value is invalid.
    """
    return _schema(node_cls).load(params, unknown=RAISE)


def params_json_schema(node_cls: type[Node]) -> dict[str, Any]:
    """JSON Schema of ``node_cls.params_schema``, nested schemas inlined (no ``$ref``)."""
    converter = OpenAPIConverter(
        openapi_version=JSON_SCHEMA_OPENAPI_VERSION,
        # None means "do not register a component": nested schemas come out inline,
        # since there is no spec for a $ref to point into.
        schema_name_resolver=lambda schema: None,
        spec=APISpec("automateos-node-params", "1", JSON_SCHEMA_OPENAPI_VERSION),
    )
    return _object_lengths_as_properties(converter.schema2jsonschema(node_cls.params_schema))


def _object_lengths_as_properties(schema: Any) -> Any:
    """apispec exports a ``Length`` rule on a dict field as ``minLength``/``maxLength``,
    which JSON Schema applies to strings only: on objects they are ``min/maxProperties``."""
    if isinstance(schema, list):
        return [_object_lengths_as_properties(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    fixed = {key: _object_lengths_as_properties(value) for key, value in schema.items()}
    if fixed.get("type") == "object":
        for length, properties in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
            if length in fixed:
                fixed[properties] = fixed.pop(length)
    return fixed


def _drop_expression_errors(errors: Any, raw: Any) -> Any:
    """``errors`` without those whose raw value is an expression; None when none is left."""
    if is_expression(raw):
        return None
    if not isinstance(errors, dict):
        return errors  # a list of messages about a raw value that is no expression
    kept = {}
    for key, sub_errors in errors.items():
        pruned = _drop_expression_errors(sub_errors, _child(raw, key))
        if pruned:
            kept[key] = pruned
    return kept or None


def _child(raw: Any, key: Any) -> Any:
    if isinstance(raw, dict):
        return raw.get(key)
    if isinstance(raw, list) and isinstance(key, int) and 0 <= key < len(raw):
        return raw[key]
    return None


def _syntax_errors(raw: Any) -> dict[Any, Any]:
    """Errors, shaped like marshmallow's, for expressions that cannot even compile."""
    found: dict[Any, Any] = {}
    items = raw.items() if isinstance(raw, dict) else enumerate(raw) if isinstance(raw, list) else ()
    for key, value in items:
        if is_expression(value):
            problem = expression_problem(value)
            if problem:
                found[key] = [f"invalid expression: {problem}"]
        elif isinstance(value, (dict, list)):
            nested = _syntax_errors(value)
            if nested:
                found[key] = nested
    return found


def _merge(into: dict[Any, Any], extra: dict[Any, Any]) -> None:
    for key, value in extra.items():
        current = into.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            _merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            current.extend(value)
        elif current is None:
            into[key] = value
        # else: a type error already reported on a container; the syntax error would be noise
