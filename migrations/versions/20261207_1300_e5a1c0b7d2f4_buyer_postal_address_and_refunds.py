"""buyer postal address and refunds

Revision ID: e5a1c0b7d2f4
Revises: 5b1e7c3d9a20
Create Date: 2026-12-07 13:00:00

The buyer's address as street, postcode and city on registrations and invoices (the free-text
invoice address stays, as an extra line); refunds of paid invoices that were credited.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5a1c0b7d2f4'
down_revision = '5b1e7c3d9a20'
branch_labels = None
depends_on = None


def _address_columns(prefix):
    return [
        sa.Column(f'{prefix}_street', sa.String(length=200), server_default='', nullable=False),
        sa.Column(f'{prefix}_postcode', sa.String(length=10), server_default='', nullable=False),
        sa.Column(f'{prefix}_city', sa.String(length=100), server_default='', nullable=False),
    ]


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        for column in _address_columns('invoice'):
            batch_op.add_column(column)
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        for column in _address_columns('buyer'):
            batch_op.add_column(column)
    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_refund_invoice_id_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_refund_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_invoice_id'), ['invoice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_invoice_id'))
    op.drop_table('refund')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        for name in ('buyer_street', 'buyer_postcode', 'buyer_city'):
            batch_op.drop_column(name)
    with op.batch_alter_table('registration', schema=None) as batch_op:
        for name in ('invoice_street', 'invoice_postcode', 'invoice_city'):
            batch_op.drop_column(name)
