"""The expression sandbox under attack: escapes and memory bombs fail the step clearly.

Every bomb below used to take hundreds of MB (some over a GB) from a worker, or store
tens of MB. Each must now fail with an error naming the node, the param and the
expression, and the process's memory must stay within a small bound while they run
(measured in a child process, so a bomb that got through could not hurt the suite).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automateos.expressions.evaluate import ExpressionError, evaluate_params
from automateos.expressions.environment import make_environment
from automateos.expressions.filters import KEEPS_STRUCTURE
from automateos.expressions.limits import BUDGET_FACTOR, DEFAULT_MAX_BYTES
from tests.conftest import wait_for_log, webhook_flow

ROOT = Path(__file__).resolve().parents[2]

#: The bombs of issue 7, with what each took before the fix.
ISSUE_BOMBS = [
    "{{ ('a'.encode() * 10**9)|length }}",  # +880 MB
    "{{ ([1]|batch(10**8, 0)|first)|length }}",  # +1.5 GB
    "{{ (range(0)|slice(10**7)|list)|length }}",  # +674 MB, 5.7 s
    "{{ range(50)|map('center', 1000000)|join }}",  # 50 MB stored
    "{{ ['x'*999999]*30 }}",  # 30 MB stored
    "{{ range(100)|list|tojson(indent=100000) }}",  # 10 MB stored
]

#: Their cousins: the same growth through every other operator, method and filter.
COUSINS = [
    # * and + on str, bytes, lists; ~; big integers
    "{{ 10**9 * 'a'.encode() }}",
    "{{ 'a' * 999999 + 'a' * 999999 }}",
    "{{ (['x'] * 100000) + (['x'] * 100000) }}",
    "{{ ('a' * 999999) ~ ('a' * 999999) }}",
    "{{ (['x' * 999999] * 30) ~ '' }}",
    "{{ '\U0001F600' * 300000 }}",
    "{{ 2**100000 }}",
    "{{ (2**4000) * (2**4000) }}",
    "{{ (1).to_bytes(10**9, 'big') }}",
    # str and bytes methods
    "{{ 'a'.rjust(10**9, '-') }}",
    "{{ 'a'.encode().ljust(10**9) }}",
    "{{ 'a'.encode().zfill(10**9) }}",
    "{{ 'a'.center(400000, '\U0001F600') }}",
    "{{ ('\t' * 1000).expandtabs(10**6) }}",
    "{{ ('\t' * 1000).encode().expandtabs(10**6) }}",
    "{{ ('a' * 1000).replace('a', 'b' * 10000) }}",
    "{{ ('a' * 1000).encode().replace('a'.encode(), ('b' * 10000).encode()) }}",
    "{{ ('x' * 10000).join(['y'] * 10000) }}",
    "{{ ('a' * 100000).translate({97: 'b' * 1000}) }}",
    "{{ ('a'|tojson).center(10**9) }}",
    # str.format and printf-style %
    "{{ '{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}'.format('a' * 999999) }}",
    "{{ ('{0}' * 1000).format('a' * 100000) }}",
    "{{ '{x}{x}{x}'.format_map({'x': 'a' * 999999}) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{:.1000000f}'.format(1.5) }}",
    "{{ ('%s' * 1000) % (('a' * 100000,) * 1000) }}",
    "{{ '%(a)s%(a)s%(a)s' % {'a': 'a' * 999999} }}",
    "{{ '%999999999d' % 1 }}",
    "{{ '%*d' % (10**9, 1) }}",
    "{{ '%s'|format(['x' * 999999] * 30) }}",
    "{{ ('%s' * 100)|format(*(['a' * 100000] * 100)) }}",
    # filters
    "{{ [1]|batch(10**8)|list }}",
    "{{ range(0)|slice(10**7) }}",
    "{{ 'a'|center(10**9) }}",
    "{{ 'a'|indent(10**9, true) }}",
    "{{ ('\n' * 100000)|indent(100) }}",
    "{{ ('a' * 999999)|wordwrap(1, wrapstring='x' * 100) }}",
    "{{ ('a' * 999999)|replace('', 'b') }}",
    "{{ ('www.a.co ' * 10000)|urlize(target='x' * 100000) }}",
    "{{ range(100000)|join('x' * 100000) }}",
    "{{ ('ab' * 500000).split('a')|join('x' * 1000) }}",
    "{{ (['x' * 999999] * 30)|join }}",
    "{{ (['x' * 999999] * 30)|tojson }}",
    "{{ {'a': 'x' * 999999}.items()|list|tojson(indent=10**6) }}",
    "{{ (['x' * 999999] * 30)|string }}",
    "{{ (['x' * 999999] * 30)|pprint }}",
    "{{ (['x' * 999999] * 30)|e }}",
    "{{ (['x' * 999999] * 30)|upper }}",
    "{{ ([[1] * 1000] * 1000)|sum(start=[]) }}",
    "{{ ([['x' * 999999]] * 100)|sum(start=[]) }}",
    "{{ dict(a=['x' * 999999] * 30)|dictsort }}",
    "{{ ('<' * 999999)|e }}",
    "{{ ('a' * 999999)|tojson|tojson }}",
    # many calls that each stay under the limit: the allocation budget
    "{{ range(1000)|map('center', 100000)|list|length }}",
    "{{ ('x' * 999999)|list|list|list|length }}",
    # constants: Jinja used to compute them while compiling, into the compiled code (700 MB)
    "{{ ('x'|center(999999))|list }}",
    "text {{ ('x'|center(999999))|list|list|list }}",
    # templates: every output counts
    "list: {{ ['x' * 999999] * 30 }}",
    "{{ 'a' * 999999 }}{{ 'a' * 999999 }}",
]

BOMBS = ISSUE_BOMBS + COUSINS

#: What the child process may allocate (tracemalloc peak) for any one bomb. The budget
#: is what an evaluation may create in all; the one value that crosses it comes on top.
PEAK_BOUND = 4 * BUDGET_FACTOR * DEFAULT_MAX_BYTES
#: What the child's resident memory may grow by over all the bombs together.
RSS_BOUND_KB = 128 * 1024

SCOPE: dict[str, Any] = {"input": {"body": {"text": "t" * 600_000}}, "nodes": {}, "trigger": {}, "execution": {}}


def evaluate(source: str, **kwargs: Any) -> Any:
    return evaluate_params({"fields": {"x": source}}, SCOPE, "shape", **kwargs)


@pytest.mark.parametrize("source", BOMBS)
def test_a_memory_bomb_fails_naming_node_param_expression_and_the_limit(source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source)

    error = caught.value
    assert (error.node_id, error.param, error.expression) == ("shape", "fields.x", source)
    assert error.reason.startswith("ExpressionTooLarge: "), error.reason
    assert str(error).startswith(f"node 'shape', param 'fields.x': expression {source!r} failed:")


def test_a_value_from_the_scope_counts_too() -> None:
    with pytest.raises(ExpressionError, match="EXPRESSION_MAX_BYTES"):
        evaluate("{{ input.body.text * 2 }}")
    assert evaluate("{{ (input.body.text * 1)|length }}") == {"fields": {"x": 600_000}}


_CHILD = r"""
import json, resource, sys, tracemalloc
# A safety net only: a bomb that got through fails here (MemoryError) instead of the machine.
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
from automateos.expressions.evaluate import ExpressionError, evaluate_params
sources = json.load(sys.stdin)
evaluate_params("{{ 1 }}", {}, "warm-up")
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
results = {}
for source in sources:
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    try:
        evaluate_params(source, {}, "n")
        reason = "no error"
    except ExpressionError as exc:
        reason = exc.reason
    results[source] = {"reason": reason, "peak": tracemalloc.get_traced_memory()[1] - start}
