"""Public pages that only read run without a transaction on PostgreSQL (no BEGIN and ROLLBACK round
trips), and whatever writes afterwards still writes in one transaction."""
import pytest
from builders import make_event
from conftest import csrf_token
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventapp.database import begin_write, read_without_transaction, utcnow
from eventapp.extensions import db
from eventapp.models import Organisation, Registration

IDLE, IN_TRANSACTION = 0, 2  # psycopg.pq.TransactionStatus


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps its transaction: BEGIN costs no round trip there")
        return db.engine


@pytest.fixture
def transaction_states(postgresql):
    """The driver's transaction status as each statement ran (0: none open, 2: in a transaction)."""
    states = []

    def note(conn, cursor, statement, parameters, context, executemany):
        states.append(cursor.connection.info.transaction_status)

    sa_event.listen(postgresql, "after_cursor_execute", note)
    yield states
    sa_event.remove(postgresql, "after_cursor_execute", note)


def test_the_public_pages_read_outside_a_transaction(app, client, transaction_states):
    with app.app_context():
        slug = make_event(utcnow()).slug
    for page in ("/", f"/events/{slug}", f"/events/{slug}/register"):
        transaction_states.clear()
        assert client.get(page).status_code == 200
        assert transaction_states and set(transaction_states) == {IDLE}, page


def test_a_registration_sent_after_the_form_is_written_in_one_transaction(app, client, transaction_states):
    with app.app_context():
        slug = make_event(utcnow()).slug
    url = f"/events/{slug}/register"
    token = csrf_token(client, url)  # the pooled connection read without a transaction a moment ago
    transaction_states.clear()
    response = client.post(url, data={"csrf_token": token, "first_name": "Åsa", "last_name": "Öberg",
                                      "email": "asa@example.org", "organisation": "Lunds kommun",
                                      "job_title": "Strateg", "consent": "y"})
    assert response.status_code == 302
    assert transaction_states and set(transaction_states) == {IN_TRANSACTION}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_what_is_written_after_reading_without_a_transaction_can_still_be_rolled_back(app):
    """On both databases: begin_write after read_without_transaction opens a real transaction."""
    with app.test_request_context():
        read_without_transaction()
        before = db.session.scalar(select(func.count()).select_from(Organisation))
        begin_write()
        db.session.add(Organisation(name="Provkommunen"))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == before
        assert db.session.scalar(select(Organisation).where(Organisation.name == "Provkommunen")) is None
