"""The production event bus: one Redis stream per user, shared by every process.

``XADD ... MAXLEN ~ n`` caps each stream, so an event's id is its stream id and a reader
resumes with ``XREAD`` after the last id it saw. ``XINFO STREAM`` tells how many entries a
stream ever had and which is now first: whether a reader's id is still covered by it.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .bus import (
    READ_BATCH, ZERO, Event, EventBus, EventId, EventIdTooOld, NewEvent, Subscription, format_id, is_too_old,
    parse_id,
)

logger = logging.getLogger(__name__)


class RedisEventBus(EventBus):
    """Per-user Redis streams under ``<namespace>:events:<user_id>``.

    Parameters:
        url: the Redis URL.
        namespace: key prefix (``REDIS_NAMESPACE``).
        maxlen: approximate cap of each user's stream (``EVENTS_STREAM_MAXLEN``).
        ttl_seconds: a stream with no new event for this long expires.
        max_block_seconds: the longest a subscription blocks in one ``wait``.
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

    def stream_info(self, client: redis.Redis, user_id: int) -> dict[str, Any] | None:
        """``XINFO STREAM`` of the user's stream, or None when there is none."""
        try:
            return client.xinfo_stream(self.key(user_id))
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

    def _open(self, user_id: int, after: EventId | None) -> Subscription:
        subscription = _RedisSubscription(self, user_id)
        try:
            info = self.stream_info(subscription.client, user_id)
        except BaseException:
            subscription.close()
            raise
        latest = parse_id(info["last-generated-id"]) if info else ZERO
        if after is None or not self.too_old(info, after):
            subscription._position = after if after is not None else latest or ZERO
        else:
            subscription._position, subscription.reset = latest or ZERO, True
        return subscription


class _RedisSubscription(Subscription):
    """A reader with its own Redis connection, held until ``close()`` (not borrowed from a
    shared pool: a blocking ``XREAD`` occupies its connection for the whole wait)."""

    def __init__(self, bus: RedisEventBus, user_id: int) -> None:
        self.bus = bus
        self.user_id = user_id
        self.key = bus.key(user_id)
        self._position: EventId = ZERO
        self.reset = False
        self.batch_size = min(READ_BATCH, bus.maxlen)
        self.closed = False
        self._interrupted = False
        self._lock = threading.Lock()
        # No retries: an interrupt (or Redis going away) must end the wait, not reconnect.
        self.pool = redis.ConnectionPool.from_url(
            bus.url, decode_responses=True, max_connections=1, socket_connect_timeout=5,
            socket_timeout=bus.max_block_seconds + 10, socket_keepalive=True, retry=Retry(NoBackoff(), 0),
        )
        self.client = redis.Redis(connection_pool=self.pool)

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def wait(self, timeout: float) -> list[Event]:
        if self._interrupted or self.closed:
            return []
        count = self.batch_size
        block = None if timeout <= 0 else max(1, int(min(timeout, self.bus.max_block_seconds) * 1000))
        try:
            reply = self.client.xread({self.key: self.position}, count=count, block=block)
        except (redis.ConnectionError, redis.TimeoutError, OSError, ValueError, AttributeError):
            if self._interrupted or self.closed:
                return []  # interrupt() closed the socket under the blocked read
            raise
        entries = reply[0][1] if reply else []
        if len(entries) == count:
            # A full batch: the reader may be behind the cap; were entries after our
            # position trimmed before we got to them?
            info = self.bus.stream_info(self.client, self.user_id)
            if self.bus.too_old(info, self._position):
                raise EventIdTooOld(self.position, info["last-generated-id"] if info else format_id(ZERO))
        events = [
            Event(entry_id, fields.get("type", ""), fields.get("data", "null"),
                  _int_or_none(fields.get("workflow_id")), _int_or_none(fields.get("log_id")))
            for entry_id, fields in entries
        ]
        if events:
            self._position = parse_id(events[-1].id) or self._position
        return events

    def interrupt(self) -> None:
        self._interrupted = True
        self._disconnect()

    def close(self) -> None:
        self.closed = True
        self._disconnect()

    def _disconnect(self) -> None:
        with self._lock:
            try:
                # Also the connection a blocked XREAD is using: its read fails at once.
                self.pool.disconnect(inuse_connections=True)
            except Exception:  # closing what may already be closed
                logger.debug("closing an event subscription's connection", exc_info=True)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None
