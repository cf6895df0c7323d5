"""a run's save policy snapshot: finishing a run no longer reads its workflow

Revision ID: 0004
Revises: 0003

``execution_logs.save_policy`` holds the workflow's ``save`` policy when the run started
(the engine may not read the workflows table: the package map puts the engine below the
workflows). Unfinished runs get their workflow's current policy, which is what they would
have read when finishing; finished runs keep NULL (read as "all"), nothing reads it again.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("execution_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("save_policy", sa.String(length=20), nullable=True))
    runs = sa.table("execution_logs", sa.column("workflow_id", sa.Integer), sa.column("status", sa.String),
                    sa.column("save_policy", sa.String))
    workflows = sa.table("workflows", sa.column("id", sa.Integer), sa.column("save_policy", sa.String))
    op.execute(runs.update().where(runs.c.status.in_(("queued", "running"))).values(
        save_policy=sa.select(workflows.c.save_policy).where(workflows.c.id == runs.c.workflow_id).scalar_subquery()
    ))


def downgrade():
    with op.batch_alter_table("execution_logs", schema=None) as batch_op:
        batch_op.drop_column("save_policy")
