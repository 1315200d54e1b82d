"""translated event texts and question kinds

Revision ID: a7c3e91f4b26
Revises: e4b7c2a19f60
Create Date: 2026-12-07 15:00:00

The English versions of an event's texts, and questions answered in long text, several choices or
yes/no with a help text. A question that has choices was answered by picking one of them; the
others were answered in words.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e91f4b26'
down_revision = 'e4b7c2a19f60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('description_en', sa.Text(), server_default='', nullable=False))
    for table in ('agenda_item', 'event_session'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('title_en', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('text_en', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('help_text', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('help_text_en', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('choices_en', sa.JSON(), server_default='[]', nullable=False))
    question = sa.table('question', sa.column('id', sa.Integer), sa.column('choices', sa.JSON),
                        sa.column('kind', sa.String))
    connection = op.get_bind()
    # JSON is compared differently by each database; the few questions are read and sorted here.
    with_choices = [row.id for row in connection.execute(sa.select(question.c.id, question.c.choices))
                    if row.choices]
    for start in range(0, len(with_choices), 500):
        connection.execute(question.update().where(question.c.id.in_(with_choices[start:start + 500]))
                           .values(kind='choice'))


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('choices_en')
        batch_op.drop_column('help_text_en')
        batch_op.drop_column('help_text')
        batch_op.drop_column('text_en')
        batch_op.drop_column('kind')
    for table in ('event_session', 'agenda_item'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('title_en')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('description_en')
        batch_op.drop_column('title_en')
