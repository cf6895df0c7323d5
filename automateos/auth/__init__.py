"""Accounts and tokens."""
from __future__ import annotations

from flask import Flask

from ..extensions import api, jwt
from . import service
from .views import blp


def init_app(app: Flask) -> None:
    """Serve /api/auth and wire token revocation and user loading into flask-jwt-extended."""
    api.register_blueprint(blp)
    jwt.token_in_blocklist_loader(lambda _h, payload: service.is_token_revoked(payload))
    jwt.user_lookup_loader(lambda _h, payload: service.load_user(payload))
