"""Logic nodes: ``filter`` and ``if`` test conditions, ``merge`` joins branches."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..base import STOP, Emit, Node, NodeContext, NodeError, Stop

UNARY_OPS = ("exists", "not_exists", "is_empty")
BINARY_OPS = (
    "eq", "ne", "gt", "gte", "lt", "lte",
    "contains", "not_contains", "starts_with", "ends_with",
)
OPS = BINARY_OPS + UNARY_OPS
COMBINE_MODES = ("all", "any")


class ConditionSchema(Schema):
    """One condition: ``left op right`` (``right`` is unused by unary ops)."""

    left = fields.Raw(required=True, allow_none=True, metadata={"description": "Value to test, usually an expression."})
    op = fields.String(required=True, validate=validate.OneOf(OPS))
    right = fields.Raw(allow_none=True, metadata={"description": "Value to compare with."})

    @validates_schema
    def _right_when_needed(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["op"] in BINARY_OPS and "right" not in data:
            raise ValidationError(f"Required by op {data['op']!r}.", "right")


class ConditionsParams(Schema):
    """Params of ``filter`` and ``if``."""

    conditions = fields.List(
        fields.Nested(ConditionSchema), required=True, validate=validate.Length(min=1)
    )
    combine = fields.String(
        load_default="all",
        validate=validate.OneOf(COMBINE_MODES),
        metadata={"description": "all: every condition must hold; any: one is enough."},
    )


def _number(value: Any) -> float | None:
    """``value`` as a number when it is one or a numeric string (bools are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _bool_text(value: Any) -> Any:
    """'true'/'false' read as booleans, so a query string can be compared with true."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def _equals(left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return a == b
    if isinstance(left, bool) or isinstance(right, bool):
        left, right = _bool_text(left), _bool_text(right)
        return type(left) is type(right) and left == right
    return left == right


def _compare(left: Any, right: Any, op: str) -> bool:
    a, b = _number(left), _number(right)
    if a is None or b is None:
        a, b = left, right
        if isinstance(a, bool) or isinstance(b, bool) or type(a) is not type(b):
            raise NodeError(
                f"cannot compare {_describe(left)} with {_describe(right)} using {op!r}"
            )
    try:
        return _ORDERINGS[op](a, b)
    except TypeError:
        raise NodeError(
            f"cannot compare {_describe(left)} with {_describe(right)} using {op!r}"
        ) from None


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _contains(left: Any, right: Any) -> bool:
    if isinstance(left, str):
        return _text(right, "contains") in left
    if isinstance(left, list):
        return any(_equals(item, right) for item in left)
    if isinstance(left, dict):
        return _text(right, "contains") in left
    raise NodeError(f"'contains' needs a string, list or object on the left, got {_describe(left)}")


def _text(value: Any, op: str) -> str:
    """A string operand; numbers are read as their text, anything else is an error."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise NodeError(f"{op!r} needs text, got {_describe(value)}")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _describe(value: Any) -> str:
    kind = "null" if value is None else type(value).__name__
    shown = repr(value)
    return f"{kind} {shown[:40] + '...' if len(shown) > 40 else shown}"


def evaluate_condition(condition: Mapping[str, Any]) -> bool:
    """Whether ``left op right`` holds; a comparison that makes no sense raises NodeError."""
    op, left, right = condition["op"], condition.get("left"), condition.get("right")
    if op == "eq":
        return _equals(left, right)
    if op == "ne":
        return not _equals(left, right)
    if op in _ORDERINGS:
        return _compare(left, right, op)
    if op == "contains":
        return _contains(left, right)
    if op == "not_contains":
        return not _contains(left, right)
    if op == "starts_with":
        return _text(left, op).startswith(_text(right, op))
    if op == "ends_with":
        return _text(left, op).endswith(_text(right, op))
    if op == "exists":
        return left is not None
    if op == "not_exists":
        return left is None
    if op == "is_empty":
        return _is_empty(left)
    raise NodeError(f"unknown condition op {op!r}")


def conditions_hold(conditions: Iterable[Mapping[str, Any]], combine: str = "all") -> bool:
    """Combine the conditions with ``all`` or ``any`` (short-circuiting, like Python)."""
    results = (evaluate_condition(c) for c in conditions)
    return all(results) if combine == "all" else any(results)


class FilterNode(Node):
    """Passes its input on when the conditions hold; otherwise the branch stops."""

    type = "filter"
    name = "Filter"
    description = "Continues only when the conditions hold; otherwise the branch stops."
    category = "logic"
    params_schema = ConditionsParams
    timeout_seconds = 10.0
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any | Stop:
        """Return the input, or STOP."""
        return input if conditions_hold(params["conditions"], params["combine"]) else STOP


class IfNode(Node):
    """Sends its input on port ``true`` or ``false``."""

    type = "if"
    name = "If"
    description = "Routes its input to the true or false output."
    category = "logic"
    params_schema = ConditionsParams
    outputs = ("true", "false")
    timeout_seconds = 10.0
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Emit:
        """Emit the input on the port the conditions pick."""
        port = "true" if conditions_hold(params["conditions"], params["combine"]) else "false"
        return Emit(port, input)


class MergeNode(Node):
    """Waits for every incoming branch and outputs ``{source_node_id: output}``."""

    type = "merge"
    name = "Merge"
    description = "Waits for all incoming branches; outputs each branch's output by node id."
    category = "logic"
    joins_branches = True
    timeout_seconds = 10.0
    blocking = False

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> Any:
        """Return the joined outputs the engine collected."""
        return input
