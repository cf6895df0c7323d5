"""webhook deliveries: a retried delivery starts no second run

Revision ID: 0009
Revises: 0008

One row per delivery id a workflow's webhook received, unique per workflow: the unique
constraint, not a read-then-write, turns concurrent retries of one delivery into one run
(automateos/workflows/deliveries.py). ``received_at`` is indexed for the purge of rows
past every window, ``log_id`` for the cascade when a run is deleted.
"""
from alembic import op
import sqlalchemy as sa

from automateos.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.String(length=210), nullable=False),
    sa.Column('log_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_webhook_deliveries_workflow_id_workflows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['log_id'], ['execution_logs.id'], name=op.f('fk_webhook_deliveries_log_id_execution_logs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('workflow_id', 'delivery_id', name='uq_webhook_deliveries_workflow_delivery')
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_received', ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_log_id'), ['log_id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_log_id'))
        batch_op.drop_index('ix_webhook_deliveries_received')
    op.drop_table('webhook_deliveries')
