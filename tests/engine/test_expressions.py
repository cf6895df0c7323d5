"""Expressions: native values, templates, lenient names, and a sandbox that holds."""
from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from automateos.expressions.evaluate import (
    ExpressionError,
    evaluate_params,
    expression_problem,
    is_expression,
)
from automateos.expressions.limits import json_size

SCOPE: dict[str, Any] = {
    "input": {"body": {"id": "A1", "amount": 200, "tags": ["x", "y"], "_id": 7}},
    "nodes": {"hook": {"body": {"id": "A1"}}},
    "trigger": {"method": "POST"},
    "execution": {"id": 42, "workflow_id": 3, "started_at": "2024-01-01T00:00:00+00:00"},
}


def evaluate(value: Any, node_id: str = "shape") -> Any:
    return evaluate_params(value, SCOPE, node_id)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ input.body.amount }}", 200),
        ("{{ input.body.amount * 1.2 }}", 240.0),
        ("{{ input.body.tags }}", ["x", "y"]),
        ("{{ input.body }}", SCOPE["input"]["body"]),
        ("  {{ input.body.amount > 100 }}  ", True),
        ("{{- input.body.id -}}", "A1"),
        ("{{ {'a': {'b': 1}} }}", {"a": {"b": 1}}),
        ("{{ nodes.hook.body.id }}", "A1"),
        ("{{ trigger.method }}", "POST"),
        ("{{ execution.id }}", 42),
        ("{{ input.body._id }}", 7),
        ("{{ (1, 2) }}", [1, 2]),
        ("{{ [1, 2]|tojson }}", "[1, 2]"),
        ("{{ '{\"a\": 1}'|fromjson }}", {"a": 1}),
    ],
)
def test_a_single_expression_keeps_its_native_type(source: str, expected: Any) -> None:
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Order {{ input.body.id }}", "Order A1"),
        ("{{ input.body.amount }} EUR", "200 EUR"),
        ("{{ input.body.id }}-{{ execution.id }}", "A1-42"),
        ("tags: {{ input.body.tags }}", 'tags: ["x", "y"]'),
        ("flag={{ true }} none={{ none }}", "flag=true none="),
    ],
)
def test_any_other_string_renders_to_text(source: str, expected: str) -> None:
    assert evaluate(source) == expected


def test_params_are_walked_recursively_and_left_untouched() -> None:
    params = {
        "fields": {"total": "{{ input.body.amount }}", "label": "id {{ input.body.id }}"},
        "conditions": [{"left": "{{ input.body.tags }}", "op": "contains", "right": "x"}],
        "plain": 3,
    }
    before = repr(params)

    result = evaluate(params)

    assert result == {
        "fields": {"total": 200, "label": "id A1"},
        "conditions": [{"left": ["x", "y"], "op": "contains", "right": "x"}],
        "plain": 3,
    }
    assert repr(params) == before


def test_strings_without_braces_are_not_evaluated() -> None:
    assert evaluate({"a": "50% {% not a statement", "b": "{ single }"}) == {
        "a": "50% {% not a statement",
        "b": "{ single }",
    }


def test_missing_names_are_lenient() -> None:
    assert evaluate("{{ input.nope.deeper }}") is None
    assert evaluate("{{ nowhere }}") is None
    assert evaluate("[{{ input.nope.deeper }}]") == "[]"
    assert evaluate("{{ [input.nope] }}") == [None]
    assert evaluate("{{ input.nope | default('fallback') }}") == "fallback"


def test_now_is_an_iso_utc_timestamp() -> None:
    assert evaluate("{{ now() }}").endswith("+00:00")


