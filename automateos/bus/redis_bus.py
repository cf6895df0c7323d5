"""The production event bus: one Redis stream per user, shared by every process.

``XADD ... MAXLEN ~ n`` caps each stream, so an event's id is its stream id and a reader
resumes with ``XREAD`` after the last id it saw. ``XINFO STREAM`` tells how many entries a
stream ever had and which is now first: whether a reader's id is still covered by it.

Within one process, the subscriptions of a user share one *feed*: a single blocking
``XREAD`` on its own connection that copies new entries, with their stream ids, into a
local bounded buffer and wakes the subscriptions. A thousand open tabs of one user cost
one Redis connection and one read per event, not a thousand. A subscription behind the
local buffer (a replay after a reconnect) reads from Redis itself until it has caught up.
The feed, and its connection, end when the user's last subscription closes.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .core import (
    READ_BATCH, ZERO, Event, EventBus, EventId, EventIdTooOld, NewEvent, Subscription, format_id, is_too_old,
    parse_id,
)

logger = logging.getLogger(__name__)


class RedisEventBus(EventBus):
    """Per-user Redis streams under ``<namespace>:events:<user_id>``.

    Parameters:
        url: the Redis URL.
        namespace: key prefix (``REDIS_NAMESPACE``).
        maxlen: approximate cap of each user's stream (``EVENTS_STREAM_MAXLEN``); also the
            size of a feed's local buffer.
        ttl_seconds: a stream with no new event for this long expires.
        max_block_seconds: the longest a feed's ``XREAD`` blocks before looking up.
    """

    def __init__(self, url: str, namespace: str, *, maxlen: int = 1000, ttl_seconds: int = 7 * 86400,
                 max_block_seconds: float = 60.0) -> None:
        super().__init__()
        self.url = url
        self.namespace = namespace
        self.maxlen = max(1, maxlen)
        self.ttl_seconds = ttl_seconds
        self.max_block_seconds = max_block_seconds
        # Publishing runs right after the engine's commits: fail fast, never stall a step.
        self.client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2,
                                           socket_timeout=5, retry=Retry(NoBackoff(), 1))
        self._feeds: dict[int, _Feed] = {}
        self._feeds_lock = threading.Lock()

    def key(self, user_id: int) -> str:
        """The stream of ``user_id``."""
        return f"{self.namespace}:events:{user_id}"

    def publish_many(self, events: list[NewEvent]) -> list[str]:
        pipe = self.client.pipeline(transaction=False)
        for new in events:
            fields = {"type": new.type, "data": new.json()}
            if new.workflow_id is not None:
                fields["workflow_id"] = str(new.workflow_id)
            if new.log_id is not None:
                fields["log_id"] = str(new.log_id)
            pipe.xadd(self.key(new.user_id), fields, maxlen=self.maxlen, approximate=True)
        for user_id in {new.user_id for new in events}:
            pipe.expire(self.key(user_id), self.ttl_seconds)
        return [str(event_id) for event_id in pipe.execute()[: len(events)]]

    def forget(self, user_id: int | None = None) -> None:
        if user_id is not None:
            self.client.delete(self.key(user_id))
            return
        keys = list(self.client.scan_iter(match=f"{self.namespace}:events:*", count=1000))
        for start in range(0, len(keys), 1000):
            self.client.delete(*keys[start:start + 1000])

    def stream_info(self, user_id: int, client: redis.Redis | None = None) -> dict[str, Any] | None:
        """``XINFO STREAM`` of the user's stream, or None when there is none."""
        try:
            return (client or self.client).xinfo_stream(self.key(user_id))
        except redis.ResponseError as exc:
            if "no such key" in str(exc).lower():
                return None
            raise

    def too_old(self, info: dict[str, Any] | None, after: EventId) -> bool:
        """``is_too_old`` for a stream described by ``info``."""
        if info is None:
            return is_too_old(after, exists=False, first=None, last=ZERO, removed=False)
        first_entry = info.get("first-entry")
        removed = int(info.get("entries-added", info["length"])) > int(info["length"]) or \
            (parse_id(info.get("max-deleted-entry-id")) or ZERO) != ZERO
        return is_too_old(after, exists=True, first=parse_id(first_entry[0]) if first_entry else None,
                          last=parse_id(info["last-generated-id"]) or ZERO, removed=removed)

    def read(self, user_id: int, after: EventId, count: int, *, block_ms: int | None = None,
             client: redis.Redis | None = None) -> list[Event]:
        """Up to ``count`` events after ``after`` straight from the stream; raises
        ``EventIdTooOld`` when entries after ``after`` were trimmed before this read."""
        client = client or self.client
        reply = client.xread({self.key(user_id): format_id(after)}, count=count, block=block_ms)
        entries = reply[0][1] if reply else []
        if len(entries) == count:
            # A full batch: the reader may be behind the cap (a cap never trims a stream
            # below itself, so a shorter read means nothing after ``after`` was trimmed).
            info = self.stream_info(user_id, client)
            if self.too_old(info, after):
                raise EventIdTooOld(format_id(after), info["last-generated-id"] if info else format_id(ZERO))
        return [
            Event(entry_id, fields.get("type", ""), fields.get("data", "null"),
                  _int_or_none(fields.get("workflow_id")), _int_or_none(fields.get("log_id")))
            for entry_id, fields in entries
        ]

    def _open(self, user_id: int, after: EventId | None) -> Subscription:
        info = self.stream_info(user_id)
        latest = (parse_id(info["last-generated-id"]) if info else None) or ZERO
        reset = after is not None and self.too_old(info, after)
        position = latest if after is None or reset else after
        with self._feeds_lock:
            feed = self._feeds.get(user_id)
            if feed is None or feed.stopped:
                feed = self._feeds[user_id] = _Feed(self, user_id, latest)
            feed.subscribers += 1
        subscription = _RedisSubscription(self, feed, position)
        subscription.reset = reset
        return subscription

    def _release(self, feed: "_Feed") -> None:
        with self._feeds_lock:
            feed.subscribers -= 1
            if feed.subscribers > 0:
                return
            if self._feeds.get(feed.user_id) is feed:
                del self._feeds[feed.user_id]
        feed.stop()

    def open_feeds(self) -> int:
        """Users followed by a feed in this process (each holds one Redis connection)."""
        with self._feeds_lock:
            return len(self._feeds)


