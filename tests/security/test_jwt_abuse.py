"""Forged, stale and misused tokens are refused with 401 by every endpoint, and change nothing.

Each abuse is tried on every kind of endpoint that takes a token: the account, a domain
API (workflows), the event stream and its token, logout and refresh.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ApiUser, assert_error

from .conftest import b64, bearer, claims_of

# Endpoints that take an access token (logout takes either kind).
ACCESS_ENDPOINTS = [
    ("get", "/api/auth/me"),
    ("get", "/api/workflows"),
    ("post", "/api/workflows"),
    ("get", "/api/logs"),
    ("get", "/api/events"),
    ("post", "/api/events/token"),
    ("post", "/api/auth/logout"),
]
ALL_ENDPOINTS = ACCESS_ENDPOINTS + [("post", "/api/auth/refresh")]


def refused_everywhere(client, headers: dict[str, str], endpoints=ALL_ENDPOINTS) -> None:
    """Every endpoint answers 401 in the error shape (never a stream, never a 5xx)."""
    for method, path in endpoints:
        body = {"name": "x", "definition": {"nodes": [{"id": "t", "type": "manual"}], "edges": []}}
        resp = getattr(client, method)(path, headers=headers, buffered=False,
                                       **({"json": body} if method == "post" else {}))
        try:
            assert resp.status_code == 401, f"{method.upper()} {path}: {resp.status_code}"
            assert_error(resp, 401)
        finally:
            resp.close()


def still_logged_in(user: ApiUser) -> None:
    """The abuse changed nothing: the real session still works, both tokens."""
    assert user.get("/api/auth/me").status_code == 200


# -- signatures and algorithms ---------------------------------------------------------------

def test_alg_none_is_refused(client, user, forge):
    claims = claims_of(user.tokens["access_token"])
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    refused_everywhere(client, bearer(unsigned))
    refused_everywhere(client, bearer(forge(claims, key="", algorithm="none")))
    for alg in ("None", "NONE", "nOnE"):
        refused_everywhere(client, bearer(f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims)}."), ACCESS_ENDPOINTS[:2])
    still_logged_in(user)


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_token_signed_with_another_key_is_refused(client, user, forge, kind):
    claims = claims_of(user.tokens[kind])
    refused_everywhere(client, bearer(forge(claims, key="not the server's key, but long enough 0123456789")))
    still_logged_in(user)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the point of the test
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_another_algorithm_with_the_right_key_is_refused(client, user, forge, algorithm):
    # Only the configured algorithm is accepted: no algorithm is picked by the token.
    refused_everywhere(client, bearer(forge(claims_of(user.tokens["access_token"]), algorithm=algorithm)))


def test_a_tampered_payload_keeps_no_signature(client, user, other_user):
    # Given a real token whose payload is swapped for another user's id, signature kept.
    header, _payload, signature = user.tokens["access_token"].split(".")
    theirs = client.get("/api/auth/me", headers=other_user.headers).get_json()["id"]
    claims = claims_of(user.tokens["access_token"]) | {"sub": str(theirs)}
    refused_everywhere(client, bearer(f"{header}.{b64(claims)}.{signature}"))
    # The same with a longer expiry, or a flipped type.
    for change in ({"exp": int(time.time()) + 10**8}, {"type": "refresh"}, {"sid": "x"}):
        claims = claims_of(user.tokens["access_token"]) | change
        refused_everywhere(client, bearer(f"{header}.{b64(claims)}.{signature}"), ACCESS_ENDPOINTS[:3])
    still_logged_in(user)
    still_logged_in(other_user)


@pytest.mark.parametrize("garbage", [
    "", "garbage", "a.b.c", "a.b", "....", "x" * 10_000, "eyJhbGciOiJIUzI1NiJ9.e30.",
    "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig",  # a payload that is not JSON
    "eyJhbGciOiJIUzI1NiJ9.WzFd.sig",         # a payload that is a JSON list
])
def test_malformed_tokens_are_refused(client, garbage):
    refused_everywhere(client, {"Authorization": f"Bearer {garbage}"}, ACCESS_ENDPOINTS[:4])


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer", "Bearer  ", "bearer"])
def test_other_authorization_schemes_are_refused(client, header):
    refused_everywhere(client, {"Authorization": header}, ACCESS_ENDPOINTS[:4])


# -- lifetime, type and revocation ------------------------------------------------------------

@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_an_expired_token_is_refused(client, user, forge, kind):
    claims = claims_of(user.tokens[kind]) | {"exp": int(time.time()) - 5, "iat": int(time.time()) - 100}
    refused_everywhere(client, bearer(forge(claims)))


def test_a_token_from_the_future_is_refused(client, user, forge):
    claims = claims_of(user.tokens["access_token"]) | {"nbf": int(time.time()) + 3600}
    refused_everywhere(client, bearer(forge(claims)), ACCESS_ENDPOINTS)


def test_a_refresh_token_is_not_an_access_token(client, user):
    # Logout takes either kind by design; everything else wants an access token.
    refused_everywhere(client, bearer(user.tokens["refresh_token"]), ACCESS_ENDPOINTS[:-1])
    still_logged_in(user)


def test_an_access_token_cannot_refresh(client, user):
    assert_error(client.post("/api/auth/refresh", headers=user.headers), 401)
    still_logged_in(user)


def test_a_forged_type_claim_does_not_turn_access_into_refresh(client, user, forge):
    # Even with the right key, an access token relabelled "refresh" has no current jti.
    claims = claims_of(user.tokens["access_token"]) | {"type": "refresh"}
    assert_error(client.post("/api/auth/refresh", headers=bearer(forge(claims))), 401)


def test_tokens_of_a_logged_out_session_are_refused(client, user):
    assert user.post("/api/auth/logout").status_code == 204
    refused_everywhere(client, user.headers)
    refused_everywhere(client, bearer(user.tokens["refresh_token"]))


def test_reusing_a_refresh_token_revokes_the_whole_session(client, user):
    old_refresh = user.tokens["refresh_token"]
    new = client.post("/api/auth/refresh", headers=bearer(old_refresh)).get_json()
    assert client.get("/api/auth/me", headers=bearer(new["access_token"])).status_code == 200
    # Replaying the used refresh token (a thief's copy) ends the session for everyone.
    assert_error(client.post("/api/auth/refresh", headers=bearer(old_refresh)), 401)
    refused_everywhere(client, bearer(new["access_token"]))
    refused_everywhere(client, bearer(new["refresh_token"]))
    refused_everywhere(client, user.headers)


def test_a_token_of_a_session_that_does_not_exist_is_refused(client, user, forge):
    for sid in ("00000000-0000-0000-0000-000000000000", None):
        claims = claims_of(user.tokens["access_token"]) | {"sid": sid}
        refused_everywhere(client, bearer(forge(claims)), ACCESS_ENDPOINTS)


# -- claims that are not what they should be (signed with the right key) ----------------------

SUB_GARBAGE: list[Any] = [
    "abc", "", " 1", "1 ", "+1", "-1", "0", "01", "1.5", "1e3", "0x10", "١",  # Arabic-Indic one
    "9" * 30, str(2**31), str(2**63), str(2**64), 1, 1.0, True, None, [], {}, ["1"], {"id": 1},
]


@pytest.mark.parametrize("sub", SUB_GARBAGE, ids=[repr(s)[:20] for s in SUB_GARBAGE])
def test_a_sub_that_is_not_a_user_id_is_401(client, user, forge, sub):
    claims = claims_of(user.tokens["access_token"]) | {"sub": sub}
    refused_everywhere(client, bearer(forge(claims)), ACCESS_ENDPOINTS)
    still_logged_in(user)


def test_a_sub_of_another_user_with_a_valid_session_is_401(client, user, other_user, forge):
    # A token naming user B inside user A's session (only possible with the key) names nobody.
    theirs = client.get("/api/auth/me", headers=other_user.headers).get_json()["id"]
    claims = claims_of(user.tokens["access_token"]) | {"sub": str(theirs)}
    refused_everywhere(client, bearer(forge(claims)), ACCESS_ENDPOINTS)


SID_GARBAGE: list[Any] = [1, 1.5, True, [], {}, ["x"], "x" * 37, "x" * 10_000, "\x00", "' OR 1=1 --"]


@pytest.mark.parametrize("sid", SID_GARBAGE, ids=[repr(s)[:20] for s in SID_GARBAGE])
def test_a_sid_that_is_not_a_session_id_is_401(client, user, forge, sid):
    for kind in ("access_token", "refresh_token"):
        claims = claims_of(user.tokens[kind]) | {"sid": sid}
        refused_everywhere(client, bearer(forge(claims)))
    still_logged_in(user)


@pytest.mark.parametrize("jti", [1, [], {}, None, "", "x" * 10_000])
def test_a_refresh_token_with_a_garbage_jti_is_401_and_revokes(client, user, forge, jti):
    claims = claims_of(user.tokens["refresh_token"]) | {"jti": jti}
    assert_error(client.post("/api/auth/refresh", headers=bearer(forge(claims))), 401)


@pytest.mark.parametrize("sign", [
    lambda claims: claims | {"type": "stream"},
    lambda claims: claims | {"type": ["access"]},
    lambda claims: {k: v for k, v in claims.items() if k != "sub"},
    lambda claims: {k: v for k, v in claims.items() if k != "exp"} | {"exp": "tomorrow"},
])
def test_other_malformed_claims_are_401(client, user, forge, sign: Callable[[dict], dict]):
    refused_everywhere(client, bearer(forge(sign(claims_of(user.tokens["access_token"])))), ACCESS_ENDPOINTS)