def test_is_expression() -> None:
    assert is_expression("{{ x }}")
    assert is_expression("a {{ x }} b")
    assert not is_expression("{ x }")
    assert not is_expression(12)
    assert not is_expression(None)


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ self.__dict__ }}",
    "text {{ self.__dict__ }}",
    "{{ input['__class__'] }}",
    "{{ input.body.tags.append('z') }}",
    "{{ input.body.update({'a': 1}) }}",
    "{{ (1).__class__ }}",
    "x {{ ''.__class__ }} y",
]


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_sandbox_escapes_fail_naming_node_param_and_expression(source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate({"fields": {"total": source}})

    error = caught.value
    assert (error.node_id, error.param, error.expression) == ("shape", "fields.total", source)
    assert str(error).startswith(f"node 'shape', param 'fields.total': expression {source!r} failed:")


def test_sandbox_escape_does_not_mutate_the_scope() -> None:
    with pytest.raises(ExpressionError):
        evaluate("{{ input.body.tags.append('z') }}")
    assert SCOPE["input"]["body"]["tags"] == ["x", "y"]


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 10**9 }}",
        "{{ 10**9 * 'a' }}",
        "{{ [0] * 10**9 }}",
        "{{ 10**(10**10) }}",
        "{{ 2**100000 }}",
        "{{ (2**4000) * (2**4000) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d' % (10**9, 1) }}",
        "{{ '%999999999d'|format(1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ 'a'.ljust(10**9) }}",
        "{{ 'a'.zfill(10**9) }}",
        "{{ 'a'|center(10**9) }}",
        "{{ 'a'|indent(10**9, true) }}",
        "{{ ('a' * 1000000).replace('a', 'aa') }}",
        "{{ ('a' * 1000000)|replace('a', 'aa') }}",
        "{{ 'x'.join(['a' * 100000] * 100) }}",
        "{{ range(10**9)|list }}",
    ],
)
def test_expressions_that_would_build_huge_values_are_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(source)


