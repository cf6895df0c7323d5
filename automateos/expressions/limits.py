"""How big an expression's values may grow: the size model and the allocation budget.

Two bounds hold while an expression is evaluated (see :func:`limits`):

- **max_bytes** (``EXPRESSION_MAX_BYTES``): no single value may be larger, counted the way
  it would be stored (about its length as JSON, in UTF-8 bytes: :func:`json_size`).
  Operations that could build a large value check the size *before* building it.
- **budget** (``max_bytes * BUDGET_FACTOR``): what all the values an evaluation creates
  may add up to, counted in memory as they appear (:func:`charge`). This is what bounds
  filters and methods that have no check of their own, and many calls that each stay
  under ``max_bytes`` (``range(50)|map('center', 1000000)``).

Outside an evaluation (Jinja folds constant filter calls at compile time) a fresh
default budget applies to every call, so the per-value checks still hold.
"""
from __future__ import annotations

import sys
from collections.abc import Collection, Iterator
from contextvars import ContextVar, Token
from typing import Any, Iterable

from jinja2.exceptions import SecurityError
from jinja2.runtime import Undefined

#: Default for ``EXPRESSION_MAX_BYTES``: the largest value an expression may build.
DEFAULT_MAX_BYTES = 1_000_000
#: An evaluation may allocate this many times ``max_bytes`` in all.
BUDGET_FACTOR = 10
#: Memory a list, tuple or dict spends per item on its reference.
POINTER_BYTES = 8
#: Memory of an empty list (what each part of ``slice``/``batch`` costs before its items).
LIST_BYTES = sys.getsizeof([])
#: Size counted for an object that is not JSON data (a function, a cycler, an iterator).
OPAQUE_BYTES = 64


class ExpressionTooLarge(SecurityError):
    """An expression would build a value, or allocate in all, past the size limits."""


class Limits:
    """The bounds of one evaluation and what is left of its allocation budget.

    Parameters:
      max_bytes: the largest single value (``EXPRESSION_MAX_BYTES``).
    """

    __slots__ = ("max_bytes", "budget", "remaining")

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.budget = max_bytes * BUDGET_FACTOR
        self.remaining = self.budget


_current: ContextVar[Limits | None] = ContextVar("expression_limits", default=None)


def limits() -> Limits:
    """The bounds of the evaluation under way (a fresh default set outside one)."""
    return _current.get() or Limits()


def start_evaluation(max_bytes: int) -> Token:
    """Evaluate under ``max_bytes`` and a fresh allocation budget until :func:`end_evaluation`."""
    # A ContextVar rather than a global: worker threads evaluate at the same time.
    return _current.set(Limits(max_bytes))


def end_evaluation(token: Token) -> None:
    """Restore the limits that held before :func:`start_evaluation` returned ``token``."""
    _current.reset(token)


def check_size(size: int, what: str = "the result") -> None:
    """Refuse a value of ``size`` bytes that is over ``max_bytes``; call before building it."""
    max_bytes = limits().max_bytes
    if size > max_bytes:
        raise ExpressionTooLarge(
            f"{what} would be about {size:,} bytes, over the limit of {max_bytes:,} (EXPRESSION_MAX_BYTES)"
        )


def charge(value: Any) -> Any:
    """Count a value just created against the allocation budget; returns it unchanged."""
    current = _current.get()
    if current is not None:
        # getsizeof is O(1): the object's own memory, not what it refers to (charged when made).
        current.remaining -= sys.getsizeof(value)
        if current.remaining < 0:
            raise ExpressionTooLarge(
                f"the expression allocated more than {current.budget:,} bytes in all "
                f"({BUDGET_FACTOR} x EXPRESSION_MAX_BYTES)"
            )
    return value


def metered(items: Iterable[Any]) -> Iterator[Any]:
    """Yield ``items`` lazily, charging each one (the results of lazy filters like ``map``)."""
    for item in items:
        charge(item)
        yield item


def text_size(text: str, limit: int | None = None) -> int:
    """UTF-8 length of ``text`` (or only its length, already past ``limit``)."""
    length = len(text)
    if text.isascii() or (limit is not None and length > limit):
        return length  # exact for ASCII (an O(1) check); else over the limit either way
    return len(text.encode("utf-8", "surrogatepass"))


