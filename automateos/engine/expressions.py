"""The one place that evaluates ``{{ ... }}`` expressions found in node params.

Expressions run in a Jinja2 sandbox: no dunder names, no private attributes of objects,
no mutation of lists and dicts, no statements (``{% ... %}``), and no operation that
builds a huge value out of a small expression (``'a' * 10**9``, ``10**(10**10)``,
``'%999999999d' % 1``). Jinja's ``**`` is left-associative: ``10**10**10`` is 10**100.
A string that is exactly one ``{{ expr }}`` keeps the expression's native type; any other
string is rendered as a template to a str. Names that do not exist are lenient: ``None``
in a single expression, an empty string in a template.
"""
from __future__ import annotations

import json
import re
import string
import types
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from jinja2 import ChainableUndefined, Template
from jinja2.environment import TemplateExpression
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Longest string or list an expression may build with ``*``, padding or replacing.
MAX_RESULT_LENGTH = 1_000_000
#: Largest integer (in bits) ``*`` and ``**`` may produce; far beyond any business number.
MAX_INT_BITS = 4096
#: Widest field a ``%``/``format`` conversion may pad to.
MAX_FORMAT_WIDTH = 1000

_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?([#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?)[a-zA-Z%]")
_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})


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


def _check_length(length: int) -> None:
    if length > MAX_RESULT_LENGTH:
        raise SecurityError(f"the result would be too large (limit {MAX_RESULT_LENGTH:,})")


def _check_printf_format(fmt: str) -> None:
    """Refuse printf-style conversions with a dynamic or huge width/precision."""
    for spec in _PRINTF_SPEC.findall(fmt):
        if "*" in spec or any(int(n) > MAX_FORMAT_WIDTH for n in re.findall(r"\d+", spec)):
            raise SecurityError(f"format width in {fmt!r} is too large")


def _check_str_format(fmt: str) -> None:
    """Refuse ``str.format`` fields with a nested or huge width/precision."""
    for _, _, spec, _ in string.Formatter().parse(fmt):
        if spec and ("{" in spec or any(int(n) > MAX_FORMAT_WIDTH for n in re.findall(r"\d+", spec))):
            raise SecurityError(f"format width in {fmt!r} is too large")


def _repeat_length(left: Any, right: Any) -> int | None:
    """Length of ``left * right`` when it repeats a sequence, else None."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
            return len(seq) * max(times, 0)
    return None


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


class ExpressionEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus refusal of operations that blow up memory or CPU."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        """Check the size of ``*``, ``**`` and ``%`` results before computing them."""
        if operator_ == "*":
            length = _repeat_length(left, right)
            if length is not None:
                _check_length(length)
            elif _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                raise SecurityError("the product is too large")
        elif operator_ == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
                # bit_length - 1 is a lower bound of log2|left|: 2**4096 itself is allowed.
                if (left.bit_length() - 1) * right > MAX_INT_BITS:
                    raise SecurityError("the power is too large")
        elif operator_ == "%" and isinstance(left, str):
            _check_printf_format(left)
        return super().call_binop(context, operator_, left, right)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Fail at once: a lenient undefined would let ``''.__class__`` render as ``""``."""
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Refuse dunder names on any object, even an undefined one."""
        _refuse_dunder(attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Refuse dunder keys on any object, even an undefined one."""
        _refuse_dunder(argument)
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandboxed ``str.format`` that also refuses huge field widths."""
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            _check_str_format(value.__self__)
        return wrapper

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Check str methods that build a longer string than they are given."""
        # Positional-only so a template's own keyword arguments can never collide.
        if isinstance(obj, types.BuiltinMethodType) and isinstance(obj.__self__, str):
            args = _check_str_method(obj.__self__, obj.__name__, args, kwargs)
        return super().call(context, obj, *args, **kwargs)


def _refuse_dunder(name: Any) -> None:
    if isinstance(name, str) and name.startswith("__"):
        raise SecurityError(f"access to {name!r} is not allowed")


