"""Encrypted credentials for nodes: the model, the owner-only API, key rotation.

Plugins declare credential types (types.py) through the ``automateos.credentials`` entry
points; users store credentials of those types, sealed with AES-GCM (crypto.py) under
the app's keyring (keys.py); the engine opens one for a run with
``service.decrypt_for_run``.
"""
from __future__ import annotations

from flask import Flask

from ..extensions import api
from . import keys
from .cli import credentials_cli
from .views import blp, types_blp


def init_app(app: Flask) -> None:
    """Build the keyring (production refuses to start without a key), register the API
    and the ``flask credentials`` CLI."""
    keys.init_app(app)
    for blueprint in (blp, types_blp):
        api.register_blueprint(blueprint)
    app.cli.add_command(credentials_cli)