tracemalloc.stop()
rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
print(json.dumps({"results": results, "rss_growth_kb": rss_growth}))
"""


def test_memory_stays_bounded_while_every_bomb_runs() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], input=json.dumps(BOMBS), capture_output=True, text=True,
        cwd=ROOT, env=env, timeout=300,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])

    for source in BOMBS:
        result = report["results"][source]
        assert result["reason"].startswith("ExpressionTooLarge: "), (source, result["reason"])
        assert result["peak"] < PEAK_BOUND, (source, result["peak"])
    assert report["rss_growth_kb"] < RSS_BOUND_KB, report["rss_growth_kb"]


@pytest.mark.parametrize("name", sorted(set(make_environment().filters) - KEEPS_STRUCTURE))
def test_every_filter_that_makes_text_refuses_a_value_too_large_as_text(name: str) -> None:
    # 30 references to one string: 1 MB in memory, 30 MB as text.
    source = f"{{{{ (['x' * 999999] * 30)|{name} }}}}"
    with pytest.raises(ExpressionError, match="ExpressionTooLarge"):
        evaluate(source)


def test_the_configured_limit_applies(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "EXPRESSION_MAX_BYTES", 1000)
    with app.app_context():
        with pytest.raises(ExpressionError, match="over the limit of 1,000 "):
            evaluate("{{ 'a' * 1001 }}")
        assert evaluate("{{ ('a' * 1000)|length }}") == {"fields": {"x": 1000}}


def test_a_limit_can_be_passed_explicitly() -> None:
    with pytest.raises(ExpressionError, match="allocated more than 500 bytes"):
        evaluate("{{ range(20)|map('center', 40)|list|length }}", max_bytes=50)


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''['__class__'] }}",
    "{{ ''|attr('__class__') }}",
    "{{ (''|attr('\\x5f\\x5fclass\\x5f\\x5f')) }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__globals__ }}",
    "{{ dict.__base__.__subclasses__() }}",
    "{{ now.__globals__ }}",
    "{{ '{0.__class__}'.format('') }}",
    "{{ '{0.__class__.__mro__}'.format_map({'0': ''}) }}",
    "{{ input.body.tags.append('z') }}",
    "{{ input.body.pop('tags') }}",
    "{{ input.__setitem__('a', 1) }}",
    "{{ (1).__class__.__subclasses__() }}",
    "{{ ''.format.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
]


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_a_sandbox_escape_fails_and_changes_nothing(source: str) -> None:
    scope = {"input": {"body": {"tags": ["x"]}}, "nodes": {}, "trigger": {}, "execution": {}}
    with pytest.raises(ExpressionError) as caught:
        evaluate_params({"fields": {"x": source}}, scope, "evil")
    assert (caught.value.node_id, caught.value.param) == ("evil", "fields.x")
    assert scope["input"] == {"body": {"tags": ["x"]}}


@pytest.mark.parametrize("source", ISSUE_BOMBS)
def test_a_bomb_in_a_workflow_fails_its_step_and_the_run(app, client, user, source: str) -> None:
    wf = user.create_workflow(webhook_flow({"id": "bomb", "type": "transform", "params": {"fields": {"x": source}}}))
    token = wf["webhook_url"].rsplit("/", 1)[1]
    resp = client.post(f"/api/hooks/{token}", json={})
    assert resp.status_code == 202

    log = wait_for_log(app, user, resp.get_json()["log_id"])

    assert log["status"] == "failed"
    message = log["error"]["message"]
    assert "'bomb'" in message and "'fields.x'" in message and source in message
    assert "ExpressionTooLarge" in message and log["error"]["node_id"] == "bomb"
    step = {s["node_id"]: s for s in log["steps"]}["bomb"]
    assert step["status"] == "failed" and step["output"] is None
