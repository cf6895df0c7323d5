"""The public webhook: body kinds, tokens, HMAC signatures, waiting for the result."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from tests.conftest import assert_error, wait_for_log, webhook_flow

ECHO = {"id": "echo", "type": "transform", "params": {"fields": {"body": "{{ input.body }}", "q": "{{ input.query }}"}}}


def hook_url(workflow):
    return "/api/hooks/" + workflow["webhook_url"].rsplit("/", 1)[1]


def test_webhook_url_is_absolute_and_unguessable(user, make_user):
    a = user.create_workflow(webhook_flow(ECHO))
    b = make_user().create_workflow(webhook_flow(ECHO))
    assert a["webhook_url"].startswith("http://localhost/api/hooks/")
    assert a["webhook_url"] != b["webhook_url"]


def test_json_body_with_query_string(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    resp = client.post(hook_url(wf) + "?source=shop&tag=a&tag=b", json={"order": 1})
    assert resp.status_code == 202 and resp.get_json()["status"] == "queued"
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["result"] == {"body": {"order": 1}, "q": {"source": "shop", "tag": ["a", "b"]}}
    assert log["payload"]["method"] == "POST"


def test_form_text_and_empty_bodies_are_accepted(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    form = client.post(hook_url(wf), data={"name": "Ada", "x": "1"})
    text = client.post(hook_url(wf), data="hello", content_type="text/plain")
    empty = client.post(hook_url(wf))
    results = [wait_for_log(app, user, r.get_json()["log_id"])["result"]["body"] for r in (form, text, empty)]
    assert results == [{"name": "Ada", "x": "1"}, "hello", {}]


def test_invalid_json_is_400_and_starts_nothing(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    assert_error(client.post(hook_url(wf), data="{nope", content_type="application/json"), 400)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ExecutionLog)) == 0


def test_unknown_token_inactive_and_non_webhook_workflows_are_404(client, user):
    assert_error(client.post("/api/hooks/not-a-token", json={}), 404)
    wf = user.create_workflow(webhook_flow(ECHO), active=False)
    assert_error(client.post(hook_url(wf), json={}), 404)
    manual = user.create_workflow({"nodes": [{"id": "m", "type": "manual"}], "edges": []})
    assert_error(client.post(hook_url(manual), json={}), 404)


def test_credentials_are_not_stored_in_the_payload(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    resp = client.post(hook_url(wf), json={}, headers={"Authorization": "Bearer s3cret", "X-Shop": "1"})
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    headers = {k.lower(): v for k, v in log["payload"]["headers"].items()}
    assert headers["authorization"] == "[redacted]" and headers["x-shop"] == "1"
    assert "s3cret" not in json.dumps(log)


def signed(secret: str, body: bytes) -> dict[str, str]:
    return {"X-AutomateOS-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def test_hmac_signature_accepted_and_refused(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"secret": "shh-its-a-secret"}))
    body = json.dumps({"amount": 3}).encode()
    ok = client.post(hook_url(wf), data=body, headers=signed("shh-its-a-secret", body))
    assert ok.status_code == 202
    assert wait_for_log(app, user, ok.get_json()["log_id"])["result"]["body"] == {"amount": 3}

    assert_error(client.post(hook_url(wf), data=body, content_type="application/json"), 401)
    assert_error(client.post(hook_url(wf), data=body, headers=signed("wrong-secret", body)), 401)
    tampered = json.dumps({"amount": 300}).encode()
    assert_error(client.post(hook_url(wf), data=tampered, headers=signed("shh-its-a-secret", body)), 401)
    assert_error(client.post(hook_url(wf), data=body, headers={"X-AutomateOS-Signature": "md5=abc"}), 401)


def test_respond_when_finished_returns_the_result(client, user):
    wf = user.create_workflow(webhook_flow(ECHO, hook_params={"respond": "when_finished"}))
    resp = client.post(hook_url(wf), json={"a": 1})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "success" and body["result"]["body"] == {"a": 1}


def test_respond_when_finished_reports_a_failure_without_traceback(client, user):
    wf = user.create_workflow(webhook_flow({"id": "f", "type": "fail", "params": {"message": "nope"}},
                                           hook_params={"respond": "when_finished"}))
    body = client.post(hook_url(wf), json={}).get_json()
    assert body["status"] == "failed" and body["error"] == "nope" and "traceback" not in json.dumps(body).lower()


def test_respond_when_finished_gives_up_after_its_timeout(app, client, user):
    wf = user.create_workflow(webhook_flow({"id": "slow", "type": "delay", "params": {"seconds": 3}},
                                           hook_params={"respond": "when_finished", "respond_timeout_seconds": 1}))
    resp = client.post(hook_url(wf), json={})
    assert resp.status_code == 202 and resp.get_json()["status"] == "running"
    assert wait_for_log(app, user, resp.get_json()["log_id"])["status"] == "success"


def test_body_over_the_limit_is_413(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    big = b"x" * (app.config["WEBHOOK_MAX_BYTES"] + 1)
    assert_error(client.post(hook_url(wf), data=big, content_type="text/plain"), 413)


# --- bodies sent chunked (no Content-Length) -------------------------------------------

CHUNK = 64 * 1024


class CountingStream(io.RawIOBase):
    """A request body produced chunk by chunk, counting how much the app pulled."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.pending, self.pulled = chunks, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
            self.pulled += len(self.pending)
        n = min(len(buffer), len(self.pending))
        buffer[:n], self.pending = self.pending[:n], self.pending[n:]
        return n


