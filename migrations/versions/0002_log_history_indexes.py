"""execution history: indexes for the logs API, retention and the q search

Revision ID: 0002
Revises: 0001

PostgreSQL: the trigram extension, the search-text function and its GIN index; every
index is built CONCURRENTLY so that upgrading a busy database never blocks webhooks.
SQLite: the same b-tree indexes, and incremental auto-vacuum so that
``PRAGMA incremental_vacuum`` can hand the pages of deleted logs back to the filesystem.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TABLE = "execution_logs"
# name, columns, partial-index predicate (None: a full index)
BTREE_INDEXES = (
    ("ix_execution_logs_workflow_status_started", ["workflow_id", "status", "started_at", "id"], None),
    ("ix_execution_logs_started", ["started_at", "id"], None),
    ("ix_execution_logs_owner_failed", ["owner_id", "started_at", "id"], "status = 'failed'"),
    ("ix_execution_logs_retry_of", ["retry_of"], "retry_of IS NOT NULL"),
)
# The log tables only grow and shrink in bulk: vacuum them after 2 % of changed rows (not
# the default 20 %) so the visibility map stays fresh (index-only counts stay fast) and
# deleted rows are reusable soon after a cleanup.
AUTOVACUUM = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_insert_scale_factor",
              "autovacuum_analyze_scale_factor")
SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION automateos_log_search_text(payload jsonb, result jsonb, error jsonb)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(payload::text, '') || ' ' || coalesce(result::text, '') || ' ' || coalesce(error::text, '')
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute(SEARCH_FUNCTION)
            for name, columns, where in BTREE_INDEXES:
                op.create_index(name, TABLE, columns, postgresql_where=sa.text(where) if where else None,
                                postgresql_concurrently=True, if_not_exists=True)
            op.execute(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_execution_logs_search ON execution_logs "
                "USING gin (automateos_log_search_text(payload, result, error) gin_trgm_ops)"
            )
            for table in (TABLE, "step_logs"):
                op.execute(f"ALTER TABLE {table} SET ({', '.join(f'{name} = 0.02' for name in AUTOVACUUM)})")
        return
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name, columns, where in BTREE_INDEXES:
            batch_op.create_index(name, columns, sqlite_where=sa.text(where) if where else None)
    # auto_vacuum can only change on a database with no tables, or through a VACUUM.
    with op.get_context().autocommit_block():
        op.execute("PRAGMA auto_vacuum = INCREMENTAL")
        op.execute("VACUUM")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for table in (TABLE, "step_logs"):
                op.execute(f"ALTER TABLE {table} RESET ({', '.join(AUTOVACUUM)})")
            op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_execution_logs_search")
            for name, _columns, _where in BTREE_INDEXES:
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute("DROP FUNCTION IF EXISTS automateos_log_search_text(jsonb, jsonb, jsonb)")
        return
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name, _columns, _where in BTREE_INDEXES:
            batch_op.drop_index(name)
    with op.get_context().autocommit_block():
        op.execute("PRAGMA auto_vacuum = NONE")
        op.execute("VACUUM")
