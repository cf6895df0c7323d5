"""Node types: the plugin contract, the registry, the built-in nodes, the catalogue API."""
from __future__ import annotations

from flask import Flask

from ..extensions import api
from .views import blp


def init_app(app: Flask) -> None:
    """Serve the node catalogue, /api/nodes."""
    api.register_blueprint(blp)
