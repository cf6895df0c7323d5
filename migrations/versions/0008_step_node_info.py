"""step_logs.logs and step_logs.node_version: a node's log lines and what version ran it

Revision ID: 0008
Revises: 0007

``logs`` holds the lines a node logged through ``ctx.log`` in its last attempt (secrets
masked), shown in the run's detail; ``node_version`` the node type's ``version`` and its
distribution's name and version. Both are NULL for steps recorded before.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('step_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logs', _json(), nullable=True))
        batch_op.add_column(sa.Column('node_version', _json(), nullable=True))


def downgrade():
    with op.batch_alter_table('step_logs', schema=None) as batch_op:
        batch_op.drop_column('node_version')
        batch_op.drop_column('logs')
