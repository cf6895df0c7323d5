"""Live execution events: committed status changes published on the bus, and the SSE endpoint."""
from __future__ import annotations

from flask import Flask, current_app, has_app_context

from .. import bus as event_bus
from ..bus import EventBus
from ..engine.status import StatusChange, on_committed_changes
from ..extensions import api
from .publisher import publish_changes
from .schemas import ExecutionEventSchema, ReadyEventSchema, ResetEventSchema, StepEventSchema, TestEventSchema
from .stream import shutdown_streams, track
from .views import blp

__all__ = ["init_app", "shutdown_streams"]

_last_bus: EventBus | None = None  # for commits made outside an app context


def _publish(changes: list[StatusChange]) -> None:
    bus = current_app.extensions.get(event_bus.EXTENSION) if has_app_context() else _last_bus
    publish_changes(bus, changes)


def init_app(app: Flask) -> None:
    """Create the app's bus, publish committed status changes to it, serve /api/events."""
    global _last_bus
    bus = _last_bus = event_bus.init_app(app)
    track(bus)
    on_committed_changes(_publish)
    api.register_blueprint(blp)
    if "streamToken" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme("streamToken", {
            "type": "apiKey", "in": "query", "name": "token",
            "description": "60-second token from POST /api/events/token; accepted by GET /api/events only",
        })
    for name, schema in (("ExecutionEvent", ExecutionEventSchema), ("StepEvent", StepEventSchema),
                         ("ReadyEvent", ReadyEventSchema), ("ResetEvent", ResetEventSchema),
                         ("TestEvent", TestEventSchema)):
        if name not in api.spec.components.schemas:
            api.spec.components.schema(name, schema=schema)
