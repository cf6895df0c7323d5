"""Migrations up and down on PostgreSQL, from empty and from each earlier revision, through
the CLI in subprocesses on a throwaway database (services pass)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.conftest import ON_SERVICES

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "automateos"

pytestmark = pytest.mark.skipif(not ON_SERVICES, reason="PostgreSQL migrations: services pass")

# In one process (an app boot per step would take minutes): walk the chain, and at every
# revision go down one and up again, then from head down to base; print the tables seen.
WALK = """
import json, sys
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from automateos import create_app
from automateos.extensions import db
app = create_app()
with app.app_context():
    script = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
    from alembic.script import ScriptDirectory
    revisions = [r.revision for r in reversed(list(ScriptDirectory.from_config(script).walk_revisions()))]
    seen = {}
    for revision in revisions:
        upgrade(revision=revision)
        downgrade(revision="-1")
        upgrade(revision=revision)
        db.engine.dispose()
        seen[revision] = sorted(inspect(db.engine).get_table_names())
    downgrade(revision="base")
    db.engine.dispose()
    seen["base"] = sorted(inspect(db.engine).get_table_names())
print(json.dumps({"revisions": revisions, "tables": seen}))
"""


@pytest.fixture
def throwaway_url() -> str:
    """A fresh database next to the suite's, dropped afterwards."""
    suite = urlsplit(os.environ["DATABASE_URL"])
    name = f"h11_migrations_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(suite._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(suite._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AUTOMATEOS_ENV": "development",
            "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


def _cli(args: list[str], url: str, tmp_path: Path) -> str:
    result = subprocess.run([str(SCRIPT), *args], cwd=ROOT, env=_env(url, tmp_path), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_upgrade_from_empty_and_downgrade_to_base_through_the_cli(throwaway_url: str, tmp_path: Path) -> None:
    _cli(["db", "upgrade"], throwaway_url, tmp_path)
    heads = _cli(["db", "heads"], throwaway_url, tmp_path).split()[0]
    assert _cli(["db", "current"], throwaway_url, tmp_path).split()[0] == heads
    _cli(["db", "downgrade", "base"], throwaway_url, tmp_path)
    assert _cli(["db", "current"], throwaway_url, tmp_path).strip() == ""
    _cli(["db", "upgrade"], throwaway_url, tmp_path)  # and up again on what the downgrade left


def test_each_revision_goes_down_and_up_again(throwaway_url: str, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", WALK], cwd=ROOT, env=_env(throwaway_url, tmp_path),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    walked = json.loads(result.stdout.strip().splitlines()[-1])
    revisions, tables = walked["revisions"], walked["tables"]
    assert len(revisions) >= 8
    assert "users" in tables[revisions[0]] and "execution_logs" in tables[revisions[0]]
    # Each revision keeps or adds tables (none of ours drops one), and base is empty but
    # Alembic's own table.
    for before, after in zip(revisions, revisions[1:]):
        assert set(tables[before]) <= set(tables[after]), (before, after)
    assert tables["base"] == ["alembic_version"]
