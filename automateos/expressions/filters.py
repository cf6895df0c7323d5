"""The expression sandbox's filters: Jinja's own, bounded by the size limits.

Every filter gets the same wrapper (:func:`bounded_filters`): unless it keeps its
input's structure (``length``, ``map``, ``sort``...), its input must be small enough to
be turned into text, and whatever it returns is charged to the allocation budget
(lazily, item by item, when it returns an iterator). Filters that can build far more
than they are given out of a small argument (a width, a count, a separator) are
replaced by versions that check the size of their result before building it.
"""
from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from functools import wraps
from itertools import chain
from typing import Any, Callable, Iterable, Mapping

from jinja2 import filters as jinja_filters
from jinja2.environment import Environment
from jinja2.exceptions import FilterArgumentError
from jinja2.filters import make_attrgetter
from jinja2.nodes import EvalContext
from jinja2.utils import pass_environment, pass_eval_context

from .limits import (
    LIST_BYTES,
    POINTER_BYTES,
    ExpressionTooLarge,
    charge,
    check_json_size,
    check_size,
    check_text_of,
    json_size,
    limits,
    metered,
    text_size,
)

#: Widest field a ``%``/``format`` conversion may pad to.
MAX_FORMAT_WIDTH = 1000

#: Filters whose result is no bigger than their input's structure (or that check it
#: themselves): a list of large shared strings may pass through them. Any other filter,
#: including one Jinja adds later, first turns its input into text, so that is checked.
KEEPS_STRUCTURE = frozenset({
    "abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float", "fromjson",
    "groupby", "int", "items", "join", "last", "length", "list", "map", "max", "min",
    "random", "reject", "rejectattr", "reverse", "round", "select", "selectattr", "slice",
    "sort", "sum", "tojson", "unique",
})

