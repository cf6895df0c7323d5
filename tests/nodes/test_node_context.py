"""NodeContext: ctx.log keeps the step's lines, ctx.http carries the platform's rules
(SSRF guard, default timeout, body cap, typed status errors), the credential stays out of
reprs."""
from __future__ import annotations

import logging

import pytest
import requests

from automateos.nodes.base import MAX_LOG_LINES, NodeContext, NodeError, RetryableNodeError, should_retry
from automateos.nodes.http import DEFAULT_TIMEOUT, NodeSession, ResponseTooLarge, raise_for_status
from automateos.nodes.ssrf import BlockedDestination, DestinationPolicy

from .conftest import LocalServer


def ctx_for(server: LocalServer | None = None, **settings: object) -> NodeContext:
    if server is not None:
        settings["HTTP_ALLOWED_DESTINATIONS"] = [("127.0.0.1", server.port)]
    return NodeContext(execution_id=7, workflow_id=3, node_id="call", step_id=11, settings=settings,
                       credential={"token": "very-secret-token"})


def test_log_lines_are_kept_for_the_step_and_logged(caplog: pytest.LogCaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger("automateos.nodes.step"), "disabled", False)
    ctx = ctx_for()
    with caplog.at_level(logging.DEBUG, logger="automateos.nodes.step"):
        ctx.log.debug("about to send %d items", 3)
        ctx.log.warning("slow answer")
        try:
            raise ValueError("bad json")
        except ValueError:
            ctx.log.exception("could not parse")

    assert [(line["level"], line["message"]) for line in ctx.log_lines] == [
        ("DEBUG", "about to send 3 items"), ("WARNING", "slow answer"),
        ("ERROR", "could not parse: ValueError: bad json")]
    assert all(line["time"].endswith("+00:00") for line in ctx.log_lines)
    record = caplog.records[0]
    assert (record.execution_id, record.node_id, record.step_id) == (7, "call", 11)


def test_log_lines_are_capped_and_say_how_many_were_dropped() -> None:
    ctx = ctx_for()
    for n in range(MAX_LOG_LINES + 50):
        ctx.log.info("line %d", n)
    assert len(ctx.log_lines) == MAX_LOG_LINES
    assert ctx.log_lines[-1]["message"] == f"51 more log lines dropped (limit {MAX_LOG_LINES})"
    ctx.log.info("x" * 10_000)
    assert all(len(line["message"]) <= 2000 for line in ctx.log_lines)


def test_a_log_line_stays_storable() -> None:
    ctx = ctx_for()
    ctx.log.info("a\x00b")
    ctx.log.error("failed", exc_info=(ValueError, ValueError("why"), None))
    assert [line["message"] for line in ctx.log_lines] == ["a\\u0000b", "failed: ValueError: why"]


def test_the_credential_never_shows_in_the_context_repr() -> None:
    ctx = ctx_for()
    assert "very-secret-token" not in repr(ctx) and "very-secret-token" not in str(ctx)


def test_ctx_http_refuses_private_addresses_by_default(server: LocalServer) -> None:
    ctx = ctx_for()
    with pytest.raises(BlockedDestination):
        ctx.http.get(server.url("/json"))
    assert server.requests == []


def test_ctx_http_reaches_an_allowed_pair_with_a_default_timeout(server: LocalServer) -> None:
    ctx = ctx_for(server)
    response = ctx.http.get(server.url("/json"))
    assert response.json() == {"hello": "world", "n": 1}
    assert isinstance(ctx.http, NodeSession) and ctx.http.default_timeout == DEFAULT_TIMEOUT
    assert ctx.http.trust_env is False  # no proxy from the environment
    ctx.close()
    assert "http" not in vars(ctx)


@pytest.mark.parametrize("path", ["/big", "/big-stream"])
def test_ctx_http_caps_the_body_read_at_once(server: LocalServer, path: str) -> None:
    with pytest.raises(ResponseTooLarge, match="larger than 10 MB"):
        ctx_for(server).http.get(server.url(path))


def test_ctx_http_caps_a_streamed_body(server: LocalServer) -> None:
    session = NodeSession(DestinationPolicy(allow_private=True), max_body_bytes=1000)
    response = session.get(server.url("/big-stream"), stream=True)
    with pytest.raises(ResponseTooLarge):
        for _ in response.iter_content(100):
            pass
    assert session.get(server.url("/text")).text == "plain words"


@pytest.mark.parametrize(("status", "error", "retry_after"), [
    (400, NodeError, None), (401, NodeError, None), (404, NodeError, None),
    (408, RetryableNodeError, None), (429, RetryableNodeError, None), (500, RetryableNodeError, None),
    (503, RetryableNodeError, None),
])
def test_raise_for_status_picks_final_or_retryable(server: LocalServer, status: int, error: type,
                                                   retry_after: float | None) -> None:
    response = ctx_for(server).http.get(server.url(f"/status/{status}"))
    with pytest.raises(error, match=f"returned HTTP {status} .*server says no") as caught:
        raise_for_status(response)
    assert type(caught.value) is error
    assert should_retry(caught.value) is (error is RetryableNodeError)


def test_raise_for_status_passes_a_success_and_reads_retry_after() -> None:
    ok = requests.Response()
    ok.status_code = 200
    assert raise_for_status(ok) is ok
    limited = requests.Response()
    limited.status_code, limited._content, limited.reason = 429, b"slow down", "Too Many Requests"
    limited.headers["Retry-After"] = "12"
    with pytest.raises(RetryableNodeError) as caught:
        raise_for_status(limited, what="the Acme API")
    assert caught.value.retry_after == 12.0
    assert str(caught.value) == "the Acme API returned HTTP 429 Too Many Requests: slow down"


def test_any_other_exception_is_retried_and_a_node_error_is_not() -> None:
    assert should_retry(ValueError("x")) and should_retry(RetryableNodeError("x"))
    assert not should_retry(NodeError("x")) and not should_retry(BlockedDestination("x"))
