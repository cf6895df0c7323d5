"""Live execution events: the event bus (Redis Streams | memory) and the SSE endpoint."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the event bus and the SSE endpoint (the live-events issue fills this in)."""
