"""Stream tokens: short-lived, single-purpose credentials for ``GET /api/events``.

A browser's EventSource cannot send an Authorization header, and a long-lived token must
not appear in a URL (URLs land in access logs). A stream token is not a JWT at all (an
itsdangerous signature with its own salt), so no JWT-protected endpoint can accept it,
and the stream accepts nothing else in its query string.

Whichever credential opened it, a stream belongs to a login session, and it ends when
that session does (logout, refresh-token reuse, expiry): ``session_check`` is what the
stream calls at every ping to find out.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from ..auth import service as auth_service
from ..errors import abort
from ..extensions import db

SALT = "automateos.events.stream-token"


@dataclass(frozen=True)
class StreamCaller:
    """Who opened a stream: the user, and the login session the credential belongs to."""

    user_id: int
    session_id: str | None


class _IssuedAt(TimestampSigner):
    """A signer stamping a given time (tokens issued "earlier", for expiry checks)."""

    issued_at: int = 0

    def get_timestamp(self) -> int:
        return self.issued_at


def _serializer(issued_at: float | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)
    signer = type("Signer", (_IssuedAt,), {"issued_at": int(issued_at)})
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=signer)


def issue_stream_token(user_id: int, session_id: str | None, *, issued_at: float | None = None) -> dict[str, Any]:
    """A stream token for ``user_id``, bound to their login session (logout ends it)."""
    token = _serializer(issued_at).dumps({"uid": user_id, "sid": session_id})
    return {"token": token, "expires_in": int(current_app.config["EVENTS_TOKEN_SECONDS"])}


def caller_of_stream_token(token: str) -> StreamCaller:
    """The user (and session) a valid, unexpired stream token names; 401 otherwise."""
    try:
        claims = _serializer().loads(token, max_age=int(current_app.config["EVENTS_TOKEN_SECONDS"]))
    except SignatureExpired:
        abort(401, message="Stream token has expired: ask POST /api/events/token for a new one.")
    except BadSignature:
        abort(401, message="Invalid stream token.")
    if not isinstance(claims, dict) or not isinstance(claims.get("uid"), int):
        abort(401, message="Invalid stream token.")
    if not auth_service.is_session_active(claims.get("sid")):
        abort(401, message="Token has been revoked")
    return StreamCaller(claims["uid"], claims.get("sid"))


def session_check(app: Flask, session_id: str | None) -> Callable[[], bool]:
    """A callable answering whether the login session is still active.

    The stream runs outside any request, so each check opens its own app context, and
    its session is removed as the context ends: the stream holds no connection between
    checks.
    """

    def active() -> bool:
        with app.app_context():
            try:
                return auth_service.is_session_active(session_id)
            finally:
                db.session.remove()

    return active
