"""Configuration: every entry point refuses a bad environment with one line per bad
variable and the exit code its tool expects, never a traceback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.conftest import ON_SERVICES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PREFIX = "automateos: config refused: "

BAD_PRODUCTION = {
    "AUTOMATEOS_ENV": "production",
    "SECRET_KEY": "short",
    "JWT_SECRET_KEY": "change-me-too",
    "DATABASE_URL": "sqlite:///refused.db",
    "JWT_ACCESS_MINUTES": "fifteen",
    "FLASK_DEBUG": "1",
}
EXPECTED_NAMES = ["JWT_ACCESS_MINUTES", "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL",
                  "FLASK_DEBUG", "AUTOMATEOS_ENCRYPTION_KEY"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A clean environment: nothing of the developer's (or the suite's) settings leaks in.
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run(args, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60)


def _refusals(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(PREFIX)]


def _check_refused(result: subprocess.CompletedProcess[str], exit_code: int) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == exit_code, output
    assert "Traceback" not in output
    lines = _refusals(result.stderr)
    # One line per bad variable, each naming it.
    assert [line.removeprefix(PREFIX).split(":")[0].split(" ")[0] for line in lines] == EXPECTED_NAMES, lines


def test_flask_cli_refuses_with_one_line_per_variable(tmp_path: Path) -> None:
    result = _run([str(BIN / "flask"), "--app", "wsgi", "routes"], BAD_PRODUCTION, tmp_path)
    _check_refused(result, 1)
    # Nothing else on stderr: the lines are the whole message.
    assert result.stderr.splitlines() == _refusals(result.stderr)


def test_gunicorn_stops_its_arbiter_on_a_refused_config(tmp_path: Path) -> None:
    args = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", "2",
            "--bind", f"127.0.0.1:{_free_port()}"]
    result = _run(args, BAD_PRODUCTION, tmp_path)
    assert "Worker failed to boot" in result.stderr
    # gunicorn halts with WORKER_BOOT_ERROR instead of respawning workers for ever.
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    lines = _refusals(result.stderr)
    assert lines and set(lines) == set(lines[:len(EXPECTED_NAMES)])


def test_dramatiq_worker_refuses_with_one_line_per_variable(tmp_path: Path) -> None:
    args = [str(BIN / "dramatiq"), "worker", "--processes", "1", "--threads", "1"]
    result = _run(args, BAD_PRODUCTION, tmp_path)
    _check_refused(result, 2)
    assert "alembic" not in result.stderr  # no migration chatter at a worker's boot


def test_console_script_refuses_too(tmp_path: Path) -> None:
    result = _run([str(BIN / "automateos"), "routes"], BAD_PRODUCTION, tmp_path)
    _check_refused(result, 1)


@pytest.mark.parametrize(("env", "line"), [
    ({"SECRET_KEY": "x" * 31}, "SECRET_KEY: must be at least 32 bytes, got 31"),
    ({"SECRET_KEY": "change-me"}, "SECRET_KEY: is a placeholder"),
    ({"DATABASE_URL": ""}, "DATABASE_URL: must be set in production"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL: must start with redis://"),
    ({"AUTOMATEOS_ENCRYPTION_KEY": "not-a-fernet-key"}, "AUTOMATEOS_ENCRYPTION_KEY"),
    ({"STEP_LEASE_SECONDS": "nan"}, "STEP_LEASE_SECONDS: must be at least 1"),
    ({"LOGIN_RATE_LIMIT": "lots"}, "LOGIN_RATE_LIMIT: not a rate limit"),
    ({"AUTOMATEOS_ENV": "prod"}, "AUTOMATEOS_ENV: must be one of development | production | testing"),
    ({"DEBUG": "true"}, "DEBUG: debug mode is refused in production"),
])
def test_each_refusal_names_its_variable(tmp_path: Path, env: dict[str, str], line: str) -> None:
    good = {
        "AUTOMATEOS_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "JWT_SECRET_KEY": "j" * 48,
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/unused",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AUTOMATEOS_ENCRYPTION_KEY": "6XNgARjnF4uemPtXGetAJ7UcwAyKJn9bL5EZK8TPMws=",
    }
    code = "import wsgi"
    result = _run([sys.executable, "-c", code], {**good, **env}, tmp_path)
    assert result.returncode == 1, result.stderr
    lines = _refusals(result.stderr)
    assert len(lines) == 1 and lines[0].removeprefix(PREFIX).startswith(line), result.stderr


def test_a_good_production_config_builds(tmp_path: Path) -> None:
    env = {
        "AUTOMATEOS_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/unused",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AUTOMATEOS_ENCRYPTION_KEY": "6XNgARjnF4uemPtXGetAJ7UcwAyKJn9bL5EZK8TPMws=",
    }
    result = _run([sys.executable, "-c", "import wsgi; print(wsgi.app.config['ENV_NAME'])"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("production")


def test_readyz_names_the_unreachable_backend(app, client, monkeypatch: pytest.MonkeyPatch) -> None:
    # The probe reads REDIS_URL per request: point it where nothing listens. (A second app
    # would rebind the process-wide limiter to that Redis.)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{_free_port()}/0")
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("error")
    assert body["message"] == "unreachable: redis"


@pytest.mark.skipif(not ON_SERVICES, reason="rate-limit storage is Redis on the services pass")
def test_rate_limit_keys_live_under_the_namespace(app, client) -> None:
    client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "wrong password"})
    client_redis = redis.Redis.from_url(app.config["REDIS_URL"])
    ours = [k.decode() for k in client_redis.scan_iter("*nobody@example.com*")]
    assert ours and all(k.startswith(f"{app.config['REDIS_NAMESPACE']}:") for k in ours), ours
    assert not list(client_redis.scan_iter("LIMITS:*nobody@example.com*"))
