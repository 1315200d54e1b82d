"""outbox messages written when they are sent

Revision ID: 5e1f0c2a7d90
Revises: 9c41d7e2a0b3
Create Date: 2026-12-07 11:00:00

A queued message keeps what it is about (kind, registration or invoice, ``details``); the worker
writes the whole e-mail when it sends it, so no working personal link is stored. Messages waiting at
the upgrade are written afresh from their kind when they are sent.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e1f0c2a7d90'
down_revision = '9c41d7e2a0b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.drop_column('message')
    outbox = sa.table('outbox_message', sa.column('kind', sa.String), sa.column('status', sa.String),
                      sa.column('details', sa.JSON))
    op.execute(outbox.update().values(details={}))
    # Invitations still waiting keep their calendar: the only details a message of before can need.
    op.execute(outbox.update().where(outbox.c.kind.in_(['confirmation', 'promoted']),
                                     outbox.c.status.in_(['pending', 'sending']))
               .values(details={'method': 'REQUEST'}))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('details', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('details')
