"""The Server-Sent Events stream: frames, replay, pings, and shutdown.

The generator holds no database session and no request context: the view resolves the
user and the filter, closes its session, then hands over plain values. Its ``finally``
closes the subscription (and with it the Redis connection) whichever way it ends: the
client left (the server closes the generator on a failed write), the server shuts down,
or Redis went away, or the login session behind it ended (checked at every ping).
"""
from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..bus import Event, EventBus, EventIdTooOld

logger = logging.getLogger(__name__)

_shutting_down = threading.Event()
_buses: weakref.WeakSet[EventBus] = weakref.WeakSet()


@dataclass(frozen=True)
class StreamFilter:
    """Which of the user's events a stream sends (None: any)."""

    workflow_id: int | None = None
    log_id: int | None = None

    def matches(self, event: Event) -> bool:
        """True when ``event`` is about the workflow and run asked for."""
        return (self.workflow_id is None or event.workflow_id == self.workflow_id) and (
            self.log_id is None or event.log_id == self.log_id
        )


def frame(type: str, data: Any, id: str | None = None) -> bytes:
    """One SSE message of the stream's own (``events.*``); ``data`` is serialised."""
    text = json.dumps(data, separators=(",", ":"))
    return ((f"id: {id}\n" if id else "") + f"event: {type}\ndata: {text}\n\n").encode()


def track(bus: EventBus) -> None:
    """Let ``shutdown_streams`` reach the subscriptions of ``bus``."""
    _buses.add(bus)


def shutdown_streams() -> None:
    """End every open stream of this process now, and refuse to block in new ones: a
    server that stops gracefully calls this, so clients reconnect elsewhere at once."""
    _shutting_down.set()
    for bus in list(_buses):
        bus.interrupt_all()


def event_stream(bus: EventBus, user_id: int, last_event_id: str | None, stream_filter: StreamFilter, *,
                 ping_seconds: float, retry_ms: int,
                 still_allowed: Callable[[], bool] | None = None) -> Iterator[bytes]:
    """The frames of one client's stream: at once a ``retry:`` and a comment; then the
    replay after ``last_event_id`` (or ``events.reset``); ``events.ready``; then live
    events as they are published, with a ``: ping`` every ``ping_seconds``.

    ``still_allowed`` is asked whenever a ping is due; once it answers False (the
    client's login session ended) the stream closes instead of pinging.
    """
    subscription = None
    try:
        yield f"retry: {retry_ms}\n: stream open\n\n".encode()
        subscription = bus.subscribe(user_id, last_event_id)
        if subscription.reset:
            yield _reset(subscription.position, last_event_id)
        replaying, next_ping = True, 0.0
        while not (_shutting_down.is_set() or subscription.interrupted):
            try:
                # While replaying, read what the log holds without waiting; then block
                # until an event comes or the next ping is due.
                events = subscription.wait(0 if replaying else max(0.0, next_ping - time.monotonic()))
            except EventIdTooOld as exc:  # the reader fell behind the cap
                subscription.seek(exc.latest)
                yield _reset(exc.latest, exc.requested)
                continue
            # Events that came together leave in one write.
            if chunk := b"".join(e.sse for e in events if stream_filter.matches(e)):
                yield chunk
            if replaying and len(events) < subscription.batch_size:
                replaying, next_ping = False, time.monotonic() + ping_seconds
                yield frame("events.ready", {"last_event_id": subscription.position}, subscription.position)
            elif not replaying and time.monotonic() >= next_ping:
                if still_allowed is not None and not still_allowed():
                    yield b": session ended\n\n"
                    break
                next_ping = time.monotonic() + ping_seconds
                yield b": ping\n\n"
    except Exception:  # Redis went away: end the stream, the client reconnects with its id
        logger.warning("event stream of user %s ended by an error", user_id, exc_info=True)
    finally:
        if subscription is not None:
            subscription.close()


def _reset(position: str, requested: str | None) -> bytes:
    # Carries the newest id: the client refetches, then follows from here.
    data = {"last_event_id": requested, "reason": "events after last_event_id are no longer kept: refetch"}
    return frame("events.reset", data, position)
