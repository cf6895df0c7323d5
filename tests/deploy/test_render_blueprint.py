"""render.yaml against Render's published Blueprint JSON Schema (a copy in deploy/render/)
and the wiring the app needs: web + worker + Postgres + Key Value, shared generated secrets,
a build that builds the dashboard."""
from __future__ import annotations

import base64
import json
import os
from typing import Any

import jsonschema_rs
import pytest

from .files import ROOT, render_blueprint

SCHEMA = ROOT / "deploy" / "render" / "render.yaml.schema.json"


def validator() -> Any:
    schema = json.loads(SCHEMA.read_text())
    assert schema["$id"] == "https://render.com/schema/render.yaml.json"
    return jsonschema_rs.validator_for(schema)


def errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator().iter_errors(document)]


def test_render_yaml_is_valid_against_renders_schema():
    assert errors(render_blueprint()) == []


@pytest.mark.parametrize("mutate", [
    lambda b: b["services"][0].update(startComand="typo"),
    lambda b: b["services"][0].update(runtime="python3"),
    lambda b: b["services"][2].pop("ipAllowList"),
    lambda b: b["services"][2].update(maxmemoryPolicy="noevict"),
    lambda b: b["services"][0]["envVars"][-1]["fromService"].update(property="url"),
    lambda b: b["databases"][0].update(plan="huge"),
])
def test_the_schema_catches_mistakes(mutate):
    """The copy is a working schema: a typo or a wrong value in render.yaml fails it."""
    document = render_blueprint()
    assert [s["type"] for s in document["services"]] == ["web", "worker", "keyvalue"]
    mutate(document)
    assert errors(document)


def group_keys(name: str) -> dict[str, dict[str, Any]]:
    groups = {g["name"]: g["envVars"] for g in render_blueprint()["envVarGroups"]}
    return {v["key"]: v for v in groups[name]}


def test_web_and_worker_share_generated_secrets_and_the_encryption_key():
    services = {s["type"]: s for s in render_blueprint()["services"]}
    shared = set.intersection(*({e["fromGroup"] for e in services[kind]["envVars"] if "fromGroup" in e}
                                for kind in ("web", "worker")))
    assert shared
    keys = {k: v for group in shared for k, v in group_keys(group).items()}
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "AUTOMATEOS_ENCRYPTION_KEY"):
        assert keys[key].get("generateValue") is True, key
    # Relative to the checkout, where both services run; instance/ is kept out of git.
    folder = keys["PROMETHEUS_MULTIPROC_DIR"]["value"]
    assert folder.startswith("instance/") and "instance/" in (ROOT / ".gitignore").read_text().splitlines()


def test_a_value_render_generates_is_an_encryption_key_the_app_accepts():
    """Render's generateValue is "a base64-encoded 256-bit value" (standard alphabet: + and /)."""
    parse_key = pytest.importorskip("automateos.credentials.crypto").parse_key
    for _ in range(20):
        raw = os.urandom(32)
        value = base64.b64encode(raw).decode()
        assert parse_key(value) == raw


def test_web_and_worker_are_wired_to_the_database_and_key_value():
    document = render_blueprint()
    databases = {d["name"] for d in document["databases"]}
    keyvalues = {s["name"] for s in document["services"] if s["type"] == "keyvalue"}
    for svc in (s for s in document["services"] if s["type"] in ("web", "worker")):
        env = {e["key"]: e for e in svc["envVars"] if "key" in e}
        assert env["DATABASE_URL"]["fromDatabase"] == {"name": env["DATABASE_URL"]["fromDatabase"]["name"],
                                                       "property": "connectionString"}
        assert env["DATABASE_URL"]["fromDatabase"]["name"] in databases
        redis = env["REDIS_URL"]["fromService"]
        assert redis["type"] == "keyvalue" and redis["name"] in keyvalues and redis["property"] == "connectionString"


def test_the_web_build_builds_the_dashboard():
    web = next(s for s in render_blueprint()["services"] if s["type"] == "web")
    steps = [step.strip() for step in web["buildCommand"].split("&&")]
    assert steps[0].startswith("pip install")
    assert "cd frontend" in steps
    assert any(s.startswith("npm ci") for s in steps) and "npm run build" in steps
    package = json.loads((ROOT / "frontend" / "package.json").read_text())
    assert "build" in package["scripts"] and (ROOT / "frontend" / "package-lock.json").is_file()


def test_the_schema_copy_names_its_source_and_licence():
    readme = (ROOT / "deploy" / "render" / "README.md").read_text()
    assert "https://render.com/schema/render.yaml.json" in readme and "Licence" in readme
