"""What a step may store: node outputs are checked once, before the record phase.

PostgreSQL refuses NUL (U+0000) in text and JSONB, and JSON (so JSONB) has no infinity or
NaN. An output holding either used to fail every record attempt and loop for an hour; it
now fails its step at once with a message that says where the value is. SQLite would store
both, so the check runs on every backend for one behaviour. An output over
``STEP_OUTPUT_MAX_BYTES`` of stored JSON fails its step too.
"""
from __future__ import annotations

import json
import math
from typing import Any

NUL = "\x00"
NUL_ESCAPE = "\\u0000"  # how JSON writes NUL; the text may also hold a literal backslash-u0000


class UnstorableOutput(ValueError):
    """A node output the database cannot store (NUL in text, a non-finite number, not JSON)."""


class StepOutputTooLarge(ValueError):
    """A node output over ``STEP_OUTPUT_MAX_BYTES``."""


def storable_output(value: Any, node_id: str, max_bytes: int) -> Any:
    """``value`` as the JSON the database will store (objects JSON lacks become their
    string form); raises ``UnstorableOutput`` or ``StepOutputTooLarge``."""
    try:
        text = json.dumps(value, default=str, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError) as exc:
        problem = _find(value, _non_finite) or f"it is not JSON ({type(exc).__name__}: {exc})"
        raise UnstorableOutput(f"node '{node_id}': its output cannot be stored: {problem}") from None
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise StepOutputTooLarge(
            f"node '{node_id}': its output is {size:,} bytes of JSON, over the limit of "
            f"{max_bytes:,} bytes (STEP_OUTPUT_MAX_BYTES)"
        )
    stored = json.loads(text)
    if NUL_ESCAPE in text and (problem := _find(stored, _nul)):
        raise UnstorableOutput(f"node '{node_id}': its output cannot be stored: {problem}")
    return stored


def storable_text(text: str) -> str:
    """``text`` with NUL characters written out, for messages and tracebacks we store."""
    return text.replace(NUL, NUL_ESCAPE)


def _non_finite(value: Any, path: str) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{path} is {value}, and JSON has no infinity or NaN"
    return None


def _nul(value: Any, path: str) -> str | None:
    if isinstance(value, str) and NUL in value:
        return f"the text at {path} contains a NUL character (\\u0000), which the database refuses"
    return None


def _find(value: Any, problem_of: Any) -> str | None:
    """The first problem ``problem_of(item, path)`` reports in ``value``, keys included.

    Iterative, so a deeply nested value cannot exhaust the stack.
    """
    todo: list[tuple[Any, str]] = [(value, "output")]
    seen: set[int] = set()
    while todo:
        item, path = todo.pop()
        if isinstance(item, (dict, list, tuple)):
            if id(item) in seen:  # a value that contains itself: reported by json.dumps
                continue
            seen.add(id(item))
        if isinstance(item, dict):
            for key, child in item.items():
                if problem := problem_of(key, f"a key of {path}"):
                    return problem
                todo.append((child, f"{path}.{key}"))
        elif isinstance(item, (list, tuple)):
            todo.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
        elif problem := problem_of(item, path):
            return problem
    return None
