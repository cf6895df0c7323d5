"""plugins/template, installed as pip would install it, passes its own tests (the kit only).

The distribution's metadata is written from its pyproject.toml (name, version, entry
points) into a ``.dist-info`` folder next to the package, so importlib.metadata sees the
template exactly as an installed package: its nodes and credential type load through their
entry points, in a fresh interpreter running pytest with AutomateOS's plugin.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "plugins" / "template"


def install_metadata(pyproject: Path, into: Path) -> None:
    """Write ``<name>-<version>.dist-info`` (METADATA, entry_points.txt) for ``pyproject``."""
    project = tomllib.loads(pyproject.read_text())["project"]
    dist_info = into / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    groups = project.get("entry-points", {})
    (dist_info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in eps.items()) + "\n"
        for group, eps in groups.items()))


def test_the_template_passes_its_own_tests_once_installed(tmp_path: Path) -> None:
    install_metadata(TEMPLATE / "pyproject.toml", tmp_path)
    # ROOT: config.py is a top-level module beside the package, importable from the repository.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(TEMPLATE), str(ROOT)])}

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests"],
        cwd=TEMPLATE, env=env, capture_output=True, text=True, timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed" in done.stdout


def test_the_template_declares_what_it_ships() -> None:
    project = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())["project"]
    assert set(project["entry-points"]["automateos.nodes"]) == {"example_greet", "example_create_item"}
    assert (TEMPLATE / "README.md").read_text().count("pip install -e plugins/template") == 1
