"""AutomateOS: the Flask application factory."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from config import Config, ProductionConfig, config_from_env

from . import dashboard, errors, proxy, routing
from .extensions import api, db, jwt, limiter, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the app: extensions, blueprints, engine, CLI."""
    config_class = config_class or config_from_env()
    if issubclass(config_class, ProductionConfig):
        config_class.check()
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_class)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    proxy.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    jwt.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    api.init_app(app)
    routing.init_app(app, api)
    errors.init_app(app)
    _register_blueprints(app)

    from . import auth, engine, events, logs

    auth.init_app(app)
    logs.init_app(app)
    events.init_app(app)
    engine.init_app(app)
    _register_health(app)
    dashboard.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .auth.views import blp as auth_blp
    from .logs.views import blp as logs_blp
    from .nodes.views import blp as nodes_blp
    from .workflows.views import blp as workflows_blp
    from .workflows.webhooks import blp as hooks_blp

    for blp in (auth_blp, workflows_blp, hooks_blp, nodes_blp, logs_blp):
        api.register_blueprint(blp)


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        """Liveness: the process answers."""
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Any:
        """Readiness: the database (and Redis, when configured) answer."""
        checks: dict[str, str] = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # report, don't raise: this is a probe
            checks["database"] = f"error: {type(exc).__name__}"
        if app.config["REDIS_URL"]:
            import redis

            try:
                redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=2).ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys (cascading deletes), WAL for concurrent readers."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
