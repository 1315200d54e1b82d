"""Database plumbing shared by every model and service: UTC timestamps and writing transactions.

SQLite serialises writers with one lock. A transaction that first reads and then writes can fail
when another writer commits in between, so writing transactions take the lock up front with
BEGIN IMMEDIATE and wait for it instead, in a queue (``sqlite_writers``). PostgreSQL writers lock
the rows they decide on (see ``lock_event`` in the registration service).
"""
import time
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from . import sqlite_writers
from .extensions import db

_BEGIN_OPTION = "sqlite_begin"
#: Seconds a writing transaction waits for its turn (SQLITE_BUSY_TIMEOUT).
_WAIT_OPTION = "sqlite_wait"


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
    if conn.dialect.name != "sqlite":
        return
    options = conn.get_execution_options()
    mode = options.get(_BEGIN_OPTION, "DEFERRED")
    queue = sqlite_writers.lock_path(conn.engine.url.database)
    if mode == "IMMEDIATE" and queue:
        sqlite_writers.take_turn(conn.connection.info, queue, options.get(_WAIT_OPTION, 30))
    conn.exec_driver_sql("BEGIN " + mode)


@event.listens_for(Pool, "checkin")
def _end_sqlite_turn(dbapi_connection, connection_record):
    sqlite_writers.end_turn(connection_record.info)


@event.listens_for(Pool, "close")
@event.listens_for(Pool, "invalidate")
def _close_sqlite_turn(dbapi_connection, connection_record, *args):
    sqlite_writers.close(connection_record.info)


_IDLE_SINCE = "eventapp_idle_since"


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Ping a pooled connection before it is used only when it has lain idle for ``seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings before every use: in a rush, each request's connection was
    in use a few milliseconds before, and the ping is one more round trip to the database per request.
    A connection idle for longer (the database restarted overnight, a firewall dropped it) is pinged
    and, if it is gone, replaced before the request sees it. One that dies within ``seconds`` of its
    last use fails the request it is handed to: the attendee gets the "try again" page, and the pool
    replaces every connection opened before the failure.
    """
    @event.listens_for(engine, "checkin")
    def _idle_from_now(dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("connection lost while idle") from error  # the pool connects again
            raise


def read_without_transaction() -> None:
    """Let a request that only reads run each statement on its own, without BEGIN and ROLLBACK.

    On PostgreSQL the two are round trips to the database, as many as a small page's one query; each
    statement sees its own consistent snapshot. Call before the request's first query (a request that
    already read goes on as it was); a ``begin_write`` afterwards starts a real transaction. SQLite
    keeps its transaction: there BEGIN costs no round trip, and its reads take no lock.
    """
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name == "sqlite":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def begin_write() -> None:
    """Start the session's transaction as a writing one (SQLite: BEGIN IMMEDIATE).

    What follows sees the newest committed state, and objects loaded before are refreshed on their
    next use. On SQLite a read-only transaction already open is ended first (its snapshot could not
    write). PostgreSQL reads the newest committed rows statement by statement (READ COMMITTED): the
    open transaction simply goes on, on the connection it has, unless it was only reading statement
    by statement (``read_without_transaction``).
    """
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in the session")
        if session.get_bind().dialect.name != "sqlite" and not _without_transaction(session):
            session.expire_all()
            return
        session.rollback()
    session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE",
                                          _WAIT_OPTION: current_app.config.get("SQLITE_BUSY_TIMEOUT", 30)})


def _without_transaction(session) -> bool:
    return session.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT"
