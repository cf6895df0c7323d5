"""Node types: the plugin contract, the registry, the built-in nodes, the catalogue API."""
from __future__ import annotations

from flask import Flask

from ..extensions import api
from .cli import nodes_cli
from .views import blp


def init_app(app: Flask) -> None:
    """Serve the node catalogue, /api/nodes; ``flask nodes list`` for operators."""
    api.register_blueprint(blp)
    app.cli.add_command(nodes_cli)
