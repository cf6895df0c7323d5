"""Who may open the stream: an access token as Bearer, or a 60 s stream token in the URL."""
from __future__ import annotations

import time

import pytest

from automateos.events.tokens import issue_stream_token
from tests.conftest import assert_error


def stream_token(user) -> str:
    resp = user.post("/api/events/token")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["expires_in"] == 60
    return body["token"]


def test_a_stream_token_opens_the_stream(user, open_stream):
    stream = open_stream(token=stream_token(user))
    assert stream.frame().retry
    stream.ready()


def test_an_access_token_as_bearer_opens_the_stream(user, open_stream):
    open_stream(headers=user.headers).ready()


def test_the_stream_needs_a_token(client):
    assert_error(client.get("/api/events"), 401)


def test_the_stream_token_endpoint_needs_an_access_token(client, user):
    assert_error(client.post("/api/events/token"), 401)
    assert_error(client.post("/api/events/token", headers={"Authorization": f"Bearer {stream_token(user)}"}), 401)
    refresh = {"Authorization": f"Bearer {user.tokens['refresh_token']}"}
    assert_error(client.post("/api/events/token", headers=refresh), 401)


def test_an_expired_stream_token_is_401(app, client, user):
    user_id = user.get("/api/auth/me").get_json()["id"]
    with app.test_request_context():
        fresh = issue_stream_token(user_id, None, issued_at=time.time() - 50)["token"]
        expired = issue_stream_token(user_id, None, issued_at=time.time() - 61)["token"]
    assert_error(client.get("/api/events", query_string={"token": expired}), 401)
    assert "expired" in client.get("/api/events", query_string={"token": expired}).get_json()["message"]
    # Not expired yet, but bound to no login session: refused as well.
    assert_error(client.get("/api/events", query_string={"token": fresh}), 401)


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_an_api_token_in_the_url_is_refused(client, user, kind):
    # Long-lived tokens must never travel in URLs: the stream only takes its own there.
    assert_error(client.get("/api/events", query_string={"token": user.tokens[kind]}), 401)


def test_a_tampered_or_foreign_token_is_401(client, user):
    token = stream_token(user)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", ""):
        assert_error(client.get("/api/events", query_string={"token": bad}), 401)


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/workflows", "/api/events"])
def test_a_stream_token_is_not_an_access_token(client, user, path):
    headers = {"Authorization": f"Bearer {stream_token(user)}"}
    assert_error(client.get(path, headers=headers), 401)


def test_logging_out_ends_the_stream_tokens_of_the_session(client, user):
    token = stream_token(user)
    assert user.post("/api/auth/logout").status_code == 204
    assert_error(client.get("/api/events", query_string={"token": token}), 401)


def test_a_stream_token_only_shows_its_own_users_events(client, user, other_user, open_stream):
    from tests.events.test_stream import TWO_STEPS, finished_run, hook

    theirs = open_stream(token=stream_token(other_user))
    theirs.ready()
    mine = open_stream(token=stream_token(user))
    mine.ready()
    log_id = hook(client, user.create_workflow(TWO_STEPS))
    assert mine.until(finished_run(log_id))
    assert theirs.quiet_for(0.6) == []


def test_the_spec_documents_both_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    stream = spec["paths"]["/api/events"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert {p["name"] for p in stream["parameters"]} >= {"token", "workflow_id", "log_id", "last_event_id"}
    assert {"401", "404"} <= set(stream["responses"])
    assert {"bearerAuth": []} in stream["security"] and {"streamToken": []} in stream["security"]
    assert spec["components"]["securitySchemes"]["streamToken"]["in"] == "query"
    token = spec["paths"]["/api/events/token"]["post"]
    assert token["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/StreamToken")
    assert {"ExecutionEvent", "StepEvent", "ReadyEvent", "ResetEvent"} <= set(spec["components"]["schemas"])
