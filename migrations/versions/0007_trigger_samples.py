"""trigger_samples: a webhook workflow's test URL (armed until) and the sample it caught

Revision ID: 0007
Revises: 0006

One row per workflow, made when its test URL is first armed: ``listening_until`` says
whether the URL takes a test event now; ``sample`` is the last one it captured (the
payload a run would have had), which the editor previews expressions with.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from automateos.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trigger_samples',
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.Column('listening_until', UTCDateTime(), nullable=True),
    sa.Column('node_id', sa.String(length=100), nullable=True),
    sa.Column('sample', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('captured_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_trigger_samples_workflow_id_workflows'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workflow_id', name=op.f('pk_trigger_samples'))
    )


def downgrade():
    op.drop_table('trigger_samples')
