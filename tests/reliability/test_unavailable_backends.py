"""In-process: a backend that cannot be reached is a 503 in the error shape, never a 500."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import dramatiq
import pytest
import redis
from flask import Flask

from automateos import create_app
from automateos.engine.broker import build_broker
from config import TestConfig

from .processes import free_port


def assert_unavailable(resp) -> None:
    """503 in the one error shape, with a Retry-After the client can wait for."""
    body = resp.get_json()
    assert resp.status_code == 503, body
    assert set(body) == {"code", "status", "message"} and body["code"] == 503 and body["message"]
    assert resp.headers["Retry-After"].isdigit() and int(resp.headers["Retry-After"]) > 0
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.fixture
def app_with_dead_backends(app: Flask) -> Iterator[Flask]:
    """A second app whose database and Redis listen nowhere (the suite's app stays bound)."""
    dead_pg, dead_redis = free_port(), free_port()

    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://postgres@127.0.0.1:{dead_pg}/nowhere"
        DEAD_REDIS_URL = f"redis://127.0.0.1:{dead_redis}/0"

    other = create_app(Unreachable)

    @other.get("/api/test-needs-redis")
    def needs_redis() -> str:
        return str(redis.Redis.from_url(other.config["DEAD_REDIS_URL"]).ping())

    yield other


def test_database_unreachable_is_503(app_with_dead_backends: Flask):
    client = app_with_dead_backends.test_client()
    assert_unavailable(client.post("/api/auth/login", json={"email": "a@example.com", "password": "long enough pw"}))
    assert_unavailable(client.post("/api/auth/register", json={"email": "b@example.com", "password": "long enough pw"}))


def test_redis_unreachable_is_503(app_with_dead_backends: Flask):
    assert_unavailable(app_with_dead_backends.test_client().get("/api/test-needs-redis"))


def test_broker_gives_up_on_a_redis_that_hangs():
    # Given a "Redis" that accepts connections and never answers (paused, partitioned)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        broker = build_broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        outcome: list[BaseException | None] = []

        def send() -> None:
            try:
                broker.enqueue(dramatiq.Message(queue_name="q", actor_name="a", args=(), kwargs={}, options={}))
                outcome.append(None)
            except BaseException as exc:  # recorded for the assertion below
                outcome.append(exc)

        # When a web request enqueues a step
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        sender.join(120)  # a bound, not a timing goal: without timeouts it would never return
        # Then the send fails (the webhook view logs it; the reconciler resends) instead of hanging
        assert not sender.is_alive(), "enqueue still waiting on a Redis that never answers"
        assert len(outcome) == 1 and isinstance(outcome[0], redis.exceptions.TimeoutError), outcome
