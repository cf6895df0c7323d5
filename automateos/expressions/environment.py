"""The Jinja sandbox expressions run in: immutable, no dunders, and bounded in size.

On top of Jinja's ImmutableSandboxedEnvironment it refuses, before building them, values
past the size limits of :mod:`.limits`: repetition and concatenation (``*``,
``+``, ``~``), huge powers and products, printf-style and ``str.format`` output, and the
str/bytes methods that grow a value from a small argument (padding, ``replace``,
``join``, ``translate``, ``expandtabs``, ``int.to_bytes``). Everything an operator, a
call or a filter returns is charged to the evaluation's allocation budget.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from jinja2 import ChainableUndefined
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .filters import bounded_filters, check_printf, check_str_format, replaced_size
from .limits import (
    LIST_BYTES,
    POINTER_BYTES,
    ExpressionTooLarge,
    charge,
    check_size,
    check_text_of,
    json_size,
    limits,
    text_size,
)

#: Largest integer (in bits) ``*`` and ``**`` may produce; far beyond any business number.
MAX_INT_BITS = 4096

_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_PRINTED_AS_IS = frozenset({str, int, float})


def _nbytes(value: str | bytes | bytearray) -> int:
    return text_size(value, limits().max_bytes) if isinstance(value, str) else len(value)


def _sequence_bytes(value: Any, times: int = 1) -> int | None:
    """Memory of ``value * times`` for a str/bytes/list/tuple (a list's references only), else None."""
    if isinstance(value, (str, bytes, bytearray)):
        return _nbytes(value) * times
    if isinstance(value, (list, tuple)):
        return LIST_BYTES + POINTER_BYTES * len(value) * times
    return None


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _check_product(left: Any, right: Any) -> None:
    """Refuse ``left * right`` that repeats a sequence past the limit, or a huge product."""
    if type(left) is float or type(right) is float:
        return  # the hot path (``amount * 1.2``): a float never grows
    for seq, times in ((left, right), (right, left)):
        if isinstance(times, int):
            size = _sequence_bytes(seq, max(times, 0))
            if size is not None:
                check_size(size, "the repeated value")
                return
    if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
        raise ExpressionTooLarge(f"the product would have more than {MAX_INT_BITS} bits")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        # bit_length - 1 is a lower bound of log2|base|: 2**4096 itself is allowed.
        if (base.bit_length() - 1) * exponent > MAX_INT_BITS:
            raise ExpressionTooLarge(f"the power would have more than {MAX_INT_BITS} bits")


def _check_addition(left: Any, right: Any) -> None:
    """Refuse concatenating two sequences of one kind when the result is past the limit."""
    left_size, right_size = _sequence_bytes(left), _sequence_bytes(right)
    if left_size is not None and right_size is not None:
        # Two lists share one header: count it once.
        header = LIST_BYTES if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) else 0
        check_size(left_size + right_size - header, "the concatenated value")


def check_text_method(owner: str | bytes, name: str, args: tuple, kwargs: dict) -> tuple:
    """Refuse a str/bytes method call whose result would be too large; returns the args to use."""
    if name in _PADDING_METHODS:
        width = args[0] if args else kwargs.get("width", 0)
        fill = args[1] if len(args) > 1 else kwargs.get("fillchar", " ")
        if isinstance(width, int):
            check_size(max(width, 0) * max(_nbytes(fill) if isinstance(fill, (str, bytes)) else 1, 1), "the padded text")
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            tab = "\t" if isinstance(owner, str) else b"\t"
            check_size(len(owner) + owner.count(tab) * max(size, 0), "the expanded text")
    elif name == "replace" and len(args) >= 2 and all(isinstance(a, type(owner)) for a in args[:2]):
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        check_size(replaced_size(owner, args[0], args[1], count if isinstance(count, int) else -1), "the replaced text")
    elif name == "join" and args:
        items = list(args[0])  # materialised once so the check and the join see the same items
        sizes = sum(_nbytes(item) for item in items if isinstance(item, (str, bytes, bytearray)))
        check_size(_nbytes(owner) * max(len(items) - 1, 0) + sizes, "the joined text")
        args = (items, *args[1:])
    elif name == "translate" and args and isinstance(owner, str):
        table = args[0]
        values = table.values() if isinstance(table, Mapping) else table if isinstance(table, (list, tuple)) else ()
        longest = max((len(v) for v in values if isinstance(v, str)), default=1)
        check_size(len(owner) * longest, "the translated text")
    return args


