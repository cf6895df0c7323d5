"""AutomateOS: the Flask application factory.

``create_app`` reads only its config class and starts nothing: no thread, no worker, no
process-wide Dramatiq broker (each app has its own). Each package registers its own
blueprints, CLI and actors in its ``init_app``; the embedded worker and ticker start in
``flask serve`` (automateos/serve.py) or worker.py, never here.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import redis
from flask import Flask, jsonify, send_from_directory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from swagger_ui_bundle import swagger_ui_path

from config import Config, ConfigError, ProductionConfig, config_from_env

from . import (auth, credentials, dashboard, engine, errors, events, logging_setup, logs, metrics, nodes, proxy,
               routing, security_headers, workflows)
from .db_types import json_loads
from .engine.broker import workers_cli
from .extensions import api, db, jwt, limiter, migrate
from .json_provider import OrjsonProvider
from .serve import serve_command

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the app: extensions, then each package (blueprints, CLI, actors), then health."""
    config_class = config_class or config_from_env()
    check_config(config_class)
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_class)
    app.json = OrjsonProvider(app)
    # JSON columns read back by orjson where it reads them as the standard json does.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"json_deserializer": json_loads,
                                               **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    logging_setup.configure_logging(app.config["LOG_FORMAT"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    logging_setup.init_app(app)
    proxy.init_app(app)
    security_headers.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    jwt.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    api.init_app(app)
    routing.init_app(app, api)  # converters before any blueprint
    errors.init_app(app)

    engine.init_app(app)  # the broker first: logs declares its actor on it
    auth.init_app(app)
    workflows.init_app(app)
    nodes.init_app(app)
    credentials.init_app(app)
    logs.init_app(app)
    events.init_app(app)
    metrics.init_app(app)
    _register_health(app)
    _register_docs_assets(app)
    dashboard.init_app(app)
    app.cli.add_command(serve_command)
    app.cli.add_command(workers_cli)
    return app


def check_config(config_class: type[Config]) -> None:
    """Raise ConfigError naming every bad variable (production: the encryption key too)."""
    problems = config_class.problems()
    if issubclass(config_class, ProductionConfig):
        keyring = credentials.keys.keyring_problem(vars_of(config_class))
        if keyring:
            problems.append(keyring)
    if problems:
        raise ConfigError(problems)


def vars_of(config_class: type[Config]) -> dict[str, Any]:
    """The upper-case settings of a config class, as ``app.config`` would hold them."""
    return {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}


def create_app_or_exit(exit_code: int = 1) -> Flask:
    """``create_app()`` for an entry point: a refused configuration prints one line per bad
    variable to stderr and exits with ``exit_code`` (the code its tool reads as "do not
    retry": gunicorn 3, dramatiq 2), instead of a traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        for line in exc.problems:
            print(f"automateos: config refused: {line}", file=sys.stderr)
        sys.stderr.flush()
        raise SystemExit(exit_code) from None


def _register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files (pinned: swagger-ui-bundle) at OPENAPI_SWAGGER_UI_URL."""

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_ui_asset(filename: str) -> Any:
        """One of Swagger UI's static files."""
        return send_from_directory(swagger_ui_path, filename, max_age=86400)


def _register_health(app: Flask) -> None:
    # One client (and its pooled connection) per Redis URL, kept between probes: a probe
    # every few seconds need not connect anew each time. A connection Redis closed is
    # replaced when taken from the pool.
    redis_clients: dict[str, redis.Redis] = {}

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
        url = app.config["REDIS_URL"]
        if url:
            try:
                client = redis_clients.get(url)
                if client is None:
                    client = redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2)
                client.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        down = [name for name, state in checks.items() if state != "ok"]
        if not down:
            return jsonify(status="ok", checks=checks), 200
        return jsonify(status="unavailable", checks=checks, message=f"unreachable: {', '.join(down)}"), 503


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys (cascading deletes), WAL for concurrent readers."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
