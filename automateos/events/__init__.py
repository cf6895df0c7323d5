"""Live execution events: the event bus (Redis Streams | memory) and the SSE endpoint.

``REDIS_URL`` alone picks the bus, like the broker: Redis streams shared by the web and
worker processes, or an in-memory bus in embedded mode (one process runs everything).
"""
from __future__ import annotations

from flask import Flask, current_app, has_app_context

from ..engine.status import StatusChange, on_committed_changes
from ..extensions import api
from .bus import Event, EventBus, EventIdTooOld, MemoryEventBus, NewEvent, Subscription
from .publisher import publish_changes
from .stream import shutdown_streams, track

__all__ = [
    "Event", "EventBus", "EventIdTooOld", "MemoryEventBus", "NewEvent", "Subscription",
    "get_bus", "init_app", "shutdown_streams",
]

EXTENSION = "automateos.events"
_last_bus: EventBus | None = None  # for commits made outside an app context


def build_bus(app: Flask) -> EventBus:
    """The bus ``app``'s configuration names."""
    config = app.config
    if config["REDIS_URL"]:
        from .redis_bus import RedisEventBus

        return RedisEventBus(
            config["REDIS_URL"], config["REDIS_NAMESPACE"], maxlen=config["EVENTS_STREAM_MAXLEN"],
            ttl_seconds=config["EVENTS_STREAM_TTL_SECONDS"],
            max_block_seconds=max(float(config["EVENTS_PING_SECONDS"]), 1.0),
        )
    return MemoryEventBus(config["EVENTS_STREAM_MAXLEN"])


def get_bus(app: Flask | None = None) -> EventBus:
    """The event bus of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def _publish(changes: list[StatusChange]) -> None:
    bus = current_app.extensions.get(EXTENSION) if has_app_context() else _last_bus
    publish_changes(bus, changes)


def init_app(app: Flask) -> None:
    """Create the app's bus, publish committed status changes to it, serve /api/events."""
    global _last_bus
    from .schemas import ExecutionEventSchema, ReadyEventSchema, ResetEventSchema, StepEventSchema
    from .views import blp

    bus = build_bus(app)
    app.extensions[EXTENSION] = _last_bus = bus
    track(bus)
    on_committed_changes(_publish)
    api.register_blueprint(blp)
    if "streamToken" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme("streamToken", {
            "type": "apiKey", "in": "query", "name": "token",
            "description": "60-second token from POST /api/events/token; accepted by GET /api/events only",
        })
    for name, schema in (("ExecutionEvent", ExecutionEventSchema), ("StepEvent", StepEventSchema),
                         ("ReadyEvent", ReadyEventSchema), ("ResetEvent", ResetEventSchema)):
        if name not in api.spec.components.schemas:
            api.spec.components.schema(name, schema=schema)
