"""Accounts and tokens: register, login, refresh rotation, logout, me, rate limits."""
from __future__ import annotations

from datetime import timedelta

from flask_jwt_extended import create_access_token

from automateos.auth.models import User
from automateos.extensions import db
from tests.conftest import assert_error


def test_register_then_login_and_me(client):
    resp = client.post("/api/auth/register", json={"email": "Ada@Example.com", "password": "long enough"})
    assert resp.status_code == 201
    assert resp.get_json()["email"] == "ada@example.com"
    assert "password" not in resp.get_json()

    tokens = client.post("/api/auth/login", json={"email": "ada@example.com", "password": "long enough"}).get_json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.get_json()["email"] == "ada@example.com"


def test_passwords_are_stored_hashed(app, client):
    client.post("/api/auth/register", json={"email": "h@example.com", "password": "plain text pw"})
    with app.app_context():
        stored = db.session.scalar(db.select(User.password_hash).filter_by(email="h@example.com"))
    assert "plain text pw" not in stored and stored.startswith(("scrypt:", "argon2", "pbkdf2:"))


def test_register_refuses_taken_email_bad_email_and_short_password(client, user):
    assert_error(client.post("/api/auth/register", json={"email": user.email.upper(), "password": "12345678"}), 409)
    body = assert_error(client.post("/api/auth/register", json={"email": "not-an-email", "password": "12345678"}), 422)
    assert "email" in body["errors"]["json"]
    body = assert_error(client.post("/api/auth/register", json={"email": "x@example.com", "password": "short"}), 422)
    assert "password" in body["errors"]["json"]
    assert_error(client.post("/api/auth/register", data="nope", content_type="text/plain"), 422)


def test_login_with_wrong_password_or_unknown_email_is_401(client, user):
    assert_error(client.post("/api/auth/login", json={"email": user.email, "password": "wrong password"}), 401)
    assert_error(client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "whatever1"}), 401)


def test_me_without_or_with_bad_token_is_401(client):
    assert_error(client.get("/api/auth/me"), 401)
    assert_error(client.get("/api/auth/me", headers={"Authorization": "Bearer garbage"}), 401)


def test_expired_access_token_is_401(app, client, user):
    me = client.get("/api/auth/me", headers=user.headers).get_json()
    with app.app_context():
        token = create_access_token(identity=str(me["id"]), expires_delta=timedelta(seconds=-1),
                                    additional_claims={"sid": "x"})
    assert_error(client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_refresh_rotates_and_the_old_refresh_token_stops_working(client, user):
    old = user.tokens["refresh_token"]
    resp = client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {old}"})
    assert resp.status_code == 200
    new = resp.get_json()
    assert new["refresh_token"] != old
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {new['access_token']}"}).status_code == 200
    # Replaying the old refresh token fails and, as a possible theft, ends the session.
    assert_error(client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {old}"}), 401)
    assert_error(client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {new['refresh_token']}"}), 401)


def test_access_token_cannot_refresh(client, user):
    assert_error(client.post("/api/auth/refresh", headers=user.headers), 401)


def test_logout_revokes_access_and_refresh_tokens(client, user):
    assert client.post("/api/auth/logout", headers=user.headers).status_code == 204
    assert_error(client.get("/api/auth/me", headers=user.headers), 401)
    assert_error(client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {user.tokens['refresh_token']}"}), 401)


def test_login_is_rate_limited_per_email(app, client, user):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for i in range(limit):
        client.post("/api/auth/login", json={"email": user.email, "password": "wrong"},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
    resp = client.post("/api/auth/login", json={"email": user.email, "password": user.password},
                       environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert_error(resp, 429)


def test_login_is_rate_limited_per_ip(app, client):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for i in range(limit):
        client.post("/api/auth/login", json={"email": f"u{i}@example.com", "password": "wrong"},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"})
    resp = client.post("/api/auth/login", json={"email": "other@example.com", "password": "x"},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert_error(resp, 429)
    other_ip = client.post("/api/auth/login", json={"email": "other@example.com", "password": "x"},
                           environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other_ip.status_code == 401
