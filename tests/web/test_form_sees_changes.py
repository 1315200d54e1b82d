"""The registration form and what is sent with it follow the event as it is stored: a change made by
an organiser while someone fills in the form decides what happens when they send it, and the kept
blank form (``web.kept_pages``) shows a change at once."""
from datetime import timedelta

from builders import make_event, register
from conftest import CSRF_RE

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData

VALID = {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org", "organisation": "Nacka kommun",
         "consent": "y"}


def new_event(app, **fields) -> tuple[str, int]:
    with app.app_context():
        event = make_event(utcnow(), **fields)
        return event.slug, event.id


def change(app, event_id: int, **fields) -> None:
    """Change the event as an organiser does, through the service."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        data = EventData.from_event(event)
        for name, value in fields.items():
            setattr(data, name, value)
        save_event(event.slug, data, actor=None, now=utcnow())


def form_token(browser, slug: str) -> str:
    return CSRF_RE.search(browser.get(f"/events/{slug}/register").get_data(as_text=True)).group(1)


def send(browser, slug: str, token: str, **changes):
    return browser.post(f"/events/{slug}/register", data={**VALID, "csrf_token": token, **changes})


def stored(app) -> list[Registration]:
    with app.app_context():
        return list(db.session.scalars(db.select(Registration)))


def test_a_change_to_the_event_shows_on_the_next_blank_form(app, client):
    slug, event_id = new_event(app, title="Gammalt namn")
    assert "Gammalt namn" in client.get(f"/events/{slug}/register").get_data(as_text=True)
    change(app, event_id, title="Nytt namn")
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Nytt namn" in page and "Gammalt namn" not in page


def test_the_kept_form_carries_each_visitors_own_token(app):
    slug, _ = new_event(app)
    first, second = app.test_client(), app.test_client()
    assert form_token(first, slug) != form_token(second, slug)


def test_the_last_place_taken_shows_the_waiting_list_on_the_next_form(app, client):
    slug, event_id = new_event(app, capacity=1)
    assert "Anmäl dig till väntelistan" not in client.get(f"/events/{slug}/register").get_data(as_text=True)
    with app.app_context():
        register(db.session.get(Event, event_id), utcnow())
    assert "Anmäl dig till väntelistan" in client.get(f"/events/{slug}/register").get_data(as_text=True)


def test_the_deadline_is_judged_at_each_request(app, client, monkeypatch):
    from eventapp.web import public

    now = utcnow()
    slug, _ = new_event(app, registration_deadline=now + timedelta(hours=1))
    monkeypatch.setattr(public, "utcnow", lambda: now + timedelta(hours=1) - timedelta(microseconds=1))
    assert 'name="first_name"' in client.get(f"/events/{slug}/register").get_data(as_text=True)
    monkeypatch.setattr(public, "utcnow", lambda: now + timedelta(hours=1))
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Sista anmälningsdag var" in page and 'name="first_name"' not in page


def test_a_deadline_moved_into_the_past_meanwhile_stores_nothing(app):
    browser = app.test_client()
    slug, event_id = new_event(app)
    token = form_token(browser, slug)
    change(app, event_id, registration_deadline=utcnow() - timedelta(minutes=1))
    answer = send(browser, slug, token)
    assert answer.status_code == 422 and "Sista anmälningsdag var" in answer.get_data(as_text=True)
    assert stored(app) == []


def test_unpublished_meanwhile_registers_nobody(app):
    browser = app.test_client()
    slug, event_id = new_event(app)
    token = form_token(browser, slug)
    with app.app_context():
        db.session.get(Event, event_id).published = False
        db.session.commit()
    assert send(browser, slug, token).status_code == 404
    assert stored(app) == []


def test_places_taken_meanwhile_put_the_next_one_on_the_waiting_list(app):
    browser = app.test_client()
    slug, event_id = new_event(app, capacity=1)
    token = form_token(browser, slug)  # one place left when the form was shown
    with app.app_context():
        register(db.session.get(Event, event_id), utcnow())
    assert send(browser, slug, token, email="sist@example.org").status_code == 302
    with app.app_context():
        mine = db.session.scalar(db.select(Registration).where(Registration.email == "sist@example.org"))
        assert mine.status == "waitlisted"


def test_a_question_added_meanwhile_must_be_answered(app):
    browser = app.test_client()
    slug, event_id = new_event(app)
    token = form_token(browser, slug)
    change(app, event_id, questions=[QuestionData("Vilken målgrupp tillhör du?", ["Chef", "Strateg"], True)])
    answer = send(browser, slug, token)  # the form as it was, without the question
    assert answer.status_code == 422
    assert stored(app) == []
    assert "Vilken målgrupp tillhör du?" in answer.get_data(as_text=True)


def test_registration_opened_meanwhile_is_not_refused(app):
    now = utcnow()
    slug, event_id = new_event(app, registration_opens_at=now + timedelta(hours=1))
    browser = app.test_client()
    page = browser.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Anmälan öppnar" in page
    change(app, event_id, registration_opens_at=now - timedelta(minutes=1))
    assert send(browser, slug, form_token(browser, slug)).status_code == 302
    assert len(stored(app)) == 1


def test_an_event_gone_meanwhile_is_not_found_and_nothing_is_stored(app):
    browser = app.test_client()
    slug, event_id = new_event(app)
    token = form_token(browser, slug)
    with app.app_context():
        db.session.delete(db.session.get(Event, event_id))
        db.session.commit()
    assert send(browser, slug, token).status_code == 404
    assert stored(app) == []
