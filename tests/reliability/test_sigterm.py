"""SIGTERM (a deploy, a scale-down) to the web and to the worker under webhook load."""
from __future__ import annotations

from .client import Account, WebhookLoad, tally, unfinished, wait_finished
from .processes import wait_until

DELAYED = {"nodes": [{"id": "hook", "type": "webhook"},
                     {"id": "wait", "type": "delay", "params": {"seconds": 0.5}},
                     {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ trigger.body.n }}"}}}],
           "edges": [{"source": "hook", "target": "wait"}, {"source": "wait", "target": "shape"}]}


def test_sigterm_to_web_and_worker_under_load_loses_no_accepted_run(stack_on_services, reliability_database: str):
    # Given the platform under steady webhook load (within what one worker keeps up with),
    # runs sleeping in a delay step
    stack = stack_on_services
    path = Account(stack.base).create_workflow(DELAYED)
    load = WebhookLoad(stack.base, [path], threads=2, pause=0.25, max_seconds=90).start()
    try:
        wait_until(lambda: load.accepted_since(0) >= 15, 30, "load before the restarts", (stack.web,))

        # When the web process is told to stop (SIGTERM: graceful), then started again
        stack.web.terminate()
        stack.start_web()
        mark = load.count()
        wait_until(lambda: load.accepted_since(mark) >= 15, 30, "202s after the web restart", (stack.web,))

        # and the worker is told to stop while steps are running, then started again
        stack.worker.terminate()
        stack.start_worker()
        mark = load.count()
        wait_until(lambda: load.accepted_since(mark) >= 15, 30, "202s after the worker restart", (stack.web,))
    finally:
        answers = load.stop()

    print(f"\nFIGURES SIGTERM to web and worker under load: {len(answers)} requests {dict(tally(answers))}")
    # Then no call got a server error (a call during the web restart may find no server)
    assert set(tally(answers)) <= {202, None}, dict(tally(answers))
    # and every accepted webhook ends as a run with its result
    accepted = [a.log_id for a in answers if a.status == 202]
    rows = wait_finished(reliability_database, accepted, timeout=60)
    assert not unfinished(rows, accepted), f"{unfinished(rows, accepted)}\n{stack.logs()}"
    wrong = {a.log_id: rows[a.log_id] for a in answers
             if a.status == 202 and (rows[a.log_id]["status"], rows[a.log_id]["result"]) != ("success", {"n": a.n})}
    assert not wrong, wrong
