"""Stream tokens: short-lived, single-purpose credentials for ``GET /api/events``.

A browser's EventSource cannot send an Authorization header, and a long-lived token must
not appear in a URL (URLs land in access logs). A stream token is not a JWT at all (an
itsdangerous signature with its own salt), so no JWT-protected endpoint can accept it,
and the stream accepts nothing else in its query string.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from ..auth import service as auth_service
from ..errors import abort

SALT = "automateos.events.stream-token"


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


def user_of_stream_token(token: str) -> int:
    """The user a valid, unexpired stream token names; 401 otherwise."""
    try:
        claims = _serializer().loads(token, max_age=int(current_app.config["EVENTS_TOKEN_SECONDS"]))
    except SignatureExpired:
        abort(401, message="Stream token has expired: ask POST /api/events/token for a new one.")
    except BadSignature:
        abort(401, message="Invalid stream token.")
    if not isinstance(claims, dict) or not isinstance(claims.get("uid"), int):
        abort(401, message="Invalid stream token.")
    if auth_service.is_token_revoked({"sid": claims.get("sid"), "type": "stream"}):
        abort(401, message="Token has been revoked")
    return claims["uid"]
