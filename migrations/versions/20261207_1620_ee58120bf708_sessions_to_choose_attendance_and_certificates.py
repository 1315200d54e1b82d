"""sessions to choose, attendance and certificates

Revision ID: ee58120bf708
Revises: 5348c9619fbc
Create Date: 2026-12-07 13:25:57

Sessions attendees pick (a workshop with places of its own), check-in per meeting or session, and
the verification codes of certificates of attendance; events may e-mail certificates afterwards.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ee58120bf708"
down_revision = "5348c9619fbc"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_certificate_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_certificate")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_certificate_registration_id")),
    )
    op.create_table(
        "session_attendance",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_session_attendance_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_session.id"],
            name=op.f("fk_session_attendance_session_id_event_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", "session_id", name=op.f("pk_session_attendance")),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_attendance_session_id"), ["session_id"], unique=False)

    op.create_table(
        "session_choice",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_session_choice_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_session.id"],
            name=op.f("fk_session_choice_session_id_event_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", "session_id", name=op.f("pk_session_choice")),
    )
    with op.batch_alter_table("session_choice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_choice_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_certificates", sa.Boolean(), server_default="0", nullable=False))

    with op.batch_alter_table("event_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("choosable", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("event_session", schema=None) as batch_op:
        batch_op.drop_column("capacity")
        batch_op.drop_column("choosable")

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("send_certificates")

    with op.batch_alter_table("session_choice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_choice_session_id"))

    op.drop_table("session_choice")
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendance_session_id"))

    op.drop_table("session_attendance")
    op.drop_table("certificate")
