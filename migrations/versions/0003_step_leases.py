"""step leases: a running step's lease expiry, renewed by its worker's heartbeat

Revision ID: 0003
Revises: 0002

A running step used to count as abandoned only after its node's time limit + 30 s (an
hour for ``delay``). It now carries ``lease_expires_at``, pushed forward by the worker
while the node works, and the reconciler finds lapsed leases through a partial index of
running steps. Steps left running by the previous release get one lease from the upgrade:
their old workers do not renew it, so a dead one's step is taken over soon after.
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

from automateos.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLE = "step_logs"
INDEX = "ix_step_logs_running_lease"
RUNNING = "status = 'running'"
UPGRADE_LEASE = timedelta(seconds=60)  # STEP_LEASE_SECONDS' default


def upgrade():
    op.add_column(TABLE, sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
    steps = sa.table(TABLE, sa.column("status", sa.String), sa.column("lease_expires_at", UTCDateTime()))
    op.execute(steps.update().where(steps.c.status == "running")
               .values(lease_expires_at=datetime.now(timezone.utc) + UPGRADE_LEASE))
    if op.get_bind().dialect.name == "postgresql":
        # CONCURRENTLY: upgrading a busy database must not block the engine's writes.
        with op.get_context().autocommit_block():
            op.create_index(INDEX, TABLE, ["lease_expires_at"], postgresql_where=sa.text(RUNNING),
                            postgresql_concurrently=True, if_not_exists=True)
        return
    op.create_index(INDEX, TABLE, ["lease_expires_at"], sqlite_where=sa.text(RUNNING))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    else:
        op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column("lease_expires_at")
