"""Workflows: their definitions and triggers (manual runs, webhooks, schedules)."""
from __future__ import annotations

from flask import Flask

from ..extensions import api
from .views import blp
from .test_events import blp as hook_tests_blp
from .webhooks import blp as hooks_blp


def init_app(app: Flask) -> None:
    """Serve /api/workflows and the public webhooks, /api/hooks (and their test URLs)."""
    api.register_blueprint(blp)
    api.register_blueprint(hooks_blp)
    api.register_blueprint(hook_tests_blp)
