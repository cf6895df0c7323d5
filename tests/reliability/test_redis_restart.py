"""Redis stopped and started again under webhook load (a redis-server of the test's own)."""
from __future__ import annotations

import time

import requests

from .backends import OwnRedis
from .client import Account, WebhookLoad, is_error_shape, tally, unfinished, wait_finished
from .processes import wait_until

OUTAGE_SECONDS = 4
SHAPE = {"nodes": [{"id": "hook", "type": "webhook"},
                   {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}}],
         "edges": [{"source": "hook", "target": "shape"}]}


def test_redis_restart_under_load_loses_no_accepted_run(own_redis: OwnRedis, make_stack, reliability_database: str,
                                                         namespace: str):
    # Given the platform on a Redis of our own (no persistence: a restart empties the
    # queues), under steady webhook load
    stack = make_stack(reliability_database, own_redis.url, namespace)
    account = Account(stack.base)
    path = account.create_workflow(SHAPE)
    load = WebhookLoad(stack.base, [path], threads=4, pause=0.05, max_seconds=90).start()
    try:
        wait_until(lambda: load.accepted_since(0) >= 20, 30, "load before the outage", (stack.web,))

        # When Redis stops for a few seconds
        outage_start = load.count()
        own_redis.stop()
        time.sleep(1)
        login_during = account.login_status()
        events_during = requests.get(f"{stack.base}/api/events", headers=account.headers, timeout=15)
        time.sleep(max(0.0, OUTAGE_SECONDS - 1))
        outage_end = load.count()
        # ... and comes back on the same address
        own_redis.start()
        back = load.count()
        wait_until(lambda: load.accepted_since(back) >= 20, 60, "202s after Redis came back", (stack.web,))
        login_after = account.login_status()
    finally:
        answers = load.stop()

    during = answers[outage_start:outage_end]
    print(f"\nFIGURES redis down {OUTAGE_SECONDS} s under load: {len(answers)} requests in all "
          f"{dict(tally(answers))}; during the outage {len(during)} {dict(tally(during))}; login during the "
          f"outage {login_during}, after {login_after}; GET /api/events during the outage {events_during.status_code}")
    # Then webhooks were accepted throughout: the run is in the database, the message can wait
    assert set(tally(answers)) == {202}, f"{dict(tally(answers))}\n{stack.logs()}"
    assert len(during) > 0
    # and a login still works: the rate limiter counts in memory meanwhile
    assert login_during == 200 and login_after == 200, (login_during, login_after)
    # and a request that needs Redis answers in the error shape, never 500
    assert events_during.status_code in (200, 503), events_during.status_code
    if events_during.status_code == 503:
        assert is_error_shape(events_during.json(), 503) and events_during.headers.get("Retry-After")
    # And every accepted webhook ends as a finished run (the reconciler resends what Redis lost)
    accepted = [a.log_id for a in answers if a.status == 202]
    rows = wait_finished(reliability_database, accepted, timeout=60)
    assert not unfinished(rows, accepted), f"{unfinished(rows, accepted)}\n{stack.logs()}"
    assert all(rows[i]["status"] == "success" and rows[i]["result"] == {"n": n} for i, n in
               ((a.log_id, a.n) for a in answers if a.status == 202)), stack.logs()
