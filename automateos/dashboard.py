"""The front door: ``/`` (the dashboard once it is built)."""
from __future__ import annotations

from typing import Any

from flask import Flask, redirect


def init_app(app: Flask) -> None:
    """Register the routes that serve the dashboard."""

    @app.get("/")
    def index() -> Any:
        """Until the dashboard is served here, the front door is the API's browsable docs."""
        return redirect("/api/docs")
