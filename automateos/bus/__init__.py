"""The event bus: per-user ordered event logs with replay (Redis Streams | memory).

``REDIS_URL`` alone picks the bus, like the broker: Redis streams shared by the web and
worker processes, or an in-memory bus in embedded mode (one process runs everything).
Low in the package map: it imports no other AutomateOS package, so the engine's
publisher (``events``) and the workflows' ``when_finished`` wait can both use it.
"""
from __future__ import annotations

from flask import Flask, current_app

from .core import Event, EventBus, EventIdTooOld, MemoryEventBus, NewEvent, Subscription, parse_id
from .redis_bus import RedisEventBus

__all__ = [
    "Event", "EventBus", "EventIdTooOld", "MemoryEventBus", "NewEvent", "RedisEventBus", "Subscription",
    "build_bus", "get_bus", "init_app", "parse_id",
]

EXTENSION = "automateos.bus"


def build_bus(app: Flask) -> EventBus:
    """The bus ``app``'s configuration names."""
    config = app.config
    if config["REDIS_URL"]:
        return RedisEventBus(
            config["REDIS_URL"], config["REDIS_NAMESPACE"], maxlen=config["EVENTS_STREAM_MAXLEN"],
            ttl_seconds=config["EVENTS_STREAM_TTL_SECONDS"],
            max_block_seconds=max(float(config["EVENTS_PING_SECONDS"]), 1.0),
        )
    return MemoryEventBus(config["EVENTS_STREAM_MAXLEN"])


def get_bus(app: Flask | None = None) -> EventBus:
    """The event bus of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def init_app(app: Flask) -> EventBus:
    """Create ``app``'s bus and return it."""
    bus = app.extensions[EXTENSION] = build_bus(app)
    return bus
