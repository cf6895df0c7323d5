"""The one place that evaluates ``{{ ... }}`` expressions found in node params.

Expressions run in a Jinja2 sandbox (:mod:`.environment`): no dunder names, no
private attributes of objects, no mutation of lists and dicts, no statements
(``{% ... %}``), and no value past ``EXPRESSION_MAX_BYTES`` (default 1,000,000; about its
size as JSON), nor more than ten times that allocated by one expression in all, whatever
the operator, method or filter builds it (:mod:`.limits`). Jinja's ``**`` is
left-associative: ``10**10**10`` is 10**100.
A string that is exactly one ``{{ expr }}`` keeps the expression's native type; any other
string is rendered as a template to a str. Names that do not exist are lenient: ``None``
in a single expression, an empty string in a template.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from flask import current_app, has_app_context
from jinja2 import Template
from jinja2.environment import TemplateExpression
from jinja2.exceptions import SecurityError
from jinja2.runtime import Undefined

from .environment import make_environment
from .limits import (
    DEFAULT_MAX_BYTES,
    check_json_size,
    check_size,
    end_evaluation,
    limits,
    start_evaluation,
    text_size,
)


class ExpressionError(Exception):
    """An expression in a node's params could not be evaluated.

    Parameters:
      node_id: id of the node whose params hold the expression.
      param: dotted path of the param inside the params (``fields.total``, ``conditions.0.left``).
      expression: the source string that failed.
      reason: what went wrong, for the user.
    """

    def __init__(self, node_id: str, param: str, expression: str, reason: str) -> None:
        # Passing every attribute to Exception keeps the error picklable across processes.
        super().__init__(node_id, param, expression, reason)
        self.node_id = node_id
        self.param = param
        self.expression = expression
        self.reason = reason

    def __str__(self) -> str:
        return (
            f"node {self.node_id!r}, param {self.param!r}: "
            f"expression {self.expression!r} failed: {self.reason}"
        )


_env = make_environment()
# Results that cannot be large (ints are bounded by the sandbox's MAX_INT_BITS).
_ALWAYS_SMALL = frozenset({int, float, bool, type(None)})


class _Compiled(NamedTuple):
    """A compiled param string: a native expression or a text template."""

    expression: TemplateExpression | None
    template: Template | None


def is_expression(value: Any) -> bool:
    """Whether ``value`` is a string holding at least one ``{{ ... }}`` expression."""
    return isinstance(value, str) and "{{" in value


def _single_expression_source(source: str, tokens: list[tuple[int, str, str]]) -> str | None:
    """The inner source when ``source`` is exactly one ``{{ expr }}``, else None."""
    kinds = [kind for _, kind, value in tokens if not (kind == "data" and not value.strip())]
    if kinds.count("variable_begin") != 1 or kinds[0] != "variable_begin" or kinds[-1] != "variable_end":
        return None
    inner = source.strip()[2:-2]
    # Whitespace-control markers ({{- x -}}) belong to the delimiters, not the expression.
    if inner[:1] in "-+":
        inner = inner[1:]
    if inner[-1:] == "-":
        inner = inner[:-1]
    return inner


@lru_cache(maxsize=2048)
def _compile(source: str) -> _Compiled:
    """Compile a param string once; params are re-evaluated on every step (hot path).

    Constant parts of a template's output are still computed while compiling: they run
    under the size limits (and budget) of whoever compiles.
    """
    tokens = list(_env.lex(source))
    if any(kind in ("block_begin", "linestatement_begin") for _, kind, _ in tokens):
        raise SecurityError("statements ({% ... %}) are not allowed, only {{ ... }} expressions")
    inner = _single_expression_source(source, tokens)
    if inner is not None:
        return _Compiled(_env.compile_expression(inner, undefined_to_none=True), None)
    return _Compiled(None, _env.from_string(source))


def expression_problem(source: str) -> str | None:
    """Why ``source`` cannot compile (syntax, statements), or None; for save-time checks."""
    token = start_evaluation(DEFAULT_MAX_BYTES)  # compiling may fold constants: bound it too
    try:
        _compile(source)
    except Exception as exc:  # noqa: BLE001 - any compile failure is reported, not raised
        return _reason(exc)
    finally:
        end_evaluation(token)
    return None


def _to_json_value(value: Any) -> Any:
    """A native result as plain JSON data: node params and outputs are JSON in, JSON out."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, str):
        return str(value)  # Markup (e.g. from ``tojson``) becomes a plain str
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, range)):
        return [_to_json_value(v) for v in value]
    raise TypeError(f"the result is a {type(value).__name__}, not JSON data")


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _render(template: Template, scope: dict[str, Any]) -> str:
    """Render ``template``, refusing text past the limit as soon as it gets there."""
    max_bytes = limits().max_bytes
    parts, size = [], 0
    for part in template.generate(**scope):
        size += text_size(part, max_bytes)
        if size > max_bytes:
            check_size(size, "the text")
        parts.append(part)
    return "".join(parts)


def _evaluate_string(source: str, scope: dict[str, Any], node_id: str, param: str, max_bytes: int) -> Any:
    token = start_evaluation(max_bytes)
    try:
        compiled = _compile(source)
        if compiled.template is not None:
            return _render(compiled.template, scope)
        value = compiled.expression(**scope)
        if type(value) not in _ALWAYS_SMALL:
            check_json_size(value, "the value")
        return _to_json_value(value)
    except Exception as exc:  # noqa: BLE001 - every failure (MemoryError too) becomes one clear error
        raise ExpressionError(node_id, param or "(params)", source, _reason(exc)) from exc
    finally:
        end_evaluation(token)


def evaluate_params(params: Any, scope: dict[str, Any], node_id: str, *, max_bytes: int | None = None) -> Any:
    """Evaluate every expression inside ``params`` (dicts and lists walked recursively).

    ``scope`` holds the names expressions may use (``input``, ``nodes``, ``trigger``,
    ``execution``). ``max_bytes`` bounds every value an expression builds (default: the
    app's ``EXPRESSION_MAX_BYTES``). Returns new containers; ``params`` is left untouched.
    Raises :class:`ExpressionError` naming the node, the param path and the expression.
    """
    return _walk(params, scope, node_id, "", max_bytes or _configured_max_bytes())


def _configured_max_bytes() -> int:
    if has_app_context():
        return int(current_app.config.get("EXPRESSION_MAX_BYTES", DEFAULT_MAX_BYTES))
    return DEFAULT_MAX_BYTES


def _walk(value: Any, scope: dict[str, Any], node_id: str, path: str, max_bytes: int) -> Any:
    if isinstance(value, dict):
        return {key: _walk(item, scope, node_id, _join(path, key), max_bytes) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, scope, node_id, _join(path, index), max_bytes) for index, item in enumerate(value)]
    if is_expression(value):
        return _evaluate_string(value, scope, node_id, path, max_bytes)
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


__all__ = [
    "ExpressionError",
    "evaluate_params",
    "expression_problem",
    "is_expression",
]
