"""Event streams end with the login session they were opened under.

A stream lives for hours; logging out (or a replayed refresh token revoking the session)
must not leave it delivering the user's runs to whoever holds the connection. The check
runs at every ping, so a stream closes one ping interval after its session ends at most.
"""
from __future__ import annotations

import time

from tests.events.conftest import PING_SECONDS, SSEReader, fast_pings, open_stream, sse_server  # noqa: F401
from tests.events.test_stream import TWO_STEPS, finished_run, hook

# Generous: a loaded 2-core machine; the stream should end within one ping (0.2 s).
END_WITHIN = 10.0


def ends(reader: SSEReader, within: float = END_WITHIN) -> bool:
    """True when the server ends the stream within ``within`` seconds (pings keep coming
    until then); False when it is still open at the deadline."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            reader.frame(timeout=max(0.0, deadline - time.monotonic()))
        except AssertionError as exc:
            if "stream ended" in str(exc):
                return True
            return False  # no frame at all before the deadline: still open, silent
    return False


def stream_token(user) -> str:
    resp = user.post("/api/events/token")
    assert resp.status_code == 200
    return resp.get_json()["token"]


def test_a_bearer_stream_ends_after_logout(client, user, open_stream):
    stream = open_stream(headers=user.headers)
    stream.ready()
    log_id = hook(client, user.create_workflow(TWO_STEPS))
    assert stream.until(finished_run(log_id))  # it works while the session lives

    assert user.post("/api/auth/logout").status_code == 204
    assert ends(stream)
    assert stream.frames[-1].comments == ["session ended"]


def test_a_stream_token_stream_ends_after_logout(client, user, open_stream):
    token = stream_token(user)
    stream = open_stream(token=token)
    stream.ready()
    assert user.post("/api/auth/logout").status_code == 204
    assert ends(stream)
    # The client's EventSource reconnects: the same token no longer opens a stream.
    assert client.get("/api/events", query_string={"token": token}).status_code == 401


def test_only_the_logged_out_sessions_streams_end(client, user, open_stream):
    # Given the same person logged in twice (laptop and phone: two sessions), a stream each.
    resp = client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    phone = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
    laptop_stream = open_stream(headers=user.headers)
    laptop_stream.ready()
    phone_stream = open_stream(headers=phone)
    phone_stream.ready()
    workflow = user.create_workflow(TWO_STEPS)

    assert user.post("/api/auth/logout").status_code == 204  # the laptop's session
    assert ends(laptop_stream)
    # The phone's stream stays open and still gets the user's runs.
    log_id = hook(client, workflow)
    assert phone_stream.until(finished_run(log_id))
    assert not ends(phone_stream, within=3 * PING_SECONDS)


def test_refresh_token_reuse_ends_the_sessions_streams(client, user, open_stream):
    stream = open_stream(headers=user.headers)
    stream.ready()
    old = {"Authorization": f"Bearer {user.tokens['refresh_token']}"}
    assert client.post("/api/auth/refresh", headers=old).status_code == 200
    # The stolen (old) refresh token is replayed: the whole session is revoked.
    assert client.post("/api/auth/refresh", headers=old).status_code == 401
    assert ends(stream)


def test_a_stream_over_http_is_closed_by_the_server_after_logout(user, sse_server):
    resp, stream = sse_server.connect("/api/events", headers=user.headers)
    try:
        assert resp.status == 200
        stream.ready()
        assert user.post("/api/auth/logout").status_code == 204
        assert ends(stream)
    finally:
        stream.close()