def json_size(value: Any, limit: int | None = None, indent: int | str | None = None) -> int:
    """About how many bytes ``value`` takes as JSON (``indent`` as ``json.dumps`` takes it).

    A string on its own counts its UTF-8 bytes; inside a container, its quotes too.

    Stops counting once past ``limit``: the answer is then only known to be over it,
    which makes checking a huge value cheap. Iterators are not consumed (they count as
    an opaque object). Never recurses, so deeply nested data cannot overflow the stack.
    """
    limit = sys.maxsize if limit is None else limit
    if isinstance(value, str):
        return text_size(value, limit)  # text on its own: its bytes, no quotes
    size = _scalar_size(value, limit)
    if size is not None:  # the common case on the hot path: a number
        return size
    width = len(indent) if isinstance(indent, str) else max(indent or 0, 0)
    total = 0
    # Groups of siblings with their depth: no tuple per item, and C-speed appends.
    stack: list[tuple[Iterable[Any], int]] = [((value,), 0)]
    while stack:
        siblings, depth = stack.pop()
        for item in siblings:
            kind = type(item)
            if kind is str and item.isascii():  # inlined: most items are short ASCII text
                total += len(item) + 2
            elif kind is int:
                total += _int_digits(item)
            elif (size := _scalar_size(item, limit)) is not None:
                total += size
            else:
                total += _container_size(item, depth, indent is not None, width)
                if total <= limit:  # a huge container's items are never walked
                    total += _push_items(stack, item, depth + 1)
            if total > limit:
                return total
    return total


def _push_items(stack: list[tuple[Iterable[Any], int]], container: Collection, depth: int) -> int:
    """Put a container's items on the stack; returns the size of what it counts at once."""
    if isinstance(container, range):
        # A range's numbers: the widest end's digits, times the length.
        return len(container) * max(_int_digits(container.start), _int_digits(container.stop))
    if isinstance(container, dict):
        stack.append((container.keys(), depth))
        stack.append((container.values(), depth))
    else:
        stack.append((container, depth))
    return 0


def _scalar_size(item: Any, limit: int) -> int | None:
    """JSON size of anything but a container (None for a container)."""
    kind = type(item)
    if kind is str:
        return text_size(item, limit) + 2
    if kind is int:
        return _int_digits(item)
    if kind is float:
        return len(repr(item))
    if kind is dict or kind is list or kind is tuple:
        return None
    if item is None or isinstance(item, (bool, Undefined)):
        return 5
    if isinstance(item, str):
        return text_size(item, limit) + 2
    if isinstance(item, (bytes, bytearray)):
        return len(item) + 3
    if isinstance(item, int):
        return _int_digits(item)
    if isinstance(item, float):
        return len(repr(item))
    if isinstance(item, Collection):
        return None
    return OPAQUE_BYTES


def _container_size(container: Collection, depth: int, indented: bool, width: int) -> int:
    """Brackets and separators of a container (its items are counted one by one)."""
    count = len(container)
    per_item = 4 if isinstance(container, dict) else 2  # ", " and, in a dict, ": "
    if not indented:
        return 2 + count * per_item
    # json.dumps(indent=...) puts each item on its own line, indented one level deeper.
    return 2 + count * (per_item + 1 + width * (depth + 1)) + (1 + width * depth if count else 0)


def _int_digits(number: int) -> int:
    # log10(2) ~ 77/256: decimal digits from the bit length, without converting; and a sign.
    return number.bit_length() * 77 // 256 + 1 + (number < 0)


def check_json_size(value: Any, what: str = "the result", indent: int | str | None = None) -> None:
    """Refuse ``value`` if, as JSON (or text), it would be over ``max_bytes``."""
    max_bytes = limits().max_bytes
    check_size(json_size(value, max_bytes, indent), what)


def check_text_of(value: Any, what: str = "the text of a value") -> None:
    """Refuse to turn ``value`` into text when the text would be over ``max_bytes``.

    A str is already built, so it passes; a list holding the same large string 30 times
    is small in memory but 30 times larger as text.
    """
    if not isinstance(value, str) and isinstance(value, Collection):
        check_json_size(value, what)


__all__ = [
    "BUDGET_FACTOR",
    "DEFAULT_MAX_BYTES",
    "ExpressionTooLarge",
    "Limits",
    "charge",
    "check_json_size",
    "check_size",
    "check_text_of",
    "end_evaluation",
    "json_size",
    "limits",
    "metered",
    "start_evaluation",
    "text_size",
]
