"""calendar key of a registration

Revision ID: 9c41d7e2a0b3
Revises: 6ade28ba1ec7
Create Date: 2026-12-02 08:00:00

Invitations already sent named the registration by its id; those registrations keep exactly that
name ("registration-<id>"), so later updates and cancellations still replace the same calendar entry.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9c41d7e2a0b3'
down_revision = '6ade28ba1ec7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_key', sa.String(length=64), nullable=True))
    registration = sa.table('registration', sa.column('id', sa.Integer), sa.column('calendar_key', sa.String))
    op.execute(registration.update().values(
        calendar_key=sa.literal('registration-') + sa.cast(registration.c.id, sa.String)))
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('calendar_key', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('calendar_key')
