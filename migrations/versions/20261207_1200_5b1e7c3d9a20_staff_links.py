"""staff links: invitations and password resets by e-mail

Revision ID: 5b1e7c3d9a20
Revises: 5e1f0c2a7d90
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b1e7c3d9a20'
down_revision = '5e1f0c2a7d90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('selector', sa.String(length=16), nullable=False),
        sa.Column('verifier_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_staff_link_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_link')),
        sa.UniqueConstraint('selector', name=op.f('uq_staff_link_selector')),
    )
    with op.batch_alter_table('staff_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_link_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_link_user_id'))
    op.drop_table('staff_link')
