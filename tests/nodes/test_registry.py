"""The registry, through real installed distributions (tests/fixtures/node_dists).

Each scenario runs the registry in a fresh interpreter with the fixture folder on
``PYTHONPATH``: importlib.metadata then finds the test distributions exactly as it finds
pip-installed ones. Built-ins load; a broken import, a contract violation and a duplicate
type are reported and skipped; the allow- and deny-lists hold; nothing is fatal.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automateos.nodes.base import Node
from automateos.nodes.registry import (
    UnknownNodeType,
    clear_cache,
    contract_problems,
    get_node_type,
    load_node_types,
)

ROOT = Path(__file__).resolve().parents[2]
DISTS = ROOT / "tests" / "fixtures" / "node_dists"
BUILTINS = {
    "webhook", "manual", "schedule", "http_request", "transform",
    "filter", "if", "merge", "delay", "fail", "respond",
}

PROBE = r"""
import json, sys
from flask import Flask
from automateos.nodes.registry import load_errors, node_version, registry
from automateos.nodes.cli import nodes_cli

reg = registry()
out = {
    "entries": {e.type + "@" + (e.package or "?"): e.as_dict() for e in reg.entries},
    "types": {t: c.__module__ for t, c in reg.types.items()},
    "errors": load_errors(),
    "imported": sorted(m for m in sys.modules if m.startswith("aos_test_")),
    "shout_version": node_version("shout_test") if "shout_test" in reg.types else None,
}
app = Flask("probe")
app.config.update(json.loads(sys.argv[1]))
app.cli.add_command(nodes_cli)
with app.app_context():
    out["types_in_app"] = sorted(registry().types)
runner = app.test_cli_runner()
listed = runner.invoke(args=["nodes", "list"])
checked = runner.invoke(args=["nodes", "list", "--problems", "--check"])
out["cli"] = {"output": listed.output, "exit": listed.exit_code,
              "check_output": checked.output, "check_exit": checked.exit_code}
