"""feedback after an event, group wishes and hand-edited groups

Revision ID: c4f2a8e61b37
Revises: ee58120bf708
Create Date: 2026-12-07 16:00:00

Attendees' feedback (a rating, two answers in words, the event's own rating questions), whether the
organiser sees who gave it, the question whose answer is a person's table wish, and whether a group
was changed by hand since the proposal.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4f2a8e61b37"
down_revision = "ee58120bf708"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("good", sa.Text(), nullable=False),
        sa.Column("better", sa.Text(), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_feedback_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_feedback_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_feedback_registration_id")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_event_id"), ["event_id"], unique=False)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_questions", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("feedback_named", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("group_wish_question_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("table_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited", sa.Boolean(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("table_group", schema=None) as batch_op:
        batch_op.drop_column("edited")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("group_wish_question_id")
        batch_op.drop_column("feedback_named")
        batch_op.drop_column("feedback_questions")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_event_id"))
    op.drop_table("feedback")
