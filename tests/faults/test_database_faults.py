"""The database locked or gone in the middle of a registration: a clear "try again", nothing half-written."""
from types import SimpleNamespace

import pytest
from builders import make_event
from conftest import submit
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Organisation, Registration

FORM = {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org",
        "organisation": "Ett helt nytt förbund", "consent": "y"}


class DriverError(Exception):
    """Stands in for the driver's own error (sqlite3 or psycopg)."""


@pytest.fixture
def event(app):
    with app.app_context():
        return SimpleNamespace(slug=make_event(utcnow()).slug)


@pytest.fixture
def failing_insert(app):
    """Make the INSERT of the registration row fail the way a locked or dropped database does (on
    PostgreSQL it is one statement with the link's and the message's INSERTs)."""
    messages = []

    def fail(conn, cursor, statement, parameters, context, executemany):
        if "INSERT INTO REGISTRATION (" in statement.upper() and messages:
            raise OperationalError(statement, parameters, DriverError(messages[0]))

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", fail)
    yield messages
    sa_event.remove(engine, "before_cursor_execute", fail)


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("message", ["database is locked", "server closed the connection unexpectedly"])
def test_a_failing_database_gives_a_try_again_page_and_stores_nothing(app, client, event, failing_insert, message):
    organisations_before = rows(app, Organisation)
    failing_insert.append(message)
    response = submit(client, f"/events/{event.slug}/register", FORM)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Ingenting sparades. Försök igen om en liten stund." in page
    # Neither the registration nor the organisation created on the way was kept.
    assert rows(app, Registration) == 0
    assert rows(app, Organisation) == organisations_before


def test_sending_again_when_the_database_is_back_registers_once(app, client, event, failing_insert):
    failing_insert.append("database is locked")
    assert submit(client, f"/events/{event.slug}/register", FORM).status_code == 503
    failing_insert.clear()
    response = submit(client, f"/events/{event.slug}/register", FORM)
    assert response.status_code == 302
    assert rows(app, Registration) == 1


def test_the_api_path_answers_json(app):
    from eventapp.web.faults import database_unavailable

    with app.test_request_context("/api/v1/events"):
        body, status, headers = database_unavailable(OperationalError("SELECT 1", {}, DriverError("locked")))
        assert status == 503 and headers["Retry-After"] == "5"
        assert body.get_json()["error"] == "unavailable"


def test_a_plain_answer_when_even_the_error_page_cannot_be_shown(app, monkeypatch):
    from eventapp.web import faults

    def broken(*args, **kwargs):
        raise OperationalError("SELECT app_user", {}, DriverError("server closed the connection"))

    monkeypatch.setattr(faults, "render_template", broken)
    with app.test_request_context("/events/x/register"):
        response = faults.database_unavailable(OperationalError("INSERT", {}, DriverError("locked")))
    assert response.status_code == 503
    assert "Försök igen" in response.get_data(as_text=True)


def test_a_clash_the_service_cannot_settle_is_a_try_again_page(app, client, event, monkeypatch):
    """Two check-in codes drawn in a row that are both taken (1 in 10^24): 503, nothing stored."""
    from eventapp.services import personal_links

    assert submit(client, f"/events/{event.slug}/register", FORM).status_code == 302
    with app.app_context():
        taken = db.session.scalar(db.select(Registration.check_in_code))
    monkeypatch.setattr(personal_links, "new_check_in_code", lambda: taken)
    response = submit(client, f"/events/{event.slug}/register", {**FORM, "email": "bo@example.org"})
    assert response.status_code == 503
    assert "Ingenting sparades" in response.get_data(as_text=True)
    assert rows(app, Registration) == 1
