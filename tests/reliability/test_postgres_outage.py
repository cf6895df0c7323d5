"""PostgreSQL stopped and started under webhook load (a cluster of the test's own)."""
from __future__ import annotations

import time

from .backends import OwnPostgres
from .client import Account, WebhookLoad, is_error_shape, tally, unfinished, wait_finished
from .conftest import REDIS_URL
from .processes import wait_until

OUTAGE_SECONDS = 6
SHAPE = {"nodes": [{"id": "hook", "type": "webhook"},
                   {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}}],
         "edges": [{"source": "hook", "target": "shape"}]}


def test_postgres_down_under_load_answers_503_then_recovers(own_postgres: OwnPostgres, make_stack, namespace: str):
    # Given the platform on a PostgreSQL of our own, under steady webhook load
    stack = make_stack(own_postgres.url, REDIS_URL, namespace)
    account = Account(stack.base)
    path = account.create_workflow(SHAPE)
    load = WebhookLoad(stack.base, [path], threads=4, pause=0.05, max_seconds=90).start()
    try:
        wait_until(lambda: load.accepted_since(0) >= 20, 30, "load before the outage", (stack.web,))

        # When PostgreSQL stops for a few seconds, then comes back
        outage_start = load.count()
        own_postgres.stop("fast")
        time.sleep(OUTAGE_SECONDS)
        outage_end = load.count()
        login_during = account.login_status()
        own_postgres.start()
        back = load.count()
        # Then the same processes serve again, with no restart
        wait_until(lambda: load.accepted_since(back) >= 20, 60, "202s after PostgreSQL came back", (stack.web,))
    finally:
        answers = load.stop()

    during = answers[outage_start:outage_end]
    print(f"\nFIGURES postgres down {OUTAGE_SECONDS} s under load: {len(answers)} requests in all "
          f"{dict(tally(answers))}; during the outage {len(during)} {dict(tally(during))}; "
          f"login during the outage {login_during}")
    assert not [a for a in answers if a.status is None or a.status >= 500 and a.status != 503], \
        f"{dict(tally(answers))}\n{stack.logs()}"
    assert set(tally(answers)) <= {202, 503}, dict(tally(answers))
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "no 503 during the outage: was PostgreSQL really down?"
    assert all(is_error_shape(a.body, 503) for a in unavailable), unavailable[0].body
    assert all(a.retry_after and a.retry_after.isdigit() and int(a.retry_after) > 0 for a in unavailable)
    assert login_during in (503,), login_during
    # And every accepted webhook ends as a finished run with its result
    accepted = [a.log_id for a in answers if a.status == 202]
    rows = wait_finished(own_postgres.url, accepted, timeout=60)
    assert not unfinished(rows, accepted), f"{unfinished(rows, accepted)}\n{stack.logs()}"
    wrong = {a.log_id: rows[a.log_id] for a in answers
             if a.status == 202 and (rows[a.log_id]["status"], rows[a.log_id]["result"]) != ("success", {"n": a.n})}
    assert not wrong, wrong