def _check_str_method(s: str, name: str, args: tuple, kwargs: dict) -> tuple:
    """Refuse a str method call whose result would be too large; returns the args to use."""
    if name in _PADDING_METHODS:
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            _check_length(width)
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            _check_length(len(s) + s.count("\t") * size)
    elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        old, new = args[0], args[1]
        hits = len(s) + 1 if not old else s.count(old)
        _check_length(len(s) + hits * max(len(new) - len(old), 0))
    elif name == "join" and args:
        # Materialise once so the check and the join see the same items.
        items = list(args[0])
        _check_length(len(s) * max(len(items) - 1, 0) + sum(len(i) for i in items if isinstance(i, str)))
        args = (items, *args[1:])
    return args


def _center(value: Any, width: int = 80) -> str:
    _check_length(width)
    return str(value).center(width)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad = width if isinstance(width, str) else " " * min(int(width), MAX_RESULT_LENGTH + 1)
    text = str(s)
    _check_length(len(text) + (text.count("\n") + 1) * len(pad))
    lines = text.splitlines()
    indented = [
        (pad + line) if (line or blank) and (i or first) else line for i, line in enumerate(lines)
    ]
    return "\n".join(indented)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    fmt = str(value)
    _check_printf_format(fmt)
    return fmt % (kwargs or args)


def _replace(s: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(s)
    _check_str_method(text, "replace", (str(old), str(new)), {})
    return text.replace(str(old), str(new), -1 if count is None else count)


def _now() -> str:
    """The current time in UTC, ISO 8601."""
    return datetime.now(timezone.utc).isoformat()


def _fromjson(value: Any) -> Any:
    """Parse a JSON document held in a string."""
    return json.loads(value)


def _finalize(value: Any) -> Any:
    """How a value prints inside a template: objects and booleans as JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _make_environment() -> ExpressionEnvironment:
    env = ExpressionEnvironment(undefined=ChainableUndefined, finalize=_finalize, autoescape=False)
    # lipsum builds arbitrary amounts of text; namespace only serves statements we refuse.
    for name in ("lipsum", "namespace"):
        env.globals.pop(name, None)
    env.globals["now"] = _now
    env.filters.update(
        center=_center, indent=_indent, format=_format, replace=_replace, fromjson=_fromjson
    )
    return env


_env = _make_environment()


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
    """Compile a param string once; params are re-evaluated on every step (hot path)."""
    tokens = list(_env.lex(source))
    if any(kind in ("block_begin", "linestatement_begin") for _, kind, _ in tokens):
        raise SecurityError("statements ({% ... %}) are not allowed, only {{ ... }} expressions")
    inner = _single_expression_source(source, tokens)
    if inner is not None:
        return _Compiled(_env.compile_expression(inner, undefined_to_none=True), None)
    return _Compiled(None, _env.from_string(source))


def expression_problem(source: str) -> str | None:
    """Why ``source`` cannot compile (syntax, statements), or None; for save-time checks."""
    try:
        _compile(source)
    except Exception as exc:  # noqa: BLE001 - any compile failure is reported, not raised
        return _reason(exc)
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


def _evaluate_string(source: str, scope: dict[str, Any], node_id: str, param: str) -> Any:
    try:
        compiled = _compile(source)
        if compiled.expression is not None:
            return _to_json_value(compiled.expression(**scope))
        return compiled.template.render(**scope)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one clear error
        raise ExpressionError(node_id, param or "(params)", source, _reason(exc)) from exc


def evaluate_params(params: Any, scope: dict[str, Any], node_id: str) -> Any:
    """Evaluate every expression inside ``params`` (dicts and lists walked recursively).

    ``scope`` holds the names expressions may use (``input``, ``nodes``, ``trigger``,
    ``execution``). Returns new containers; ``params`` is left untouched. Raises
    :class:`ExpressionError` naming the node, the param path and the expression.
    """
    return _walk(params, scope, node_id, "")


def _walk(value: Any, scope: dict[str, Any], node_id: str, path: str) -> Any:
    if isinstance(value, dict):
        return {key: _walk(item, scope, node_id, _join(path, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, scope, node_id, _join(path, index)) for index, item in enumerate(value)]
    if is_expression(value):
        return _evaluate_string(value, scope, node_id, path)
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


__all__ = [
    "ExpressionError",
    "evaluate_params",
    "expression_problem",
    "is_expression",
    "MAX_RESULT_LENGTH",
]
