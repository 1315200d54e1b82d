"""Fixtures: one migrated database per run (SQLite file, or TEST_DATABASE_URL), emptied after each test."""
import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import flask_migrate
import pytest
from sqlalchemy import delete, text
from sqlalchemy import event as sa_event

from config import TestingConfig, database_url
from eventapp import create_app, jobs
from eventapp.extensions import db, limiter
from eventapp.models import Organisation, OrganisationAlias
from eventapp.services.organisations import load_reference_data

#: Tables the reference data lives in; emptied only of what tests added.
REFERENCE_TABLES = {"county", "organisation", "organisation_alias", "alembic_version"}


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    url = database_url(os.environ.get("TEST_DATABASE_URL"))
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def app(database_uri, tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_uri

    os.environ["EVENTAPP_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # a throw-away database: start from nothing
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        load_reference_data()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(app):
    yield
    empty_database(app)


def empty_database(app) -> None:
    """Delete what tests added, keeping the reference data, and the jobs they left queued."""
    jobs.huey.flush()
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                db.session.execute(table.delete())
        free = db.session.query(Organisation.id).filter(Organisation.register_id.is_(None))
        db.session.execute(delete(OrganisationAlias).where(OrganisationAlias.organisation_id.in_(free.scalar_subquery())))
        db.session.execute(delete(Organisation).where(Organisation.register_id.is_(None)))
        db.session.commit()
        db.session.remove()
        limiter.reset()  # each test starts with fresh rate-limit counters


@pytest.fixture
def ctx(app):
    """A request context in Swedish, as services run in."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now():
    """A fixed 'now' for rule tests: Monday 16 January 2017, 10:00 in Stockholm."""
    return datetime(2017, 1, 16, 9, 0, tzinfo=UTC)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token from the page that shows it."""
    return client.post(url, data={"csrf_token": csrf_token(client, form_url or url), **data}, **kwargs)


@contextmanager
def counted(app):
    """The SQL statements the app sends while the block runs."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def smtp_server(app):
    """A running SMTP server that the app sends to; ``.recorder.messages`` is what arrived."""
    from smtp_server import SMTPServer

    server = SMTPServer()
    server.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()
    app.config.update(saved)
