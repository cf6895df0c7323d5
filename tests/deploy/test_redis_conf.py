"""redis.conf is a config Redis accepts, with the settings the broker needs: a throwaway
redis-server (never the shared one) runs a copy with a test password, port and folder."""
from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.reliability.processes import Service, free_port, wait_until

from .files import ROOT

CONFIG = ROOT / "redis.conf"


def setting(name: str) -> str:
    """The value redis.conf gives ``name`` (its last occurrence)."""
    values = re.findall(rf"^{re.escape(name)} (.+)$", CONFIG.read_text(), re.M)
    assert values, f"redis.conf does not set {name}"
    return values[-1].strip()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[redis.Redis]:
    """redis-server on a copy of redis.conf: own port, password and data folder, loopback."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port, password = free_port(), secrets.token_hex(16)
    text = CONFIG.read_text()
    for name, value in (("port", str(port)), ("bind", "127.0.0.1"), ("dir", str(tmp_path)),
                        ("requirepass", password)):
        text, count = re.subn(rf"^{name} .+$", f"{name} {value}", text, flags=re.M)
        assert count == 1, f"redis.conf sets {name} {count} times"
    copy = tmp_path / "redis.conf"
    copy.write_text(text)
    process = Service("redis", ["redis-server", str(copy)], {"PATH": "/usr/bin:/bin"}, tmp_path / "redis.log")
    process.start()
    client = redis.Redis(port=port, password=password, socket_timeout=5)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    try:
        wait_until(answers, 15, "redis-server on the shipped config", (process,))
        yield client
    finally:
        process.stop(grace=5)


def test_redis_runs_the_shipped_config_with_its_settings(server: redis.Redis):
    config = server.config_get("*")
    assert config["maxmemory-policy"] == "noeviction"  # the broker must never lose a message
    assert config["appendonly"] == "yes" and config["appendfsync"] == "everysec"
    assert config["timeout"] == setting("timeout") == "0"  # SSE streams idle between events
    assert config["tcp-keepalive"] == setting("tcp-keepalive")
    assert config["protected-mode"] == "yes"
    assert config["requirepass"], "no password"
    # Writes survive in the append-only file.
    server.rpush("automateos:test", "message")
    assert server.lrange("automateos:test", 0, -1) == [b"message"]
    assert Path(config["dir"], config["appenddirname"]).is_dir()


def test_redis_refuses_clients_without_the_password(server: redis.Redis):
    port = server.connection_pool.connection_kwargs["port"]
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port, socket_timeout=5).ping()


def test_the_shipped_password_is_a_placeholder_compose_overrides():
    assert setting("requirepass") == "change-me-redis-password"
    assert "--requirepass" in (ROOT / "docker-compose.production.yml").read_text()
