"""Fixtures of the security suites: forged tokens, another user's objects.

The suites attack the real app the way a client would (over the test client, a real
database and worker); these helpers build what an attacker would send.
"""
from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from flask import Flask


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without checking it (an attacker can read them too)."""
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: dict[str, Any]) -> str:
    """A JWT segment: URL-safe base64 of compact JSON, unpadded."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def forge(app: Flask):
    """Factory: sign ``claims`` as the app would (its key and algorithm) unless told
    otherwise, so only the claims differ from a real token."""

    def sign(claims: dict[str, Any], key: str | None = None, algorithm: str | None = None,
             headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(claims, key if key is not None else app.config["JWT_SECRET_KEY"],
                          algorithm=algorithm or app.config.get("JWT_ALGORITHM", "HS256"), headers=headers)

    return sign


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}
