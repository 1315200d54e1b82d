"""The blank registration form served by what a worker read of the event a moment ago.

With PUBLIC_EVENT_SECONDS (1 s in production), a worker serves the kept form without a query
while what it read of the event is that recent; a change to the event shows within that time, the
registration window is judged at each request's own time, and a registration is always decided
on the event as it is stored.
"""
from datetime import timedelta

import pytest
from builders import make_event
from sqlalchemy import event as sa_event

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.web import public
from eventapp.web.kept_pages import RecentReads

SECONDS = 5
VALID = {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org", "organisation": "Nacka kommun",
         "consent": "y"}


class Clock:
    def __init__(self):
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def clock(app, monkeypatch):
    clock = Clock()
    monkeypatch.setitem(app.config, "PUBLIC_EVENT_SECONDS", SECONDS)
    monkeypatch.setattr(public, "_recent_events", RecentReads(clock=clock))
    return clock


@pytest.fixture
def statements(app):
    """The SQL statements the application runs, as a list that grows."""
    seen = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    yield seen
    sa_event.remove(engine, "before_cursor_execute", count)


def new_event(app, **fields) -> tuple[str, int]:
    with app.app_context():
        event = make_event(utcnow(), **fields)
        return event.slug, event.id


def rename(app, event_id: int, title: str) -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.title = title
        db.session.commit()


def test_a_recent_read_serves_the_form_without_a_query(app, client, clock, statements):
    slug, _ = new_event(app)
    first = client.get(f"/events/{slug}/register")
    assert first.status_code == 200 and statements
    statements.clear()
    second = client.get(f"/events/{slug}/register")
    assert second.status_code == 200 and 'name="first_name"' in second.get_data(as_text=True)
    assert statements == []


def test_a_change_shows_once_the_read_is_older_than_the_setting(app, client, clock):
    slug, event_id = new_event(app, title="Gammalt namn")
    assert "Gammalt namn" in client.get(f"/events/{slug}/register").get_data(as_text=True)
    rename(app, event_id, "Nytt namn")
    clock.seconds += SECONDS - 0.001
    assert "Gammalt namn" in client.get(f"/events/{slug}/register").get_data(as_text=True)
    clock.seconds += 0.001
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Nytt namn" in page and "Gammalt namn" not in page


def test_with_the_setting_at_zero_every_request_reads_the_event(app, client, clock, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_EVENT_SECONDS", 0)
    slug, event_id = new_event(app, title="Gammalt namn")
    client.get(f"/events/{slug}/register")
    rename(app, event_id, "Nytt namn")
    assert "Nytt namn" in client.get(f"/events/{slug}/register").get_data(as_text=True)


def test_the_deadline_is_judged_at_each_request_even_from_a_recent_read(app, client, clock, monkeypatch):
    now = utcnow()
    slug, _ = new_event(app, registration_deadline=now + timedelta(hours=1))
    monkeypatch.setattr(public, "utcnow", lambda: now + timedelta(hours=1) - timedelta(microseconds=1))
    assert 'name="first_name"' in client.get(f"/events/{slug}/register").get_data(as_text=True)
    monkeypatch.setattr(public, "utcnow", lambda: now + timedelta(hours=1))
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Sista anmälningsdag var" in page and 'name="first_name"' not in page


def test_a_form_served_from_a_recent_read_registers_nobody_after_unpublishing(app, clock):
    browser = app.test_client()
    slug, event_id = new_event(app)
    browser.get(f"/events/{slug}/register")
    with app.app_context():
        db.session.get(Event, event_id).published = False
        db.session.commit()
    page = browser.get(f"/events/{slug}/register").get_data(as_text=True)
    assert 'name="first_name"' in page  # still the form, for up to SECONDS
    from conftest import CSRF_RE

    answer = browser.post(f"/events/{slug}/register", data={**VALID, "csrf_token": CSRF_RE.search(page).group(1)})
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
    clock.seconds += SECONDS
    assert browser.get(f"/events/{slug}/register").status_code == 404


def test_the_last_place_taken_shows_the_waiting_list_after_the_setting(app, client, clock):
    slug, event_id = new_event(app, capacity=1)
    assert "Anmäl dig till väntelistan" not in client.get(f"/events/{slug}/register").get_data(as_text=True)
    from builders import register

    with app.app_context():
        register(db.session.get(Event, event_id), utcnow())
    clock.seconds += SECONDS
    assert "Anmäl dig till väntelistan" in client.get(f"/events/{slug}/register").get_data(as_text=True)


def test_recent_reads_forget_at_the_size_and_never_keep_for_zero_seconds():
    clock = Clock()
    reads = RecentReads(size=2, clock=clock)
    reads.keep("a", 1)
    assert reads.get("a", 1) == 1 and reads.get("a", 0) is None
    reads.keep("b", 2)
    reads.keep("c", 3)  # the size was reached: everything else is dropped
    assert reads.get("a", 1) is None and reads.get("b", 1) is None and reads.get("c", 1) == 3
    clock.seconds += 1
    assert reads.get("c", 1) is None and reads.get("c", 1.001) == 3