_WORDS = re.compile(r"\S+")
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?([#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?)([a-zA-Z%])")


def _spec_width(spec: str, fmt: str) -> int:
    """The widest number in a conversion spec; refuses dynamic (``*``/nested) or huge ones."""
    if "*" in spec or "{" in spec:
        raise ExpressionTooLarge(f"format width in {fmt!r} must be a number")
    width = max((int(n) for n in re.findall(r"\d+", spec)), default=0)
    if width > MAX_FORMAT_WIDTH:
        raise ExpressionTooLarge(f"format width in {fmt!r} is over {MAX_FORMAT_WIDTH}")
    return width


def _widest(values: Iterable[Any]) -> int:
    """Size of the largest value as text (each counted only up to the limit)."""
    limit = limits().max_bytes
    return max((json_size(v, limit) for v in values), default=0)


def check_printf(fmt: str | bytes, args: Any) -> None:
    """Refuse ``fmt % args`` when the result would be too large, before formatting."""
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    # Each conversion but a literal %% prints one value, at least as wide as its spec says.
    widths = [_spec_width(spec, text) for spec, kind in _PRINTF_SPEC.findall(text) if kind != "%"]
    if not widths:
        return
    values = args.values() if isinstance(args, Mapping) else args if isinstance(args, tuple) else (args,)
    widest = _widest(values)
    check_size(text_size(text) + sum(max(width, widest) for width in widths), "the formatted text")


def check_str_format(fmt: str, args: tuple, kwargs: Mapping[str, Any]) -> None:
    """Refuse ``fmt.format(*args, **kwargs)`` when the result would be too large."""
    fields = [(spec or "") for _, name, spec, _ in string.Formatter().parse(fmt) if name is not None]
    if not fields:
        return
    widest = _widest(chain(args, kwargs.values()))
    check_size(text_size(fmt) + sum(max(_spec_width(spec, fmt), widest) for spec in fields), "the formatted text")


def _center(value: Any, width: int = 80) -> str:
    text = str(value)
    check_size(max(width, text_size(text)), "the centered text")
    return text.center(width)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad_size = len(width) if isinstance(width, str) else max(int(width), 0)
    text = str(s)
    check_size(text_size(text) + (text.count("\n") + 1) * pad_size, "the indented text")
    pad = width if isinstance(width, str) else " " * pad_size
    lines = text.splitlines()
    indented = [
        (pad + line) if (line or blank) and (i or first) else line for i, line in enumerate(lines)
    ]
    return "\n".join(indented)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    if args and kwargs:
        raise FilterArgumentError("can't handle positional and keyword arguments at the same time")
    fmt = str(value)
    values = kwargs or args
    check_printf(fmt, values)
    return fmt % values


def replaced_size(text: str | bytes, old: str | bytes, new: str | bytes, count: int = -1) -> int:
    """Length of ``text.replace(old, new, count)``, without building it."""
    hits = len(text) + 1 if not old else text.count(old)
    if count is not None and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * max(len(new) - len(old), 0)


def _replace(s: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    check_size(replaced_size(text, old, new, -1 if count is None else count), "the replaced text")
    return text.replace(old, new, -1 if count is None else count)


@pass_environment
def _join(environment: Environment, value: Iterable[Any], d: Any = "", attribute: Any = None) -> str:
    if attribute is not None:
        value = map(make_attrgetter(environment, attribute), value)
    items = list(value)
    separator = str(d)
    limit = limits().max_bytes
    size = text_size(separator, limit) * max(len(items) - 1, 0)
    for item in items:
        if size > limit:
            break
        size += text_size(item, limit) if isinstance(item, str) else json_size(item, limit - size)
    check_size(size, "the joined text")
    return separator.join(map(str, items))


@pass_environment
def _wordwrap(
    environment: Environment, s: str, width: int = 79, break_long_words: bool = True,
    wrapstring: str | None = None, break_on_hyphens: bool = True,
) -> str:
    text = str(s)
    separator = environment.newline_sequence if wrapstring is None else str(wrapstring)
    # Every line of at most ``width`` characters ends in one separator.
    lines = len(text) // max(int(width), 1) + text.count("\n") + 1
    check_size(text_size(text) + lines * text_size(separator), "the wrapped text")
    return jinja_filters.do_wordwrap(environment, text, width, break_long_words, wrapstring, break_on_hyphens)


@pass_eval_context
def _tojson(eval_ctx: EvalContext, value: Any, indent: int | str | None = None) -> str:
    check_json_size(value, "the JSON text", indent)
    return jinja_filters.do_tojson(eval_ctx, value, indent)


@pass_eval_context
def _urlize(
    eval_ctx: EvalContext, value: Any, trim_url_limit: int | None = None, nofollow: bool = False,
    target: str | None = None, rel: str | None = None, extra_schemes: Iterable[str] | None = None,
) -> str:
    text = str(value)
    policies = eval_ctx.environment.policies
    # Each word may become a link: the URL twice, then rel and target, in every link.
    attributes = sum(len(str(a or "")) for a in (target, rel, policies["urlize.target"], policies["urlize.rel"]))
    links = sum(1 for _ in _WORDS.finditer(text))
    check_size(2 * text_size(text) + links * (64 + attributes), "the linked text")
    return jinja_filters.do_urlize(eval_ctx, text, trim_url_limit, nofollow, target, rel, extra_schemes)


def _batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Iterator[list[Any]]:
    check_size(LIST_BYTES + POINTER_BYTES * int(linecount), "a batch")
    return jinja_filters.do_batch(value, linecount, fill_with)


def _slice(value: Iterable[Any], slices: int, fill_with: Any = None) -> Iterator[list[Any]]:
    check_size(LIST_BYTES * int(slices), "the slices")
    return jinja_filters.sync_do_slice(value, slices, fill_with)


@pass_environment
def _sum(environment: Environment, iterable: Iterable[Any], attribute: Any = None, start: Any = 0) -> Any:
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    if not isinstance(start, (list, tuple)):
        return sum(iterable, start)  # numbers cannot grow past a few bits per item
    # Concatenating lists with + again and again is quadratic: extend once, checked.
    parts, length = [start], len(start)
    for item in iterable:
        if not isinstance(item, type(start)):
            raise TypeError(f"can only concatenate {type(start).__name__} (not {type(item).__name__}) to it")
        length += len(item)
        check_size(LIST_BYTES + POINTER_BYTES * length, "the sum")
        parts.append(item)
    return type(start)(chain.from_iterable(parts))


def _fromjson(value: Any) -> Any:
    """Parse a JSON document held in a string."""
    if isinstance(value, (str, bytes, bytearray)):  # anything else json.loads refuses itself
        check_size(text_size(value) if isinstance(value, str) else len(value), "the JSON text to parse")
    return json.loads(value)


#: Filters replaced by versions that check the size of what they build.
BOUNDED_FILTERS: dict[str, Callable[..., Any]] = {
    "batch": _batch, "center": _center, "format": _format, "fromjson": _fromjson,
    "indent": _indent, "join": _join, "replace": _replace, "slice": _slice, "sum": _sum,
    "tojson": _tojson, "urlize": _urlize, "wordwrap": _wordwrap,
}


def account(value: Any) -> Any:
    """Charge a freshly made value to the budget; an iterator is charged item by item."""
    if isinstance(value, Iterator):
        return metered(value)
    return charge(value)


def _guard(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with the input check (unless it keeps structure) and the result charged."""
    # Jinja passes the context/environment first to filters marked for it.
    value_index = 0 if getattr(func, "jinja_pass_arg", None) is None else 1
    check_input = name not in KEEPS_STRUCTURE

    @wraps(func)  # keeps jinja_pass_arg, so Jinja still passes what the filter asks for
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if check_input and len(args) > value_index:
            check_text_of(args[value_index], f"the text of the input of filter {name!r}")
        return account(func(*args, **kwargs))

    return guarded


def bounded_filters(filters: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter of ``filters`` (bounded versions replacing the risky ones), guarded."""
    merged = {**filters, **BOUNDED_FILTERS}
    return {name: _guard(name, func) for name, func in merged.items()}


__all__ = [
    "BOUNDED_FILTERS",
    "KEEPS_STRUCTURE",
    "MAX_FORMAT_WIDTH",
    "account",
    "bounded_filters",
    "check_printf",
    "check_str_format",
    "replaced_size",
]
