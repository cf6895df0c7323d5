"""Accounts and token sessions: the rules behind the auth API."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db_types import utcnow
from ..errors import abort
from ..extensions import db
from .models import AuthSession, User

# Compared against when the email is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = generate_password_hash("timing-equaliser")
# A token's ``sub`` is a user id: ASCII digits that fit the 32-bit ``users.id`` column.
_USER_ID = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
USER_ID_MAX = 2**31 - 1
_SESSION_ID = re.compile(r"[0-9a-f-]{36}", re.ASCII)  # AuthSession.id: str(uuid4())
TOKEN_TYPES = ("access", "refresh")


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively."""
    return email.strip().lower()


def register(email: str, password: str) -> User:
    """Create an account; 409 when the email is taken."""
    user = User(email=normalise_email(email), password_hash=generate_password_hash(password))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, message="This email is already registered.")
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials; 401 otherwise (same answer for both mistakes)."""
    user = db.session.execute(db.select(User).filter_by(email=normalise_email(email))).scalar_one_or_none()
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        abort(401, message="Invalid email or password.")
    return user


def _issue_pair(session: AuthSession) -> dict[str, Any]:
    claims = {"sid": session.id}
    session.refresh_jti = str(uuid.uuid4())
    access = create_access_token(identity=str(session.user_id), additional_claims=claims)
    refresh = create_refresh_token(
        identity=str(session.user_id), additional_claims={**claims, "jti": session.refresh_jti}
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]),
    }


def open_session(user: User) -> dict[str, Any]:
    """Start a login session and return its first token pair."""
    lifetime = timedelta(seconds=int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]))
    session = AuthSession(id=str(uuid.uuid4()), user_id=user.id, refresh_jti="", expires_at=utcnow() + lifetime)
    db.session.add(session)
    pair = _issue_pair(session)
    db.session.commit()
    return pair


def rotate(jwt_payload: dict[str, Any]) -> dict[str, Any]:
    """Exchange a current refresh token for a new pair; the old one stops working."""
    sid = session_id_of(jwt_payload)
    session = db.session.get(AuthSession, sid, with_for_update=True) if sid else None
    if session is None or session.revoked_at is not None or session.refresh_jti != jwt_payload.get("jti"):
        abort(401, message="Token has been revoked")
    pair = _issue_pair(session)
    db.session.commit()
    return pair


def revoke_session(session_id: str | None) -> None:
    """End a login session: its access and refresh tokens stop working."""
    session = db.session.get(AuthSession, session_id) if session_id else None
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()
        db.session.commit()


def session_id_of(jwt_payload: dict[str, Any]) -> str | None:
    """The login session a token names, or None when its ``sid`` claim is not one."""
    sid = jwt_payload.get("sid")
    return sid if isinstance(sid, str) and _SESSION_ID.fullmatch(sid) else None


def user_id_of(jwt_payload: dict[str, Any]) -> int | None:
    """The user id a token's ``sub`` names, or None when it cannot be one (not a string
    of digits, or past the id column's range): such a token names nobody."""
    sub = jwt_payload.get("sub")
    if not isinstance(sub, str) or not _USER_ID.fullmatch(sub) or int(sub) > USER_ID_MAX:
        return None
    return int(sub)


def _active_session(session_id: Any) -> AuthSession | None:
    """The login session ``session_id`` names, unless it is unknown, revoked or expired."""
    sid = session_id_of({"sid": session_id})
    session = db.session.get(AuthSession, sid) if sid else None
    if session is None or session.revoked_at is not None or session.expires_at <= utcnow():
        return None
    return session


def is_session_active(session_id: str | None) -> bool:
    """True while the login session exists, is not revoked and has not expired."""
    return _active_session(session_id) is not None


def is_token_revoked(jwt_payload: dict[str, Any]) -> bool:
    """True when the token's session is over, or a refresh token is replayed.

    A refresh token that is no longer the session's current one was already used: the
    session is revoked, as its tokens may have leaked (refresh-token reuse detection).
    """
    if jwt_payload.get("type") not in TOKEN_TYPES:
        return True  # only tokens this service issues, of a type it knows, are valid
    session = _active_session(jwt_payload.get("sid"))
    if session is None:
        return True
    if jwt_payload.get("type") == "refresh" and jwt_payload.get("jti") != session.refresh_jti:
        session.revoked_at = utcnow()
        db.session.commit()
        return True
    return False


def load_user(jwt_payload: dict[str, Any]) -> User | None:
    """The user a token names, if the token names a user of its own session.

    None (answered 401) for a ``sub`` that is no user id, and for one that differs from
    the user whose session the token carries.
    """
    user_id = user_id_of(jwt_payload)
    if user_id is None:
        return None
    sid = session_id_of(jwt_payload)
    session = db.session.get(AuthSession, sid) if sid else None
    if session is None or session.user_id != user_id:
        return None
    return db.session.get(User, user_id)
