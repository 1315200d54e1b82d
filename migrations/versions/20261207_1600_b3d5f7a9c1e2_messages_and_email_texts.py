"""messages to attendees, an event's own e-mail texts, the thank-you after an event

Revision ID: b3d5f7a9c1e2
Revises: a7c3e91f4b26
Create Date: 2026-12-07 16:00:00

Organisers' messages to an event's attendees (each recipient's e-mail an outbox row pointing at the
message), an event's own texts of its automatic e-mails per language, and the thank-you sent a set
number of hours after the event (with a link to material), stamped per registration once queued.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3d5f7a9c1e2"
down_revision = "a7c3e91f4b26"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("registration_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("send_at", sa.DateTime(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_event_message_created_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_message_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_message")),
    )
    with op.batch_alter_table("event_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_message_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_message_send_at"), ["send_at"], unique=False)
    op.create_table(
        "email_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_email_text_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_text")),
        sa.UniqueConstraint("event_id", "kind", "language", name="uq_email_text_event_kind_language"),
    )
    with op.batch_alter_table("email_text", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_text_event_id"), ["event_id"], unique=False)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thank_you_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("material_url", sa.String(length=500), server_default="", nullable=False))
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thanked_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("thanked_at")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("material_url")
        batch_op.drop_column("thank_you_hours")
    with op.batch_alter_table("email_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_text_event_id"))
    op.drop_table("email_text")
    with op.batch_alter_table("event_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_message_send_at"))
        batch_op.drop_index(batch_op.f("ix_event_message_event_id"))
    op.drop_table("event_message")
