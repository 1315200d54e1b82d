"""group bookings and paid events

Revision ID: 5348c9619fbc
Revises: b3d5f7a9c1e2
Create Date: 2026-12-07 13:26:44

Group bookings (one booker, several registrations, a group link) and paid events: discount codes, an
early-bird price, when bookings are invoiced, invoice lines charging a person's place, and when an
overdue invoice was reminded.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5348c9619fbc"
down_revision = "b3d5f7a9c1e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "discount_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_discount_code_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_code")),
        sa.UniqueConstraint("event_id", "code", name="uq_discount_code_event_code"),
    )
    with op.batch_alter_table("discount_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discount_code_event_id"), ["event_id"], unique=False)

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("booker_first_name", sa.String(length=200), nullable=False),
        sa.Column("booker_last_name", sa.String(length=200), nullable=False),
        sa.Column("booker_email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("booker_attending", sa.Boolean(), nullable=False),
        sa.Column("booker_registration_id", sa.Integer(), nullable=True),
        sa.Column("link_selector", sa.String(length=16), nullable=False),
        sa.Column("link_verifier_hash", sa.String(length=64), nullable=False),
        sa.Column("discount_code_id", sa.Integer(), nullable=True),
        sa.Column("unit_price", sa.Integer(), server_default="0", nullable=False),
        sa.Column("invoice_held_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discount_code_id"], ["discount_code.id"], name=op.f("fk_booking_discount_code_id_discount_code")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_booking_event_id_event"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        sa.UniqueConstraint("link_selector", name=op.f("uq_booking_link_selector")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_discount_code_id"), ["discount_code_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_event_id"), ["event_id"], unique=False)

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("early_bird_price", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("early_bird_until", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("invoice_timing", sa.String(length=20), server_default="on_registration", nullable=False)
        )

    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_on", sa.Date(), nullable=True))

    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_invoice_line_registration_id"), ["registration_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_invoice_line_registration_id_registration"), "registration", ["registration_id"], ["id"]
        )

    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_registration_booking_id"), ["booking_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_registration_booking_id_booking"), "booking", ["booking_id"], ["id"])


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_registration_booking_id_booking"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_registration_booking_id"))
        batch_op.drop_column("booking_id")

    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invoice_line_registration_id_registration"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_invoice_line_registration_id"))
        batch_op.drop_column("registration_id")

    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_column("reminded_on")

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("invoice_timing")
        batch_op.drop_column("early_bird_until")
        batch_op.drop_column("early_bird_price")

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_event_id"))
        batch_op.drop_index(batch_op.f("ix_booking_discount_code_id"))

    op.drop_table("booking")
    with op.batch_alter_table("discount_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discount_code_event_id"))

    op.drop_table("discount_code")
