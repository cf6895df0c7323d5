"""The history's database side: migrations match the models, the search index is used,
and SQLite hands the space of deleted runs back."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from automateos.logs.service import search_condition
from tests.conftest import ON_SERVICES


# pytest resets the warning filters per test; the app silences this one for real commands.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_match_the_models(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output  # 1 when the models need a migration


@pytest.mark.skipif(not ON_SERVICES, reason="the trigram index exists on PostgreSQL only")
def test_q_search_uses_the_trigram_index_on_postgresql(app):
    query = select(ExecutionLog.id).where(search_condition("ALPHA-7"))
    with app.app_context():
        compiled = query.compile(db.engine)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + compiled.string, compiled.params))
    assert "ix_execution_logs_search" in plan, plan


@pytest.mark.skipif(ON_SERVICES, reason="SQLite only")
def test_sqlite_cleanup_returns_the_freed_pages_to_the_filesystem(app, workflow, add_logs):
    for _ in range(4):
        add_logs(workflow, 100, age=timedelta(days=60), payload={"body": "x" * 20_000})
    with app.app_context():
        assert db.session.execute(text("PRAGMA auto_vacuum")).scalar() == 2  # incremental, set by migration 0002
        pages_before = db.session.execute(text("PRAGMA page_count")).scalar()

    result = app.test_cli_runner().invoke(args=["logs", "cleanup", "--days", "30"])

    assert result.exit_code == 0, result.output
    assert "Deleted 400 run(s)" in result.output and "incremental vacuum returned" in result.output
    with app.app_context():
        assert db.session.execute(text("PRAGMA freelist_count")).scalar() == 0
        assert db.session.execute(text("PRAGMA page_count")).scalar() < pages_before - 1000
