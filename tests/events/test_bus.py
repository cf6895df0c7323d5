"""The event bus contract, for both implementations (Redis when REDIS_URL is set)."""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from automateos.bus import EventBus, EventIdTooOld, MemoryEventBus, NewEvent, parse_id
from automateos.events.publisher import publish_changes

USER, OTHER = 7, 8


def _redis_bus(maxlen: int) -> EventBus:
    from automateos.bus.redis_bus import RedisEventBus

    return RedisEventBus(os.environ["REDIS_URL"], f"{os.environ['AUTOMATEOS_REDIS_NAMESPACE']}-bus-{uuid.uuid4().hex[:6]}",
                         maxlen=maxlen, max_block_seconds=5)


BACKENDS = ["memory"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=BACKENDS)
def make_bus(request) -> Iterator:
    made: list[EventBus] = []

    def make(maxlen: int = 1000) -> EventBus:
        bus = MemoryEventBus(maxlen) if request.param == "memory" else _redis_bus(maxlen)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.forget()
        assert getattr(bus, "open_feeds", lambda: 0)() == 0  # every feed (Redis connection) released


def publish(bus: EventBus, user_id: int, n: int) -> list[str]:
    return bus.publish_many([NewEvent(user_id, "t", {"n": i}, workflow_id=1, log_id=i) for i in range(n)])


def test_ids_are_stream_ids_in_order(make_bus):
    bus = make_bus()
    ids = publish(bus, USER, 5) + [bus.publish(USER, "t", {"n": 5})]
    parsed = [parse_id(i) for i in ids]
    assert all(p is not None for p in parsed) and parsed == sorted(parsed) and len(set(parsed)) == 6
    assert all(i.count("-") == 1 for i in ids)


def test_subscribe_from_now_then_replay_from_an_id(make_bus):
    bus = make_bus()
    old = publish(bus, USER, 3)
    with bus.subscribe(USER) as live:
        assert live.position == old[-1] and not live.reset and live.wait(0) == []
        new = publish(bus, USER, 2)
        got = live.wait(1)
        assert [e.id for e in got] == new and [e.log_id for e in got] == [0, 1] and got[0].workflow_id == 1
        assert got[0].type == "t" and got[0].data == '{"n":0}'
    with bus.subscribe(USER, old[0]) as replay:
        assert [e.id for e in replay.wait(0)] == old[1:] + new


def test_users_have_separate_logs(make_bus):
    bus = make_bus()
    publish(bus, OTHER, 3)
    with bus.subscribe(USER, "0-0") as mine:
        assert mine.wait(0.05) == [] and not mine.reset


def test_a_blocked_wait_wakes_on_publish_and_on_interrupt(make_bus):
    bus = make_bus()
    with bus.subscribe(USER) as sub:
        threading.Timer(0.2, lambda: bus.publish(USER, "t", {})).start()
        started = time.monotonic()
        assert len(sub.wait(5)) == 1
        assert time.monotonic() - started < 1
        started = time.monotonic()
        assert sub.wait(0.2) == [] and 0.15 < time.monotonic() - started < 1  # times out
        threading.Timer(0.2, bus.interrupt_all).start()
        started = time.monotonic()
        assert sub.wait(5) == [] and sub.interrupted
        assert time.monotonic() - started < 2
    assert bus.active_subscriptions() == 0


def test_too_old_ids_reset(make_bus):
    bus = make_bus(maxlen=100)
    ids = publish(bus, USER, 400)  # Redis trims whole nodes of 100 entries: ~100 to ~200 stay
    with bus.subscribe(USER, ids[0]) as sub:
        assert sub.reset and sub.position == ids[-1] and sub.wait(0) == []
    with bus.subscribe(USER, ids[-2]) as sub:
        assert not sub.reset and [e.id for e in sub.wait(0)] == [ids[-1]]
    for never_given in ("junk", "99999999999999-0"):
        with bus.subscribe(USER, never_given) as sub:
            assert sub.reset
    with bus.subscribe(OTHER, ids[-1]) as sub:  # no log at all for this user
        assert sub.reset
    with bus.subscribe(OTHER, "0-0") as sub:
        assert not sub.reset


def test_a_reader_that_falls_behind_is_told(make_bus):
    bus = make_bus(maxlen=100)
    with bus.subscribe(USER) as sub:
        ids = publish(bus, USER, 400)
        deadline = time.monotonic() + 5
        with pytest.raises(EventIdTooOld) as caught:
            while time.monotonic() < deadline:  # it may read a batch before it notices
                sub.wait(0.5)
        assert caught.value.latest == ids[-1]
        sub.seek(caught.value.latest)
        assert sub.wait(0.1) == []


def test_forget_drops_a_users_log(make_bus):
    bus = make_bus()
    ids = publish(bus, USER, 2)
    bus.forget(USER)
    with bus.subscribe(USER, ids[-1]) as sub:
        assert sub.reset  # the events are gone: the reader must refetch


def test_a_bus_failure_while_publishing_is_logged_not_raised(caplog):
    from automateos.bus.redis_bus import RedisEventBus

    down = RedisEventBus("redis://127.0.0.1:1/0", "nowhere")
    change = {"kind": "execution", "created": False, "execution": {
        "id": 1, "workflow_id": 2, "owner_id": 3, "status": "running", "trigger": "manual", "workflow_version": 1,
        "retry_of": None, "started_at": None, "finished_at": None, "updated_at": None,
    }}
    with caplog.at_level(logging.ERROR):
        publish_changes(down, [change])
    assert "could not publish 1 execution event" in caplog.text
