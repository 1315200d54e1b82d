"""The blank registration form served by what a worker read of the event a moment ago.

With PUBLIC_EVENT_SECONDS (1 s in production), a worker serves the kept form without a query
while what it read of the event is that recent; a change to the event shows within that time, the
registration window is judged at each request's own time, and a registration is always decided
on the event as it is stored.
"""
from datetime import timedelta

import pytest
from builders import make_event
from conftest import counted

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, OutboxMessage, PersonalLink, Registration
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
    with counted(app) as seen:
        yield seen


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


# A sent form is checked by the snapshot; the registration is decided on the stored event ----------


def sent(browser, slug: str, **changes):
    from conftest import CSRF_RE

    page = browser.get(f"/events/{slug}/register").get_data(as_text=True)
    return browser.post(f"/events/{slug}/register",
                        data={**VALID, "csrf_token": CSRF_RE.search(page).group(1), **changes})


def stored(app) -> list[Registration]:
    with app.app_context():
        return list(db.session.scalars(db.select(Registration)))


def test_a_form_sent_within_the_setting_reads_nothing_of_the_event_before_the_lock(app, clock, statements):
    browser = app.test_client()
    slug, _ = new_event(app)
    browser.get(f"/events/{slug}/register")
    statements.clear()
    assert sent(browser, slug).status_code == 302
    before_the_insert = statements[:next(i for i, s in enumerate(statements) if "INSERT INTO registration " in s)]
    assert not any("FROM event" in s for s in before_the_insert)
    assert [r.status for r in stored(app)] == ["confirmed"]


def test_a_deadline_moved_into_the_past_meanwhile_stores_nothing(app, clock):
    browser = app.test_client()
    slug, event_id = new_event(app)
    browser.get(f"/events/{slug}/register")
    with app.app_context():
        db.session.get(Event, event_id).registration_deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    answer = sent(browser, slug)
    assert answer.status_code == 422 and "Sista anmälningsdag var" in answer.get_data(as_text=True)
    assert stored(app) == []


def test_places_taken_meanwhile_put_the_next_one_on_the_waiting_list(app, clock):
    from builders import register

    browser = app.test_client()
    slug, event_id = new_event(app, capacity=1)
    browser.get(f"/events/{slug}/register")  # one place left, as this worker read it
    with app.app_context():
        register(db.session.get(Event, event_id), utcnow())
    assert sent(browser, slug, email="sist@example.org").status_code == 302
    with app.app_context():
        mine = db.session.scalar(db.select(Registration).where(Registration.email == "sist@example.org"))
        assert mine.status == "waitlisted"


def test_a_question_added_meanwhile_must_be_answered(app, clock):
    from eventapp.services.events import EventData, save_event
    from eventapp.services.questions import QuestionData

    browser = app.test_client()
    slug, event_id = new_event(app)
    browser.get(f"/events/{slug}/register")
    with app.app_context():
        data = EventData.from_event(db.session.get(Event, event_id))
        data.questions = [QuestionData("Vilken målgrupp tillhör du?", ["Chef", "Strateg"], True)]
        save_event(slug, data, actor=None, now=utcnow())
    answer = sent(browser, slug)  # the form as it was a moment ago, without the question
    assert answer.status_code == 422
    assert stored(app) == []
    assert "Vilken målgrupp tillhör du?" in answer.get_data(as_text=True)


def test_registration_opened_meanwhile_is_not_refused_by_what_was_read_before(app, clock, monkeypatch):
    now = utcnow()
    slug, event_id = new_event(app, registration_opens_at=now + timedelta(hours=1))
    browser = app.test_client()
    page = browser.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Anmälan öppnar" in page
    with app.app_context():
        db.session.get(Event, event_id).registration_opens_at = now - timedelta(minutes=1)
        db.session.commit()
    assert sent(browser, slug).status_code == 302
    assert len(stored(app)) == 1


def test_an_event_gone_meanwhile_is_not_found_and_nothing_is_stored(app, clock):
    browser = app.test_client()
    slug, event_id = new_event(app)
    from conftest import CSRF_RE

    token = CSRF_RE.search(browser.get(f"/events/{slug}/register").get_data(as_text=True)).group(1)
    with app.app_context():
        db.session.delete(db.session.get(Event, event_id))
        db.session.commit()
    answer = browser.post(f"/events/{slug}/register", data={**VALID, "csrf_token": token})
    assert answer.status_code == 404
    assert stored(app) == []


def test_on_postgresql_a_registration_is_written_and_its_event_locked_in_one_statement(app, clock, statements):
    """The registration, its link, its queued message and its answers are inserted, and the event
    locked after them, by one statement; then the places are counted and the transaction commits."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite inserts the rows one by one: a statement costs no round trip there")
    from eventapp.models import Question

    browser = app.test_client()
    slug, event_id = new_event(app)
    with app.app_context():
        db.session.add_all([Question(event_id=event_id, text="Vilket pass?", position=1),
                            Question(event_id=event_id, text="Lunch?", position=2)])
        db.session.commit()
        session_id, lunch_id = db.session.scalars(db.select(Question.id).order_by(Question.position)).all()
    browser.get(f"/events/{slug}/register")
    statements.clear()
    answer = sent(browser, slug, **{f"question_{session_id}": "Förmiddag", f"question_{lunch_id}": "Ja"})
    assert answer.status_code == 302
    writes = [s for s in statements if "INSERT INTO" in s or "FOR NO KEY UPDATE" in s]
    assert len(writes) == 1
    assert all(f"INSERT INTO {table} " in writes[0]
               for table in ("registration", "personal_link", "outbox_message", "answer"))
    # Locked after the insert, by the event the inserted row names.
    assert writes[0].index("FOR NO KEY UPDATE") > writes[0].index("INSERT INTO registration ")
    assert [s for s in statements[statements.index(writes[0]) + 1:] if "FROM event" in s] == []
    with app.app_context():
        registration = db.session.scalars(db.select(Registration)).one()
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert (registration.status, registration.organiser_note, registration.language) == ("confirmed", "", "sv")
        assert (message.registration_id, message.event_id, message.status, message.kind) == (
            registration.id, event_id, "pending", "confirmation")
        assert db.session.scalars(db.select(PersonalLink.registration_id)).all() == [registration.id]
        assert message.created_at == registration.created_at == registration.confirmed_at
        assert {a.question_id: a.value for a in registration.answers} == {session_id: "Förmiddag", lunch_id: "Ja"}


def test_on_postgresql_a_registration_without_answers_stores_none(app, clock):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL's statement inserting the answers as arrays")
    from eventapp.models import Answer

    browser = app.test_client()
    slug, _ = new_event(app)
    assert sent(browser, slug).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 0
        assert db.session.scalars(db.select(Registration.status)).all() == ["confirmed"]
