"""session version of an account

Revision ID: e4b7c2a19f60
Revises: e5a1c0b7d2f4
Create Date: 2026-12-07 14:00:00

A session names the account and the version it was logged in under; logging out, changing the
password or deactivating the account moves the version on, which ends every session of the account.
Sessions from before this revision name no version and end at their next request.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b7c2a19f60'
down_revision = 'e5a1c0b7d2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
