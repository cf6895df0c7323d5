"""kill -9 of the dramatiq worker during runs of every node kind, several times."""
from __future__ import annotations

import time
from typing import Any

import requests

from tests.http_server import LocalServer

from .client import Account, run_rows, step_rows, unfinished, wait_finished
from .stack import FAST_RECOVERY

KILLS = 3
RUNS_PER_WAVE = 21  # seven of each workflow below, so 63 runs in all
DELAY_SECONDS = 2


def hook_then(*nodes: dict[str, Any], edges: list[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """A definition: a webhook trigger ``hook`` then ``nodes`` (a chain unless ``edges``)."""
    all_nodes = [{"id": "hook", "type": "webhook"}, *nodes]
    pairs = edges or [(a["id"], b["id"]) for a, b in zip(all_nodes, all_nodes[1:])]
    return {"nodes": all_nodes,
            "edges": [{"source": e[0], "target": e[1], **({"output": e[2]} if len(e) > 2 else {})} for e in pairs]}


def flaky_call(server: LocalServer, prefix: str, fail: int, **limits: Any) -> dict[str, Any]:
    """An http_request to the stand-in that counts calls per run (``<prefix>-<run id>``) and
    answers 500 to the first ``fail`` of them."""
    return {"id": "call", "type": "http_request", **limits,
            "params": {"url": server.url("/flaky"), "query": {"key": prefix + "-{{ execution.id }}", "fail": fail}}}


def workflows(server: LocalServer) -> dict[str, dict[str, Any]]:
    """Every node kind: logic and a delay, a call made once, a call retried, a call that fails."""
    pipeline = hook_then(
        {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}",
                                                                   "even": "{{ input.body.n % 2 == 0 }}"}}},
        {"id": "keep", "type": "filter", "params": {"conditions": [{"left": "{{ input.n }}", "op": "gte", "right": 0}]}},
        {"id": "branch", "type": "if", "params": {"conditions": [{"left": "{{ input.even }}", "op": "eq", "right": True}]}},
        {"id": "wait", "type": "delay", "params": {"seconds": DELAY_SECONDS}},
        {"id": "odd", "type": "transform", "params": {"fields": {"odd": True}}},
        {"id": "join", "type": "merge"},
        flaky_call(server, "p", 0),
        {"id": "done", "type": "transform", "params": {"fields": {"n": "{{ trigger.body.n }}",
                                                                  "attempt": "{{ input.body.attempt }}"}}},
        edges=[("hook", "shape"), ("shape", "keep"), ("keep", "branch"), ("branch", "wait", "true"),
               ("branch", "odd", "false"), ("wait", "join"), ("odd", "join"), ("join", "call"), ("call", "done")],
    )
    retried = hook_then(flaky_call(server, "r", 1, retry_backoff=0.5),
                        {"id": "done", "type": "transform", "params": {"fields": {"attempt": "{{ input.body.attempt }}"}}})
    failing = hook_then(flaky_call(server, "f", 1000, max_retries=1, retry_backoff=0.5))
    return {"p": pipeline, "r": retried, "f": failing}


def test_worker_killed_during_runs_every_run_ends_right(stack_on_services, reliability_database: str,
                                                        server: LocalServer):
    # Given the platform, a stand-in HTTP API and three workflows covering every node kind
    stack = stack_on_services
    account = Account(stack.base)
    hooks = {kind: account.create_workflow(definition) for kind, definition in workflows(server).items()}
    runs: dict[int, tuple[str, int]] = {}  # log id -> (workflow kind, n sent)
    t0 = time.monotonic()

    # When runs are fired in waves and the worker is killed (kill -9) in the middle of each
    for wave in range(KILLS):
        for i in range(RUNS_PER_WAVE):
            n = wave * RUNS_PER_WAVE + i
            kind = "prf"[i % 3]
            resp = requests.post(stack.base + hooks[kind], json={"n": n}, timeout=15)
            assert resp.status_code == 202, resp.text
            runs[resp.json()["log_id"]] = (kind, n)
        time.sleep(1.0)  # delays asleep, calls and retries under way
        stack.worker.kill()
        stack.start_worker()

    # Then every run ends, none lost, none stuck
    ids = list(runs)
    rows = wait_finished(reliability_database, ids, timeout=90)
    recovery = time.monotonic() - t0
    assert not unfinished(rows, ids), f"{unfinished(rows, ids)}\n{stack.logs()}"
    counts = dict(server.counts)
    steps = step_rows(reliability_database, ids)

    # with the right result: the delivered call's answer is the last call the API saw
    wrong: dict[int, Any] = {}
    for log_id, (kind, n) in runs.items():
        calls, row = counts.get(f"{kind}-{log_id}", 0), rows[log_id]
        expected = {"p": ("success", {"n": n, "attempt": calls}),
                    "r": ("success", {"attempt": calls}),
                    "f": ("failed", None)}[kind]
        # (a failing call may be made only once: an attempt cut short by a kill counts as tried)
        if (row["status"], row["result"]) != expected or calls < {"p": 1, "r": 2, "f": 1}[kind]:
            wrong[log_id] = (kind, n, row["status"], row["result"], calls, steps[log_id])
    assert not wrong, wrong

    # and no node runs again once its step finished, even after leases lapse and the
    # reconciler looks again
    time.sleep(float(FAST_RECOVERY["STEP_LEASE_SECONDS"]) + 2 * float(FAST_RECOVERY["RECONCILE_INTERVAL_SECONDS"]))
    assert dict(server.counts) == counts
    assert {i: r["status"] for i, r in run_rows(reliability_database, ids).items()} == \
        {i: r["status"] for i, r in rows.items()}
    repeated = sum(1 for log_id, (kind, _n) in runs.items()
                   if counts.get(f"{kind}-{log_id}", 0) > {"p": 1, "r": 2, "f": 2}[kind])
    print(f"\nFIGURES worker kill -9 x{KILLS} over {len(ids)} runs: all finished "
          f"({sum(r['status'] == 'success' for r in rows.values())} success, "
          f"{sum(r['status'] == 'failed' for r in rows.values())} failed as designed) {recovery:.0f} s after the "
          f"first run; {repeated} interrupted call(s) made again before their step finished, none after")


