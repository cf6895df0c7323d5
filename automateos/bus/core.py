"""The event bus: one interface, per-user ordered event logs with replay.

Every user has one ordered, capped log of events. An event's id has the form
``<ms>-<seq>`` (a Redis stream id), ids grow within a user's log, and a reader resumes
after the last id it saw. When the events after that id are no longer all there
(trimmed by the cap, or the log is gone), the reader is told so (``reset``) instead of
silently skipping them.

Two implementations share these semantics: ``RedisEventBus`` (redis_bus.py, one Redis
stream per user, for any number of processes) and ``MemoryEventBus`` (below, one process).
"""
from __future__ import annotations

import json
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from typing import Any

EventId = tuple[int, int]
ZERO: EventId = (0, 0)
# Most events a single read hands back; kept below any sensible cap (see ``full batch``
# in Subscription.wait: a full batch is what tells a reader it may have fallen behind).
READ_BATCH = 100


def parse_id(value: str | None) -> EventId | None:
    """``"1700000000000-3"`` → ``(1700000000000, 3)``; ``"17000"`` → ``(17000, 0)``; junk → None."""
    if not value:
        return None
    ms, _, seq = value.strip().partition("-")
    try:
        parsed = (int(ms), int(seq or 0))
    except ValueError:
        return None
    return parsed if parsed[0] >= 0 and parsed[1] >= 0 else None


def format_id(event_id: EventId) -> str:
    """``(1700000000000, 3)`` → ``"1700000000000-3"``."""
    return f"{event_id[0]}-{event_id[1]}"


@dataclass(frozen=True)
class Event:
    """One event of a user's log: ``data`` is its JSON text; ``workflow_id``/``log_id`` say
    which run it is about, so readers filter without parsing ``data``."""

    id: str
    type: str
    data: str
    workflow_id: int | None = None
    log_id: int | None = None

    @cached_property
    def sse(self) -> bytes:
        """This event as one Server-Sent Events message, encoded once however many
        streams send it."""
        return f"id: {self.id}\nevent: {self.type}\ndata: {self.data}\n\n".encode()


@dataclass(frozen=True)
class NewEvent:
    """An event to publish to ``user_id``'s log (``data``: a JSON-serialisable dict)."""

    user_id: int
    type: str
    data: dict[str, Any]
    workflow_id: int | None = None
    log_id: int | None = None

    def json(self) -> str:
        """``data`` as compact JSON text."""
        return json.dumps(self.data, separators=(",", ":"), default=str)


class EventIdTooOld(Exception):
    """The events after the requested id are no longer all in the log: refetch, then
    follow from ``latest``."""

    def __init__(self, requested: str, latest: str) -> None:
        super().__init__(f"event id {requested} is older than the event buffer")
        self.requested = requested
        self.latest = latest


def is_too_old(after: EventId, *, exists: bool, first: EventId | None, last: EventId, removed: bool,
               last_removed: EventId | None = None) -> bool:
    """Whether a reader that saw everything up to ``after`` may have missed events.

    ``first``/``last``: the oldest entry now in the log and the newest id it ever gave;
    ``removed``: whether entries were ever trimmed from it; ``last_removed``: the newest
    trimmed id when known exactly (the memory bus; Redis 7 does not record it for
    trimming, so there an id older than the oldest entry counts as too old). ZERO asks
    for "from the beginning", which is fine while nothing was trimmed.
    """
    if not exists:
        return after != ZERO  # the log is gone (expired, flushed, restarted): no proof
    if after > last:
        return True  # an id this log never gave: from an earlier incarnation of it
    if not removed:
        return after != ZERO and first is not None and after < first
    if last_removed is not None:
        return after < last_removed
    return after != last if first is None else after < first


class Subscription(ABC):
    """A reader of one user's events, positioned after ``position``.

    Made by ``EventBus.subscribe``; holds what it needs to block (a Redis connection) until
    ``close()``. ``reset`` is True when the requested id was too old: the reader starts
    from the newest event instead and should tell its client to refetch.
    """

    _position: EventId = ZERO
    reset: bool = False
    batch_size: int = READ_BATCH  # a ``wait`` returning fewer events has caught up

    @property
    def position(self) -> str:
        """The id of the last event read (or skipped over); ``"0-0"`` before any."""
        return format_id(self._position)

    def seek(self, event_id: str) -> None:
        """Continue after ``event_id`` (after an ``EventIdTooOld``: its ``latest``)."""
        self._position = parse_id(event_id) or ZERO

    @abstractmethod
    def wait(self, timeout: float) -> list[Event]:
        """Events after ``position`` (at most ``READ_BATCH``), waiting up to ``timeout``
        seconds for one (0: don't wait); advances ``position``. Raises ``EventIdTooOld``
        when events after ``position`` were trimmed before they could be read."""

    @abstractmethod
    def interrupt(self) -> None:
        """Make a blocked ``wait`` return now, and every later one at once (shutdown)."""

    @abstractmethod
    def close(self) -> None:
        """Release what the subscription holds. Idempotent."""

    @property
    @abstractmethod
    def interrupted(self) -> bool:
        """True once ``interrupt()`` was called."""

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


