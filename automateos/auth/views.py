"""Auth endpoints: register, login, refresh, logout, me."""
from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_smorest import Blueprint

from ..extensions import client_ip, limiter
from . import service
from .schemas import CredentialsSchema, LoginSchema, TokenPairSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and tokens")


def _login_email() -> str:
    """Rate-limit key: the email being tried, whatever IP it comes from."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "email:" + service.normalise_email(email) if isinstance(email, str) else "email:-"


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/register")
class Register(MethodView):
    @blp.doc(security=[])  # public: this is how an account starts
    @blp.arguments(CredentialsSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, description="Email already registered")
    def post(self, data: dict[str, Any]) -> Any:
        """Create an account."""
        return service.register(data["email"], data["password"])


@blp.route("/login")
class Login(MethodView):
    decorators = [
        limiter.limit(_login_limit, key_func=client_ip, methods=["POST"]),
        limiter.limit(_login_limit, key_func=_login_email, methods=["POST"]),
    ]

    @blp.doc(security=[])  # public: this is how a token is obtained
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, description="Bad credentials")
    @blp.alt_response(429, description="Too many attempts")
    def post(self, data: dict[str, Any]) -> Any:
        """Exchange credentials for an access and a refresh token."""
        user = service.authenticate(data["email"], data["password"])
        return service.open_session(user)


@blp.route("/refresh")
class Refresh(MethodView):
    @jwt_required(refresh=True)
    @blp.response(200, TokenPairSchema)
    def post(self) -> Any:
        """Send the refresh token as Bearer; get a new pair. The old refresh token dies."""
        return service.rotate(get_jwt())


@blp.route("/logout")
class Logout(MethodView):
    @jwt_required(verify_type=False)
    @blp.response(204)
    def post(self) -> None:
        """Revoke the session of the token sent (access or refresh): both stop working."""
        service.revoke_session(get_jwt().get("sid"))


@blp.route("/me")
class Me(MethodView):
    @jwt_required()
    @blp.response(200, UserSchema)
    def get(self) -> Any:
        """The logged-in user."""
        return current_user
