"""credentials: a user's named secrets for nodes, sealed with AES-GCM

Revision ID: 0006
Revises: 0004

One row per credential: its fields are one ciphertext (automateos/credentials/crypto.py)
and ``key_id`` names the key that sealed it, indexed so that ``flask credentials
rotate-key`` finds the rows left under an old key without reading the table.
"""
from alembic import op
import sqlalchemy as sa

from automateos.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credentials',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_credentials_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_key_id'), ['key_id'], unique=False)


def downgrade():
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credentials_key_id'))
        batch_op.drop_index(batch_op.f('ix_credentials_owner_id'))
    op.drop_table('credentials')
