"""The ticker's lead passes on at once when its worker stops gracefully, and within a few
ticks when it is killed: the reconciler is never held up by a worker that is gone."""
from __future__ import annotations

import time
import uuid

from automateos.ticker import Leadership

from .conftest import REDIS_URL


def test_a_released_lead_is_taken_at_once(services_only: None):
    key = f"automateos-rel:ticker:{uuid.uuid4().hex}"
    stopping, successor = Leadership(REDIS_URL, key, ttl_seconds=60), Leadership(REDIS_URL, key, ttl_seconds=60)
    try:
        assert stopping.acquire() and not successor.acquire()
        stopping.release()  # the worker shuts down gracefully
        assert successor.acquire()
        stopping.release()  # releasing a lead held by another changes nothing
        assert successor.acquire() and not stopping.acquire()
    finally:
        successor.release()


def test_a_dead_leaders_lead_lapses_after_its_lease(services_only: None):
    key = f"automateos-rel:ticker:{uuid.uuid4().hex}"
    killed, successor = Leadership(REDIS_URL, key, ttl_seconds=1), Leadership(REDIS_URL, key, ttl_seconds=1)
    try:
        assert killed.acquire() and not successor.acquire()
        deadline = time.monotonic() + 30  # a bound on the wait, not a timing goal
        while not successor.acquire():
            assert time.monotonic() < deadline, "the lead of a leader that stopped renewing never lapsed"
            time.sleep(0.2)
    finally:
        successor.release()
