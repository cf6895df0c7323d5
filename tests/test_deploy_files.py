"""The deploy files (Procfile, render.yaml, .env.example) point at things that exist.

A typo in a start command or a setting nobody reads only shows up on the platform, after
a deploy; these tests catch it here. Commands are parsed by the real programs' own
argument parsers, entry points are looked up in the repo, every variable config.py or
gunicorn.conf.py reads is documented in .env.example and in docs/deployment.md's table,
and every documented variable is read by something. (The container, Render schema, Redis
and server files have their own tests in tests/deploy/.)
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.files import (environ_reads, procfile, procfile_argv, render_blueprint, render_service, settings_read,
                                string_constants)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.py"
# Set by the platform for its own use, not read by config.py.
PLATFORM_VARIABLES = {"PYTHON_VERSION"}
# Documented settings read by a library rather than by our code: prometheus-client reads
# the metrics folder when it is imported.
LIBRARY_VARIABLES = {"PROMETHEUS_MULTIPROC_DIR"}
# Read by docker-compose.production.yml only (it builds DATABASE_URL and REDIS_URL).
COMPOSE_VARIABLES = {"POSTGRES_PASSWORD", "REDIS_PASSWORD"}
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"


def env_example_names() -> list[str]:
    """Variables set in .env.example, commented-out (``# NAME=value``) or not."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")
    return [m.group(1) for line in (ROOT / ".env.example").read_text().splitlines() if (m := pattern.match(line))]


def module_defines(path: Path, name: str) -> bool:
    """True if the module at ``path`` binds ``name`` at top level (assignment or import)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == name for a in node.names):
            return True
    return False


# -- Procfile --------------------------------------------------------------------------------

def test_procfile_has_web_worker_and_release():
    assert {"web", "worker", "release"} <= set(procfile())


def test_web_process_is_gunicorn_serving_wsgi_app():
    from gunicorn.config import Config

    argv = procfile_argv("web")
    assert argv[0] == "gunicorn"
    args = Config().parser().parse_args(argv[1:])  # gunicorn's own parser: unknown flags fail
    assert args.args == ["wsgi:app"]
    assert module_defines(ROOT / "wsgi.py", "app")
    if args.config:
        assert (ROOT / args.config).is_file(), f"gunicorn config {args.config} is missing"


def test_worker_process_is_dramatiq_on_the_worker_module():
    from dramatiq.cli import make_argument_parser

    argv = procfile_argv("worker")
    assert argv[0] == "dramatiq"
    args = make_argument_parser().parse_args(argv[1:])  # dramatiq's own parser
    module, _, attribute = args.broker.partition(":")
    assert (ROOT / f"{module.replace('.', '/')}.py").is_file(), f"broker module {module} is missing"
    assert module_defines(ROOT / f"{module}.py", attribute or "broker")
    assert args.processes >= 1 and args.threads >= 1


def test_release_runs_the_migrations():
    from flask_migrate.cli import db

    argv = procfile_argv("release")
    assert argv[:3] == ["flask", "--app", "wsgi"] and argv[3:] == ["db", "upgrade"]
    assert "upgrade" in db.commands
    assert any((ROOT / "migrations" / "versions").glob("*.py"))


# -- render.yaml -------------------------------------------------------------------------------

def test_render_services_run_the_procfile_commands():
    procs = procfile()
    web, worker = render_service("web"), render_service("worker")
    assert web["startCommand"] == procs["web"]
    assert web["preDeployCommand"] == procs["release"]
    assert worker["startCommand"] == procs["worker"]
    for service in (web, worker):
        assert service["runtime"] == "python"
        assert re.search(r"\bpip install\b.*\s\.(\[[\w,]+\])?(\s|$)", service["buildCommand"]), "must install the package"


def test_render_health_check_is_served(client):
    path = render_service("web")["healthCheckPath"]
    assert path == "/healthz"
    assert client.get(path).status_code == 200


def _service_env(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Key -> spec of a service's variables, its env var groups included."""
    blueprint = render_blueprint()
    groups = {g["name"]: g["envVars"] for g in blueprint.get("envVarGroups", [])}
    env: dict[str, dict[str, Any]] = {}
    for item in service["envVars"]:
        if "fromGroup" in item:
            assert item["fromGroup"] in groups, f"unknown env var group {item['fromGroup']}"
            env.update({v["key"]: v for v in groups[item["fromGroup"]]})
        else:
            env[item["key"]] = item
    return env


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_render_services_get_production_settings(kind):
    blueprint = render_blueprint()
    env = _service_env(render_service(kind))
    assert env["AUTOMATEOS_ENV"]["value"] == "production"
    assert env["SECRET_KEY"].get("generateValue") is True
    assert env["JWT_SECRET_KEY"].get("generateValue") is True

    database = env["DATABASE_URL"]["fromDatabase"]
    assert database["property"] == "connectionString"
    assert database["name"] in {d["name"] for d in blueprint["databases"]}

    redis = env["REDIS_URL"]["fromService"]
    assert redis["type"] == "keyvalue" and redis["property"] == "connectionString"
    assert redis["name"] == render_service("keyvalue")["name"]

    unknown = set(env) - environ_reads(CONFIG) - PLATFORM_VARIABLES - LIBRARY_VARIABLES - string_constants()
    assert not unknown, f"render.yaml sets variables nothing reads: {sorted(unknown)}"


def test_render_secrets_are_shared_by_web_and_worker():
    """Generated values differ per service unless they come from one group."""
    web, worker = render_service("web"), render_service("worker")
    web_groups = {i["fromGroup"] for i in web["envVars"] if "fromGroup" in i}
    worker_groups = {i["fromGroup"] for i in worker["envVars"] if "fromGroup" in i}
    groups = {g["name"]: {v["key"] for v in g["envVars"]} for g in render_blueprint().get("envVarGroups", [])}
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        assert any(key in groups[g] for g in web_groups & worker_groups), f"{key} is not shared"


def test_render_key_value_keeps_queues():
    keyvalue = render_service("keyvalue")
    assert "ipAllowList" in keyvalue  # required by Render for Key Value
    assert keyvalue["maxmemoryPolicy"] == "noeviction"


# -- .env.example and the deployment guide's table ---------------------------------------------

def deployment_table_names() -> set[str]:
    """Variables in the first column of docs/deployment.md's tables (`| `NAME` | ...`)."""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", DEPLOYMENT_DOC.read_text(), re.M))


def test_every_setting_read_is_in_env_example_and_the_deployment_table():
    documented = env_example_names()
    assert len(documented) == len(set(documented)), "a variable is listed twice in .env.example"
    read = settings_read()
    assert {"SECRET_KEY", "DATABASE_URL", "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"} <= read, \
        "the parser of config.py/gunicorn.conf.py misses reads"
    assert not read - set(documented), f"read but not in .env.example: {sorted(read - set(documented))}"
    table = deployment_table_names()
    assert not read - table, f"read but not in docs/deployment.md's table: {sorted(read - table)}"


def test_every_documented_variable_is_read_by_something():
    documented = set(env_example_names())
    known = settings_read() | string_constants() | LIBRARY_VARIABLES | COMPOSE_VARIABLES
    assert not documented - known, f".env.example lists variables nothing reads: {sorted(documented - known)}"
    compose = (ROOT / "docker-compose.production.yml").read_text()
    for name in COMPOSE_VARIABLES:
        assert f"${{{name}" in compose, f"{name} is documented for compose but compose does not use it"
    table = deployment_table_names()
    assert not documented - table, f"in .env.example but not in docs/deployment.md's table: {sorted(documented - table)}"