print("PROBE" + json.dumps(out))
"""


def probe(env: dict[str, str] | None = None, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the registry in a new interpreter with the test distributions installed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTOMATEOS_NODES_")}
    clean["PYTHONPATH"] = os.pathsep.join([str(DISTS), str(ROOT)])
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(config or {})], cwd=ROOT,
                          env={**clean, **(env or {})}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("PROBE"))
    result = json.loads(line[len("PROBE"):])
    result["stderr"] = done.stderr
    return result


@pytest.fixture(scope="module")
def installed() -> dict[str, Any]:
    """The registry with every test distribution installed and no selection."""
    return probe()


def entry(result: dict[str, Any], type_name: str, package: str) -> dict[str, Any]:
    return result["entries"][f"{type_name}@{package}"]


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    """In-process tests discover anew and leave nothing cached behind."""
    clear_cache()
    yield
    clear_cache()


def test_all_builtins_load_and_honour_the_contract() -> None:
    types = load_node_types()
    assert set(types) >= BUILTINS
    for name in BUILTINS:
        assert contract_problems(name, types[name]) == [], name
        assert types[name].__doc__


def test_an_unknown_type_is_a_lookup_error() -> None:
    with pytest.raises(UnknownNodeType):
        get_node_type("teleport")


def test_a_good_plugin_loads_with_its_package_and_version(installed: dict[str, Any]) -> None:
    assert set(installed["types"]) >= BUILTINS | {"echo_test", "shout_test"}
    shout = entry(installed, "shout_test", "automateos_test_good")
    assert shout["status"] == "loaded" and shout["package_version"] == "1.2.0"
    assert installed["shout_version"] == {"node": 3, "package": "automateos_test_good", "package_version": "1.2.0"}


@pytest.mark.parametrize(("type_name", "reason"), [
    ("crash_test", "ModuleNotFoundError: No module named 'aos_test_dependency_nobody_installed'"),
    ("missing_test", "No module named 'aos_test_not_installed'"),
    ("exit_test", "SystemExit: this plugin refuses to load"),
])
def test_a_plugin_that_fails_to_import_is_reported_and_skipped(
    installed: dict[str, Any], type_name: str, reason: str
) -> None:
    reported = entry(installed, type_name, "automateos_test_broken")
    assert reported["status"] == "import_error"
    assert reason in reported["message"]
    assert type_name not in installed["types"]
    assert reported in installed["errors"]
    assert f"node plugin {type_name!r}" in installed["stderr"]  # logged


@pytest.mark.parametrize(("type_name", "reasons"), [
    ("liar_test", ["declares type 'not_liar', entry point says 'liar_test'"]),
    ("lazy_test", ["does not implement execute(ctx, params, input)"]),
    ("plain_test", ["is not a subclass of automateos.nodes.base.Node"]),
    ("sloppy_test", ["declares no name", "unknown category 'sideways'", "version must be an integer",
                     "declares no output port", "max_retries must be", "timeout_seconds must be",
                     "blocking must be True or False", "params_schema must be a marshmallow Schema"]),
    ("keyless_test", ["has a CredentialId param 'credential' but no credential_type"]),
])
def test_a_class_that_breaks_the_contract_is_reported_and_skipped(
    installed: dict[str, Any], type_name: str, reasons: list[str]
) -> None:
    assert type_name not in installed["types"] and "not_liar" not in installed["types"]
    reported = entry(installed, type_name, "automateos_test_contract")
    assert reported["status"] == "contract_violation"
    for reason in reasons:
        assert reason in reported["message"]


def test_a_type_claimed_by_two_packages_loads_neither(installed: dict[str, Any]) -> None:
    assert "dup_test" not in installed["types"]
    for package in ("automateos_test_dup_a", "automateos_test_dup_b"):
        reported = entry(installed, "dup_test", package)
        assert reported["status"] == "duplicate"
        assert "automateos_test_dup_a 1.0.0, automateos_test_dup_b 2.0.0" in reported["message"]


def test_a_builtin_type_cannot_be_taken_over(installed: dict[str, Any]) -> None:
    assert installed["types"]["transform"] == "automateos.nodes.builtin.transform"
    reported = entry(installed, "transform", "automateos_test_dup_a")
    assert reported["status"] == "duplicate" and "built into AutomateOS" in reported["message"]


def test_the_deny_list_skips_types_and_whole_packages_without_importing_them() -> None:
    result = probe({"AUTOMATEOS_NODES_DISABLED": "automateos-test-broken, echo_*, delay"})
    assert entry(result, "crash_test", "automateos_test_broken")["status"] == "disabled"
    assert entry(result, "echo_test", "automateos_test_good")["status"] == "disabled"
    assert "aos_test_broken" not in result["imported"] and "aos_test_exits" not in result["imported"]
    assert "delay" not in result["types"] and "shout_test" in result["types"]
    assert all(e["status"] != "disabled" for e in result["errors"])  # disabled is no problem


def test_the_allow_list_keeps_only_what_it_names() -> None:
    result = probe({"AUTOMATEOS_NODES_ENABLED": "automateos,echo_test"})
    plugins = {t for t, module in result["types"].items() if not module.startswith("automateos.")}
    assert plugins == {"echo_test"} and set(result["types"]) >= BUILTINS
    assert entry(result, "shout_test", "automateos_test_good")["status"] == "disabled"
    assert result["errors"] == []


def test_the_app_config_overrides_the_environment() -> None:
    result = probe({"AUTOMATEOS_NODES_DISABLED": "echo_test"}, config={"NODES_DISABLED": ["shout_test"]})
    assert "echo_test" not in result["types"]  # outside the app: the environment
    assert "echo_test" in result["types_in_app"] and "shout_test" not in result["types_in_app"]


def test_flask_nodes_list_shows_a_status_column(installed: dict[str, Any]) -> None:
    cli = installed["cli"]
    assert cli["exit"] == 0
    lines = cli["output"].splitlines()
    assert lines[0].split() == ["TYPE", "STATUS", "PACKAGE", "VERSION", "DETAIL"]
    rows = {tuple(line.split()[:3]) for line in lines[1:]}
    assert ("crash_test", "import_error", "automateos_test_broken") in rows
    assert ("shout_test", "loaded", "automateos_test_good") in rows
    assert ("dup_test", "duplicate", "automateos_test_dup_b") in rows
    assert cli["check_exit"] == 1 and "shout_test" not in cli["check_output"]


def test_get_api_nodes_lists_load_problems_apart(client, user, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(DISTS))
    clear_cache()

    catalogue = client.get("/api/nodes")
    problems = user.get("/api/nodes/problems")

    assert catalogue.status_code == 200 and isinstance(catalogue.json, list)  # the editor's shape
    shown = {n["type"]: n for n in catalogue.json}
    assert shown["shout_test"]["package"] == "automateos_test_good"
    assert shown["transform"]["package"] == "automateos" and shown["transform"]["credential_type"] is None
    assert int(catalogue.headers["X-Node-Problems"]) == len(problems.json) > 0
    assert problems.status_code == 200
    assert {(p["type"], p["status"]) for p in problems.json} >= {
        ("crash_test", "import_error"), ("liar_test", "contract_violation"), ("dup_test", "duplicate")}
    assert client.get("/api/nodes/problems").status_code == 401


def test_a_plain_class_is_not_a_node() -> None:
    assert contract_problems("x", object) == ["is not a subclass of automateos.nodes.base.Node"]
    assert "does not implement execute(ctx, params, input)" in contract_problems("x", Node)
