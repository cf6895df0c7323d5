"""One JSON error shape for every failure: ``{code, status, message, errors}``.

flask-smorest already renders every HTTPException (and its 422 validation errors) in this
shape; this module adds the same shape for JWT failures, for a backend that is briefly
unreachable (PostgreSQL or Redis down: 503 with ``Retry-After``, the client may try again)
and for unexpected exceptions, which are logged with their traceback but never shown to
the client.
"""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_smorest import abort  # noqa: F401  (re-exported: the one way views fail)
from werkzeug.exceptions import HTTPException

from .extensions import db, jwt

logger = logging.getLogger(__name__)

# Failures of a backend, not of the request: the database or Redis is down, restarting,
# out of connections or refusing for a moment (deadlock, serialization). Trying again
# later can succeed, so the client gets 503 and Retry-After, never a 500.
UNAVAILABLE = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 5  # a restart or failover takes seconds; sooner would only add load


def error_response(code: int, message: str | None = None, errors: Any = None) -> ResponseReturnValue:
    """A response in the one error shape."""
    status = HTTPStatus(code)
    body: dict[str, Any] = {"code": code, "status": status.phrase, "message": message or status.description}
    if errors:
        body["errors"] = errors
    return jsonify(body), code


def _rollback() -> None:
    """Undo the request's unfinished writes; a dead connection must not turn an error page into a crash."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: the pool discards it, nothing is left to undo
        logger.debug("rollback after an error failed", exc_info=True)


def init_app(app: Flask) -> None:
    """Register the handlers that keep every error in the one shape."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        # Replaces smorest's handler so that ``message`` is always present.
        data = getattr(exc, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        body, code = error_response(exc.code or 500, data.get("message") or exc.description, errors)
        response = exc.get_response()
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-type", "content-length"}}
        headers.update(data.get("headers") or {})
        return body, code, headers

    def unavailable(exc: Exception) -> ResponseReturnValue:
        _rollback()
        # One line, no traceback: an outage would otherwise flood the log.
        logger.warning("backend unavailable: %s: %s", type(exc).__name__, (str(exc).splitlines() or [""])[0])
        body, code = error_response(503, "A backend service is unavailable; try again shortly.")
        return body, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for exc_class in UNAVAILABLE:
        app.register_error_handler(exc_class, unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        _rollback()
        logger.exception("unhandled error")
        return error_response(500, "Internal server error")

    @jwt.unauthorized_loader
    def missing_token(reason: str) -> ResponseReturnValue:
        return error_response(401, reason)

    @jwt.invalid_token_loader
    def invalid_token(reason: str) -> ResponseReturnValue:
        return error_response(401, f"Invalid token: {reason}")

    # Token problems that only differ by their message.
    for register, message in (
        (jwt.expired_token_loader, "Token has expired"),
        (jwt.revoked_token_loader, "Token has been revoked"),
        (jwt.needs_fresh_token_loader, "Fresh token required"),
        (jwt.user_lookup_error_loader, "Unknown user"),
    ):
        register(lambda _header, _payload, message=message: error_response(401, message))