def post_chunked(client, url: str, body: CountingStream, content_type: str = "text/plain"):
    """POST ``body`` the way a server hands over a chunked request: no length, terminated input."""
    environ = EnvironBuilder(path=url, method="POST", content_type=content_type,
                             headers={"Transfer-Encoding": "chunked"}).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BufferedReader(body), "wsgi.input_terminated": True})
    return client.open(Request(environ))


def chunks_of(total: int, fill: bytes = b"x") -> Iterator[bytes]:
    for start in range(0, total, CHUNK):
        yield fill * min(CHUNK, total - start)


def stored_runs(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(ExecutionLog))
        db.session.remove()
        return count


@pytest.mark.parametrize("size", [4_500_000, 20 * 1024 * 1024])
def test_chunked_body_over_the_limit_is_413_and_read_no_further(app, client, user, size):
    wf = user.create_workflow(webhook_flow(ECHO))
    body = CountingStream(chunks_of(size))
    assert_error(post_chunked(client, hook_url(wf), body), 413)
    assert body.pulled <= app.config["WEBHOOK_MAX_BYTES"] + 2 * CHUNK  # not the 20 MB
    assert stored_runs(app) == 0


def test_chunked_json_over_the_limit_is_413(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    big = json.dumps({"pad": "y" * (app.config["WEBHOOK_MAX_BYTES"] + 10)}).encode()
    resp = post_chunked(client, hook_url(wf), CountingStream(iter([big[i:i + CHUNK] for i in range(0, len(big), CHUNK)])),
                        "application/json")
    assert_error(resp, 413)
    assert stored_runs(app) == 0


def test_chunked_body_at_the_limit_is_stored_whole(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    limit = app.config["WEBHOOK_MAX_BYTES"]
    resp = post_chunked(client, hook_url(wf), CountingStream(chunks_of(limit, b"z")))
    assert resp.status_code == 202, resp.get_json()
    log = wait_for_log(app, user, resp.get_json()["log_id"])
    assert log["payload"]["body"] == "z" * limit


def test_chunked_json_and_form_bodies_are_parsed(app, client, user):
    wf = user.create_workflow(webhook_flow(ECHO))
    as_json = post_chunked(client, hook_url(wf), CountingStream(iter([b'{"order":', b' 7}'])), "application/json")
    as_form = post_chunked(client, hook_url(wf), CountingStream(iter([b"name=Ad", b"a&x=1"])),
                           "application/x-www-form-urlencoded")
    bodies = [wait_for_log(app, user, r.get_json()["log_id"])["result"]["body"] for r in (as_json, as_form)]
    assert bodies == [{"order": 7}, {"name": "Ada", "x": "1"}]


@pytest.fixture
def real_server(app):
    """The app on a real HTTP server on loopback (werkzeug's, which dechunks requests)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def raw_chunked_post(port: int, path: str, total: int, fill: bytes = b"x") -> tuple[int, bytes]:
    """Send ``total`` bytes chunked over a socket; (status, response body). Stops sending
    when the server answers early and closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode())
        try:
            for chunk in chunks_of(total, fill):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before the end and closed: read its answer
        response = b""
        while not complete(response) and (data := sock.recv(65536)):
            response += data
    head, _, payload = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), payload


def complete(response: bytes) -> bool:
    """True once a whole response (headers, then Content-Length bytes) has arrived: the
    server may keep the connection open to drain the rest of a refused body."""
    head, sep, payload = response.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    return length is not None and len(payload) >= length


def test_chunked_bodies_on_a_real_server(app, user, real_server):
    wf = user.create_workflow(webhook_flow(ECHO))
    limit = app.config["WEBHOOK_MAX_BYTES"]
    status, payload = raw_chunked_post(real_server, hook_url(wf), 4_500_000)
    assert status == 413 and json.loads(payload)["code"] == 413
    assert stored_runs(app) == 0
    status, payload = raw_chunked_post(real_server, hook_url(wf), limit - 100, b"k")
    assert status == 202
    assert wait_for_log(app, user, json.loads(payload)["log_id"])["payload"]["body"] == "k" * (limit - 100)
