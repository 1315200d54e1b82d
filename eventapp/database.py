"""Database plumbing shared by every model and service: UTC timestamps and writing transactions.

What differs between the databases lives here. SQLite serialises writers with one lock: a
transaction that first reads and then writes can fail when another writer commits in between, so
writing transactions take the lock up front with BEGIN IMMEDIATE and wait for it (SQLite's own busy
timeout, ``SQLITE_BUSY_TIMEOUT``). PostgreSQL writers lock the rows they decide on (see
``lock_event`` in the registration service).
"""
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from .extensions import db

_BEGIN_OPTION = "sqlite_begin"


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, returned as aware UTC on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware datetimes (UTC) everywhere")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The one clock of the application. Services take ``now`` as an argument; views pass this."""
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # Let SQLAlchemy's begin event emit BEGIN, so writing transactions can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED"))


def begin_write() -> None:
    """Start the session's transaction as a writing one (SQLite: BEGIN IMMEDIATE).

    What follows sees the newest committed state, and objects loaded before are refreshed on their
    next use. On SQLite a read-only transaction already open is ended first (its snapshot could not
    write). PostgreSQL reads the newest committed rows statement by statement (READ COMMITTED): an
    open transaction simply goes on.
    """
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in the session")
        if session.get_bind().dialect.name != "sqlite":
            session.expire_all()
            return
        session.rollback()
    session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