# A long segment: transforms that each take tens of milliseconds, run inline one after the
# other in one transaction, then a call made once, then one more step.
HEAVY = "{{ (range(5000) | map('string') | join(',')) | length }}"
COMPUTE_STEPS = 30
COMPUTE_RUNS = 6


def compute_then_call(server: LocalServer) -> dict[str, Any]:
    """hook -> c1 .. c30 (each adds 1 to n, the hard way) -> a counted call -> done."""
    compute = [{"id": f"c{i}", "type": "transform",
                "params": {"fields": {"n": "{{ input.body.n + 1 }}" if i == 1 else "{{ input.n + 1 }}", "w": HEAVY}}}
               for i in range(1, COMPUTE_STEPS + 1)]
    done = {"id": "done", "type": "transform",
            "params": {"fields": {"n": f"{{{{ nodes.c{COMPUTE_STEPS}.n }}}}", "attempt": "{{ input.body.attempt }}"}}}
    return hook_then(*compute, flaky_call(server, "s", 0), done)


def test_worker_killed_mid_segment_redoes_it_and_runs_no_finished_step_twice(
        stack_on_services, reliability_database: str, server: LocalServer):
    # Given runs whose first segment is a long chain of compute steps
    stack = stack_on_services
    path = Account(stack.base).create_workflow(compute_then_call(server))
    runs: dict[int, int] = {}
    for n in range(COMPUTE_RUNS):
        resp = requests.post(stack.base + path, json={"n": n * 100}, timeout=15)
        assert resp.status_code == 202, resp.text
        runs[resp.json()["log_id"]] = n * 100
    ids = list(runs)

    # When the worker is killed (kill -9) while those segments compute
    time.sleep(1.0)
    stack.worker.kill()
    before = step_rows(reliability_database, ids)
    interrupted = [i for i in ids if before[i]["c1"]["status"] == "pending"]
    assert interrupted, f"every segment had committed before the kill: {before}"  # the kill hit mid-segment
    assert all(before[i]["hook"]["status"] == "success" for i in ids)  # recorded with the run
    stack.start_worker()

    # Then every run ends with the right result: the rolled-back segments were redone
    rows = wait_finished(reliability_database, ids, timeout=120)
    assert not unfinished(rows, ids), f"{unfinished(rows, ids)}\n{stack.logs()}"
    counts = dict(server.counts)
    steps = step_rows(reliability_database, ids)
    wrong = {i: (rows[i], counts.get(f"s-{i}")) for i, n in runs.items()
             if rows[i]["status"] != "success" or rows[i]["result"] != {"n": n + COMPUTE_STEPS, "attempt": 1}
             or counts.get(f"s-{i}") != 1}
    assert not wrong, wrong
    # and every step ran to the end once: a rolled-back attempt leaves no trace, and no
    # step that had finished was claimed again, even after leases lapse and the
    # reconciler looks again
    time.sleep(float(FAST_RECOVERY["STEP_LEASE_SECONDS"]) + 2 * float(FAST_RECOVERY["RECONCILE_INTERVAL_SECONDS"]))
    assert dict(server.counts) == counts
    again = step_rows(reliability_database, ids)
    assert again == steps
    twice = {(i, node): s["attempts"] for i in ids for node, s in steps[i].items()
             if s["status"] != "success" or s["attempts"] != 1}
    assert not twice, twice
    print(f"\nFIGURES worker kill -9 mid-segment: {len(interrupted)} of {len(ids)} runs interrupted with "
          f"nothing of their segment committed; all finished, every step once")
