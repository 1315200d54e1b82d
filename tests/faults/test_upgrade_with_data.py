"""Upgrading a database of the first release, full of data, to the newest schema keeps every row.

The rows are generated from the old schema itself (every table, every column), so the test keeps
guarding as migrations are added.
"""
import uuid
from datetime import datetime

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, MetaData, Numeric, String, Text, select, text
from sqlalchemy.engine import make_url

from config import TestingConfig
from eventapp import create_app
from eventapp.extensions import db, migrate

ROWS_PER_TABLE = 3


def value_for(column, number: int, parents: dict):
    if column.foreign_keys:
        if column.nullable:
            return None
        target = next(iter(column.foreign_keys)).column
        return parents[target.table.name][number - 1][target.name]
    kind = column.type
    if isinstance(kind, Boolean):
        return number % 2 == 1
    if isinstance(kind, Integer):
        return number
    if isinstance(kind, Float | Numeric):
        return number
    if isinstance(kind, DateTime):
        return datetime(2026, 1, number, 8, 30)
    if isinstance(kind, Date):
        return datetime(2026, 1, number).date()
    if isinstance(kind, JSON):
        return {"n": number}
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 200
        return f"{column.name[:length - 3]}{number:03d}"[-length:] if length < 8 else f"{column.name}-{number}"[:length]
    pytest.fail(f"no test value for {column.table.name}.{column.name} of type {kind!r}")


def fill(connection) -> dict:
    """Insert rows into every table of the schema as it is; return them by table."""
    metadata = MetaData()
    metadata.reflect(connection)
    rows = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        rows[table.name] = [{c.name: value_for(c, n, rows) for c in table.columns}
                            for n in range(1, ROWS_PER_TABLE + 1)]
        connection.execute(table.insert(), rows[table.name])
    return rows


@pytest.fixture
def old_database(app, database_uri, tmp_path):
    """An empty database of the suite's kind: a file for SQLite, a schema of its own for PostgreSQL."""
    if make_url(database_uri).get_backend_name() == "sqlite":
        yield "sqlite:///" + str(tmp_path / "old.db"), {}
        return
    schema = "upgrade_" + uuid.uuid4().hex[:8]
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield database_uri, {"connect_args": {"options": f"-csearch_path={schema}"}}
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_upgrade_from_the_first_release_keeps_every_row(old_database):
    uri, engine_options = old_database

    class Old(TestingConfig):
        SQLALCHEMY_DATABASE_URI = uri
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, **engine_options}

    app = create_app(Old)
    with app.app_context():
        first = ScriptDirectory.from_config(migrate.get_config()).get_base()
        flask_migrate.upgrade(revision=first)
        with db.engine.begin() as connection:
            before = fill(connection)
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            for name, rows in before.items():
                table = metadata.tables[name]
                kept = [c for c in rows[0] if c in table.columns]
                key = [c.name for c in table.primary_key.columns]
                stored = [dict(r) for r in connection.execute(select(*[table.c[c] for c in kept])
                                                              .order_by(*[table.c[k] for k in key])).mappings()]
                assert stored == [{c: row[c] for c in kept} for row in rows], f"rows of {name} changed"
            # Invitations already sent name a registration by its id: its calendar entries keep that name.
            registrations = metadata.tables["registration"]
            keys = dict(connection.execute(select(registrations.c.id, registrations.c.calendar_key)).all())
            assert keys == {row["id"]: f"registration-{row['id']}" for row in before["registration"]}
        db.engine.dispose()


def test_sqlite_connections_keep_foreign_keys_after_an_upgrade(tmp_path):
    """Migrations switch SQLite's foreign keys off; the pooled connection must get them back, or
    ON DELETE CASCADE silently stops working for whatever uses that connection next."""

    class Fresh(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "fresh.db")

    app = create_app(Fresh)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