class _CheckedConcatGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to :meth:`ExpressionEnvironment.concat_text`, which checks the size."""

    @optimizeconst
    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        """Write ``environment.concat_text((a, b, ...))``."""
        self.write("environment.concat_text((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class ExpressionEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus refusal of operations that blow up memory or CPU."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _CheckedConcatGenerator

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        """Check the size of ``*``, ``**``, ``%`` and ``+`` results before computing them."""
        if operator_ == "*":
            _check_product(left, right)
        elif operator_ == "**":
            _check_power(left, right)
        elif operator_ == "%":
            if isinstance(left, (str, bytes)):
                check_printf(left, right)
        elif operator_ == "+":
            _check_addition(left, right)
        return charge(super().call_binop(context, operator_, left, right))

    def concat_text(self, values: tuple[Any, ...]) -> str:
        """``a ~ b ~ ...``: every value as text, joined, once the total size is known to fit."""
        limit = limits().max_bytes
        size = 0
        for value in values:
            size += text_size(value, limit) if isinstance(value, str) else json_size(value, limit - size)
            check_size(size, "the joined text (~)")
        return charge("".join(map(str, values)))

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
        """Sandboxed ``str.format``/``format_map`` that also refuses a too large result."""
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        fmt: str = value.__self__
        is_format_map = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                check_str_format(fmt, (), args[0] if args and isinstance(args[0], Mapping) else {})
            else:
                check_str_format(fmt, args, kwargs)
            return charge(wrapper(*args, **kwargs))

        return checked

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Check methods that build a larger value than they are given; charge the result."""
        # Positional-only so a template's own keyword arguments can never collide.
        owner = getattr(obj, "__self__", None)
        name = getattr(obj, "__name__", "")
        if isinstance(owner, (str, bytes)):  # Markup's methods too: they are not builtins
            args = check_text_method(owner, name, args, kwargs)
        elif isinstance(owner, int) and name == "to_bytes":
            length = args[0] if args else kwargs.get("length", 1)
            if isinstance(length, int):
                check_size(length, "the bytes")
        return charge(super().call(context, obj, *args, **kwargs))


def _refuse_dunder(name: Any) -> None:
    if isinstance(name, str) and name.startswith("__"):
        raise SecurityError(f"access to {name!r} is not allowed")


def _now() -> str:
    """The current time in UTC, ISO 8601."""
    return datetime.now(timezone.utc).isoformat()


def finalize(value: Any) -> Any:
    """How a value prints inside a template: objects and booleans as JSON, null as empty."""
    if value is None:
        return ""
    if type(value) in _PRINTED_AS_IS:
        return value  # the common case, without the checks below
    check_text_of(value, "the printed value")
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def make_environment() -> ExpressionEnvironment:
    """The sandbox expressions are compiled in, with its globals and bounded filters."""
    # optimized=False: Jinja's optimizer would run constant filter calls at compile time
    # and write their result into the compiled code (a 1 MB list became 700 MB of AST).
    env = ExpressionEnvironment(undefined=ChainableUndefined, finalize=finalize, autoescape=False, optimized=False)
    # lipsum builds arbitrary amounts of text; namespace only serves statements we refuse.
    for name in ("lipsum", "namespace"):
        env.globals.pop(name, None)
    env.globals["now"] = _now
    env.filters = bounded_filters(env.filters)
    return env


__all__ = ["MAX_INT_BITS", "ExpressionEnvironment", "check_text_method", "finalize", "make_environment"]