def test_moderate_arithmetic_and_repetition_still_work() -> None:
    assert evaluate("{{ 'ab' * 3 }}") == "ababab"
    assert evaluate("{{ 2 ** 10 }}") == 1024
    assert evaluate("{{ (-1) ** 1000001 }}") == -1
    assert evaluate("{{ '%05.1f' % 3.14159 }}") == "003.1"
    assert evaluate("{{ '{} items'.format(3) }}") == "3 items"
    assert evaluate("{{ 'a'.ljust(3, '.') }}") == "a.."
    assert evaluate("{{ ', '.join(input.body.tags) }}") == "x, y"
    assert evaluate("{{ range(3)|list }}") == [0, 1, 2]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ ('a' * 1000000)|length }}", 1_000_000),  # exactly the limit
        ("{{ ('\u00e9' * 500000)|length }}", 500_000),  # 1,000,000 bytes in UTF-8
        ("{{ ('a'.encode() * 1000000)|length }}", 1_000_000),
        ("{{ range(100000)|list|length }}", 100_000),
        ("{{ 'ab' + 'cd' }}", "abcd"),
        ("{{ [1] + [2] }}", [1, 2]),
        ("{{ 'n' ~ 1 ~ [2] }}", "n1[2]"),
        ("{{ '%s-%s' % ('a', 'b') }}", "a-b"),
        ("{{ '%(x)s!' % {'x': 'hi'} }}", "hi!"),
        ("{{ '{0}{0}'.format('ab') }}", "abab"),
        ("{{ '{x}'.format_map({'x': 1}) }}", "1"),
        ("{{ 'a\tb'.expandtabs(4) }}", "a   b"),
        ("{{ 'abc'.translate({97: 'xy'}) }}", "xybc"),
        ("{{ '-'.join(['a', 'b']) }}", "a-b"),
        ("{{ 'a'|center(5) }}", "  a  "),
        ("{{ 'a\nb'|indent(2, true) }}", "  a\n  b"),
        ("{{ 'a b c'|wordwrap(3, wrapstring='|') }}", "a b|c"),
        ("{{ 'abc'|replace('b', 'xx') }}", "axxc"),
        ("{{ 'see www.a.co'|urlize(target='_blank') }}",
         'see <a href="https://www.a.co" rel="noopener" target="_blank">www.a.co</a>'),
        ("{{ '%05.1f'|format(3.14159) }}", "003.1"),
        ("{{ range(3)|map('center', 3)|join(',') }}", " 0 , 1 , 2 "),
        ("{{ input.body.tags|join(', ') }}", "x, y"),
        ("{{ [1, 2, 3]|sum }}", 6),
        ("{{ [[1], [2, 3]]|sum(start=[]) }}", [1, 2, 3]),
        ("{{ [{'p': 2}, {'p': 3}]|sum(attribute='p') }}", 5),
        ("{{ [1, 2, 3, 4, 5]|batch(2, 0)|list }}", [[1, 2], [3, 4], [5, 0]]),
        ("{{ [1, 2, 3]|slice(2)|list }}", [[1, 2], [3]]),
        ("{{ {'a': 1}|tojson(indent=2) }}", '{\n  "a": 1\n}'),
        ("{{ (1).to_bytes(2, 'big')|length }}", 2),
        ("{{ input.body|dictsort|first }}", ["_id", 7]),
    ],
)
def test_values_within_the_limits_are_built_as_before(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_lazy_filters_are_charged_only_for_what_is_taken() -> None:
    # 100,000 strings of 1,000 bytes would be ten times the budget; only one is made.
    assert evaluate("{{ (range(100000)|map('center', 1000)|first)|length }}") == 1000


def test_the_allocation_budget_is_per_expression() -> None:
    field = "{{ range(3)|map('center', 1000)|list|length }}"  # ~6,500 of the 10,000 bytes
    params = {"a": field, "b": field, "c": field}
    assert evaluate_params(params, SCOPE, "shape", max_bytes=1000) == {"a": 3, "b": 3, "c": 3}
    with pytest.raises(ExpressionError, match="allocated more than 10,000 bytes"):
        evaluate_params({"a": field.replace("range(3)", "range(6)")}, SCOPE, "shape", max_bytes=1000)


def test_a_template_may_print_up_to_the_limit() -> None:
    assert len(evaluate("{{ 'a' * 500000 }}{{ 'b' * 500000 }}")) == 1_000_000
    with pytest.raises(ExpressionError, match="the text would be about 1,000,001 bytes"):
        evaluate("{{ 'a' * 500000 }}{{ 'b' * 500000 }}!")


@pytest.mark.parametrize(
    "value",
    [
        {"id": "A-1", "amount": 150.25, "tags": ["x", "y"], "ok": True, "none": None},
        [list(range(50)), {"nested": {"deep": ["\u00e9t\u00e9", "\U0001F600"]}}],
        ["x" * 1000] * 20,
        {str(i): i * 10**12 for i in range(100)},
    ],
)
@pytest.mark.parametrize("indent", [None, 2, 8])
def test_json_size_is_close_to_the_real_json(value: Any, indent: int | None) -> None:
    real = len(json.dumps(value, indent=indent, ensure_ascii=False).encode())
    assert real * 0.8 <= json_size(value, indent=indent) <= real * 1.25


def test_json_size_stops_counting_past_the_limit() -> None:
    shared = ["x" * 1000] * 1000  # 1 MB as JSON, 8 KB in memory
    assert json_size(shared, limit=10_000) < 20_000
    assert json_size(shared, limit=10_000) > 10_000
    assert json_size(range(1000)) == pytest.approx(len(json.dumps(list(range(1000)))), rel=0.25)


def test_jinja_power_is_left_associative_so_10_pow_10_pow_10_is_only_a_googol() -> None:
    # (10**10)**10 == 10**100: harmless, hence allowed; 10**(10**10) is refused above.
    assert evaluate("{{ 10**10**10 }}") == 10**100


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(3) %}{{ i }}{% endfor %}",
        "{{ 1 }}{% set x = 2 %}",
        "{% macro m() %}{% endmacro %}{{ 1 }}",
    ],
)
def test_statements_are_refused(source: str) -> None:
    with pytest.raises(ExpressionError, match="statements"):
        evaluate(source)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ unclosed", "TemplateSyntaxError"),
        ("{{ 'a' + 1 }}", "TypeError"),
        ("{{ 'a'.upper }}", "not JSON data"),
        ("{{ lipsum(5) }}", "undefined"),
    ],
)
def test_evaluation_errors_become_expression_errors(source: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason) as caught:
        evaluate({"conditions": [{"left": source}]}, node_id="big")
    assert caught.value.param == "conditions.0.left"
    assert caught.value.node_id == "big"


def test_expression_error_survives_pickling() -> None:
    error = ExpressionError("n", "p", "{{ x }}", "boom")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) == "node 'n', param 'p': expression '{{ x }}' failed: boom"


def test_expression_problem_reports_syntax_only() -> None:
    assert expression_problem("{{ input.x }}") is None
    assert expression_problem("{{ 1 / 0 }}") is None  # fails only when run
    assert "TemplateSyntaxError" in expression_problem("{{ input. }}")
    assert "statements" in expression_problem("{% if x %}{% endif %}{{ 1 }}")
