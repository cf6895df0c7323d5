"""Unbound extensions, bound to the app in ``create_app``."""
from __future__ import annotations

from flask import request
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are deterministic on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


# Objects keep their values after commit: views serialise what they just saved
# without a second SELECT; code that needs fresh rows reloads them explicitly.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
jwt = JWTManager()
api = Api()
# Limits are a defence, not a dependency: while Redis is down they are counted in memory
# (one warning when that starts; Redis is tried again on later requests) rather than
# failing the login they guard; a Redis that hangs is given up on after two seconds.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                  in_memory_fallback_enabled=True, swallow_errors=True,
                  storage_options={"socket_connect_timeout": 2, "socket_timeout": 2})


def client_ip() -> str:
    """The caller's address: the one the trusted proxy reports (automateos/proxy.py), else the peer."""
    return request.remote_addr or "unknown"
