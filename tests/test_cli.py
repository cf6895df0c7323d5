"""The ``automateos`` console script: the Flask CLI with the app set, from any directory."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "automateos"


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # No venv activated (PATH without it), another working directory, a fresh SQLite file.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AUTOMATEOS_ENV": "development",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run([str(SCRIPT), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def test_db_upgrade_then_logs_stats_without_a_venv(tmp_path: Path) -> None:
    upgraded = _run(["db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "cli.db").exists()
    stats = _run(["logs", "stats", "--json"], tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["runs"] == 0


def test_help_lists_the_project_commands(tmp_path: Path) -> None:
    result = _run(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("db", "logs", "serve", "executions", "credentials"):
        assert f"\n  {command} " in result.stdout


def test_an_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = _run(["no-such-command"], tmp_path)
    assert result.returncode == 2
    assert "No such command" in result.stderr


if os.name != "posix":  # the script path above is the POSIX venv layout
    import pytest

    pytestmark = pytest.mark.skip("POSIX venv layout")


def test_workers_status_shows_the_suites_worker(app) -> None:
    """Services pass: the suite's in-process Worker heartbeats on Redis and is listed alive."""
    from tests.conftest import ON_SERVICES

    if not ON_SERVICES:
        import pytest

        pytest.skip("heartbeats live in Redis")
    result = app.test_cli_runner().invoke(args=["workers", "status", "--json"])
    assert result.exit_code == 0, result.output
    seen = json.loads(result.output)
    assert any(w["alive"] and w["last_seen_seconds"] < 60 for w in seen), seen


def test_workers_status_without_redis_says_why(app) -> None:
    from tests.conftest import ON_SERVICES

    if ON_SERVICES:
        import pytest

        pytest.skip("embedded mode only")
    result = app.test_cli_runner().invoke(args=["workers", "status"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def test_api_docs_serve_pinned_local_swagger_ui(client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cdn." not in html and "/api/docs/assets/swagger-ui-bundle.js" in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        resp = client.get(f"/api/docs/assets/{asset}")
        assert resp.status_code == 200 and len(resp.data) > 1000, asset
    assert client.get("/api/docs/assets/../../config.py").status_code == 404