class _Feed:
    """This process's one reader of one user's stream: a thread (a greenlet under gevent)
    blocked in ``XREAD`` on its own connection, copying entries into a local buffer."""

    def __init__(self, bus: RedisEventBus, user_id: int, start: EventId) -> None:
        self.bus = bus
        self.user_id = user_id
        self.buffer: deque[tuple[EventId, Event]] = deque()
        # The buffer holds every event after ``floor`` that the feed has read so far.
        self.floor = start
        self.position = start
        self.subscribers = 0
        self.stopped = False
        self.error: BaseException | None = None
        self.condition = threading.Condition()
        # No retries: stop() closing the socket must end the read, not reconnect.
        self.pool = redis.ConnectionPool.from_url(
            bus.url, decode_responses=True, max_connections=1, socket_connect_timeout=5,
            socket_timeout=bus.max_block_seconds + 10, socket_keepalive=True, retry=Retry(NoBackoff(), 0),
        )
        self.client = redis.Redis(connection_pool=self.pool)
        self.thread = threading.Thread(target=self._run, name=f"event-feed-{user_id}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        block_ms = max(1, int(self.bus.max_block_seconds * 1000))
        count = min(READ_BATCH * 5, self.bus.maxlen)
        while not self.stopped:
            try:
                events = self.bus.read(self.user_id, self.position, count, block_ms=block_ms, client=self.client)
            except EventIdTooOld as exc:  # this process fell behind the cap: start over
                with self.condition:
                    self.buffer.clear()
                    self.floor = self.position = parse_id(exc.latest) or ZERO
                    self.condition.notify_all()
                continue
            except BaseException as exc:
                if not self.stopped:
                    logger.warning("event feed of user %s failed: %s", self.user_id, exc)
                with self.condition:
                    self.error = exc if not self.stopped else None
                    self.stopped = True
                    self.condition.notify_all()
                break
            if not events:
                continue
            with self.condition:
                for event in events:
                    event_id = parse_id(event.id) or ZERO
                    self.buffer.append((event_id, event))
                    self.position = event_id
                while len(self.buffer) > self.bus.maxlen:
                    self.floor = self.buffer.popleft()[0]
                self.condition.notify_all()
        self.pool.disconnect(inuse_connections=True)

    def after(self, position: EventId, count: int) -> list[tuple[EventId, Event]]:
        """Buffered events after ``position`` (caller holds ``condition``)."""
        found = []
        for event_id, event in reversed(self.buffer):
            if event_id <= position:
                break
            found.append((event_id, event))
        found.reverse()
        return found[:count]

    def stop(self) -> None:
        """End the read now and release the connection."""
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
        try:
            self.pool.disconnect(inuse_connections=True)  # the blocked XREAD fails at once
        except Exception:
            logger.debug("closing an event feed's connection", exc_info=True)


class _RedisSubscription(Subscription):
    """A reader of its user's feed; behind the feed's buffer it reads Redis directly."""

    def __init__(self, bus: RedisEventBus, feed: _Feed, position: EventId) -> None:
        self.bus = bus
        self.feed = feed
        self.user_id = feed.user_id
        self._position = position
        self.batch_size = min(READ_BATCH, bus.maxlen)
        self.closed = False
        self._interrupted = False

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def wait(self, timeout: float) -> list[Event]:
        deadline = time.monotonic() + max(0.0, timeout)
        feed = self.feed
        with feed.condition:
            while not (self._interrupted or self.closed):
                if feed.error is not None:
                    raise feed.error
                if feed.stopped:
                    raise ConnectionError(f"the event feed of user {self.user_id} stopped")
                if self._position < feed.floor:
                    break  # behind the local buffer: ask Redis below
                found = feed.after(self._position, self.batch_size)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    if found:
                        self._position = found[-1][0]
                    return [event for _, event in found]
                feed.condition.wait(remaining)
            else:
                return []
        events = self.bus.read(self.user_id, self._position, self.batch_size)
        if events:
            self._position = parse_id(events[-1].id) or self._position
        else:  # nothing left in Redis before the buffer's start: the buffer takes over
            self._position = max(self._position, feed.floor)
        return events

    def interrupt(self) -> None:
        with self.feed.condition:
            self._interrupted = True
            self.feed.condition.notify_all()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.bus._release(self.feed)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None