class EventBus(ABC):
    """Publish events to a user's log; subscribe to it from an id (replay) or from now."""

    def __init__(self) -> None:
        self._subscriptions: weakref.WeakSet[Subscription] = weakref.WeakSet()
        self._subscriptions_lock = threading.Lock()

    def publish(self, user_id: int, type: str, data: dict[str, Any], *, workflow_id: int | None = None,
                log_id: int | None = None) -> str:
        """Append one event to ``user_id``'s log; returns its id."""
        return self.publish_many([NewEvent(user_id, type, data, workflow_id, log_id)])[0]

    @abstractmethod
    def publish_many(self, events: list[NewEvent]) -> list[str]:
        """Append events in order, in one go (one round trip); returns their ids."""

    @abstractmethod
    def forget(self, user_id: int | None = None) -> None:
        """Drop ``user_id``'s log (an account deleted), or every log when None (tests)."""

    @abstractmethod
    def _open(self, user_id: int, after: EventId | None) -> Subscription:
        """A new subscription positioned as ``subscribe`` documents."""

    def subscribe(self, user_id: int, last_event_id: str | None = None) -> Subscription:
        """Follow ``user_id``'s events after ``last_event_id`` (replaying what the log
        still holds), or after the newest event when it is None. An unparsable or too-old
        id gives a subscription with ``reset`` set, positioned at the newest event."""
        after = parse_id(last_event_id) if last_event_id is not None else None
        if last_event_id is not None and after is None:
            after = (2**63, 0)  # not an id we gave: treated as too old
        subscription = self._open(user_id, after)
        with self._subscriptions_lock:
            self._subscriptions.add(subscription)
        return subscription

    def active_subscriptions(self) -> int:
        """Subscriptions not yet closed (leak checks, metrics)."""
        with self._subscriptions_lock:
            return sum(1 for s in list(self._subscriptions) if not getattr(s, "closed", False))

    def interrupt_all(self) -> None:
        """Interrupt every open subscription: their streams end (graceful shutdown)."""
        with self._subscriptions_lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.interrupt()


class _UserLog:
    """One user's events in memory: a bounded buffer and what was trimmed from it."""

    def __init__(self, maxlen: int) -> None:
        self.events: deque[tuple[EventId, Event]] = deque()
        self.maxlen = maxlen
        self.last: EventId = ZERO
        self.last_removed: EventId | None = None

    def append(self, event_id: EventId, event: Event) -> None:
        self.events.append((event_id, event))
        self.last = event_id
        while len(self.events) > self.maxlen:
            self.last_removed = self.events.popleft()[0]

    def too_old(self, after: EventId) -> bool:
        first = self.events[0][0] if self.events else None
        return is_too_old(after, exists=True, first=first, last=self.last, removed=self.last_removed is not None,
                          last_removed=self.last_removed)

    def after(self, after: EventId, count: int) -> list[tuple[EventId, Event]]:
        found = []
        for event_id, event in reversed(self.events):  # readers are usually near the end
            if event_id <= after:
                break
            found.append((event_id, event))
        found.reverse()
        return found[:count]


class MemoryEventBus(EventBus):
    """The embedded bus: per-user bounded buffers in this process, one Condition to wake
    waiters. Same ids and semantics as Redis streams; nothing survives a restart (a
    reader that comes back with an id from before is told to reset)."""

    def __init__(self, maxlen: int = 1000) -> None:
        super().__init__()
        self.maxlen = max(1, maxlen)
        self._logs: dict[int, _UserLog] = {}
        self._last: EventId = ZERO
        self.condition = threading.Condition()

    def _next_id(self) -> EventId:
        ms = int(time.time() * 1000)
        self._last = (ms, 0) if ms > self._last[0] else (self._last[0], self._last[1] + 1)
        return self._last

    def publish_many(self, events: list[NewEvent]) -> list[str]:
        ids = []
        with self.condition:
            for new in events:
                event_id = self._next_id()
                log = self._logs.setdefault(new.user_id, _UserLog(self.maxlen))
                log.append(event_id, Event(format_id(event_id), new.type, new.json(), new.workflow_id, new.log_id))
                ids.append(format_id(event_id))
            self.condition.notify_all()
        return ids

    def forget(self, user_id: int | None = None) -> None:
        with self.condition:
            if user_id is None:
                self._logs.clear()
            else:
                self._logs.pop(user_id, None)

    def _open(self, user_id: int, after: EventId | None) -> Subscription:
        with self.condition:
            log = self._logs.get(user_id)
            latest = log.last if log else ZERO
            if after is None:
                return _MemorySubscription(self, user_id, latest, reset=False)
            too_old = log.too_old(after) if log else is_too_old(after, exists=False, first=None, last=ZERO,
                                                                  removed=False)
            return _MemorySubscription(self, user_id, latest if too_old else after, reset=too_old)


class _MemorySubscription(Subscription):
    def __init__(self, bus: MemoryEventBus, user_id: int, position: EventId, *, reset: bool) -> None:
        self.bus = bus
        self.user_id = user_id
        self._position = position
        self.reset = reset
        self.closed = False
        self._interrupted = False

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def wait(self, timeout: float) -> list[Event]:
        deadline = time.monotonic() + max(0.0, timeout)
        with self.bus.condition:
            while True:
                log = self.bus._logs.get(self.user_id)
                if log is not None and log.too_old(self._position):
                    raise EventIdTooOld(self.position, format_id(log.last))
                found = log.after(self._position, READ_BATCH) if log else []
                remaining = deadline - time.monotonic()
                if found or self._interrupted or self.closed or remaining <= 0:
                    break
                self.bus.condition.wait(remaining)
        if found:
            self._position = found[-1][0]
        return [event for _, event in found]

    def interrupt(self) -> None:
        with self.bus.condition:
            self._interrupted = True
            self.bus.condition.notify_all()

    def close(self) -> None:
        self.closed = True
