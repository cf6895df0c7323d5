"""Accounts and tokens."""
from __future__ import annotations

from flask import Flask

from ..extensions import jwt
from . import service


def init_app(app: Flask) -> None:
    """Wire token revocation and user loading into flask-jwt-extended."""
    jwt.token_in_blocklist_loader(lambda _h, payload: service.is_token_revoked(payload))
    jwt.user_lookup_loader(lambda _h, payload: service.load_user(payload))
