"""Connections to PostgreSQL keep themselves alive, so that a lost machine's locks do not outlive it for hours."""
import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from config import TestingConfig
from eventapp import create_app
from eventapp.extensions import db

SERVER_SIDE = {"tcp_keepalives_idle": "60", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "6"}


class Connected(Exception):
    """Raised instead of connecting: what the driver would have been given is all the test needs."""


def driver_arguments(tmp_path, monkeypatch, **config) -> dict:
    """The keyword arguments the database driver gets when the app opens a connection (none is opened)."""
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    app = create_app(type("Config", (TestingConfig,), config))
    given = {}
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "do_connect")
        def catch(dialect, connection_record, cargs, cparams):
            given.update(cparams)
            raise Connected

        with pytest.raises(Connected):
            engine.connect()
        engine.dispose()
    return given


def test_a_postgresql_connection_asks_both_ends_to_probe_a_silent_peer(tmp_path, monkeypatch):
    """With a PostgreSQL DATABASE_URL, does every connection turn on libpq's keepalives and ask the server
    for its own (so it ends a lost client's session within about two minutes), keeping options given
    in the configuration after them?"""
    given = driver_arguments(
        tmp_path, monkeypatch, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://eventapp@db.invalid/eventapp",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c lock_timeout=2000"}})
    assert {key: given[key] for key in ("keepalives", "keepalives_idle", "keepalives_interval",
                                        "keepalives_count")} == {
        "keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 6}
    assert given["options"] == ("-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 "
                                "-c tcp_keepalives_count=6 -c lock_timeout=2000")


def test_keepalives_can_be_left_to_the_server(tmp_path, monkeypatch):
    """Switched off (DATABASE_TCP_KEEPALIVES=0, for a pooler that refuses session options): is nothing of
    them sent?"""
    given = driver_arguments(tmp_path, monkeypatch, POSTGRESQL_KEEPALIVES=None,
                             SQLALCHEMY_DATABASE_URI="postgresql+psycopg://eventapp@db.invalid/eventapp")
    assert not any(key.startswith("keepalives") for key in given) and "options" not in given


def test_a_sqlite_connection_gets_only_its_busy_timeout(tmp_path, monkeypatch):
    """On SQLite (a file, no network), are the driver's arguments just the busy timeout and thread sharing?"""
    given = driver_arguments(tmp_path, monkeypatch, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'k.db'}",
                             SQLITE_BUSY_TIMEOUT=7)
    assert given == {"timeout": 7, "check_same_thread": False}


def test_the_server_holds_the_keepalive_settings_for_the_session(app):
    """On the suite's PostgreSQL: does a session of the app run with the keepalive settings it asked for?"""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: the keepalives are PostgreSQL session settings; a SQLite file has "
                        "no connection to keep alive")
        rows = db.session.execute(select(text("name"), text("setting")).select_from(text("pg_settings"))
                                  .where(text("name LIKE 'tcp_keepalives_%'")))
        settings = dict(rows.all())
        db.session.remove()
    assert settings == SERVER_SIDE


# Pinging a pooled connection only after it lay idle ---------------------------------------------


def test_a_connection_lost_while_idle_is_replaced_before_use(app):
    """PostgreSQL ended an idle pooled connection (a restart, say): does the app's next request get a new
    connection and its answer, instead of an error?"""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: a SQLite file has no server to lose the connection")
        first = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
        terminate(engine, first)
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != first
        db.session.remove()


def terminate(engine, backend: int) -> None:
    other = create_engine(engine.url, poolclass=NullPool)
    with other.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    other.dispose()
