"""The feedback form behind the personal link and the organiser's results, as browsers use them."""
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, Feedback
from eventapp.services import privacy


@pytest.fixture
def held(app):
    """(token, event slug) of a confirmed registration for an event that started an hour ago."""
    with app.app_context():
        now = utcnow()
        event = make_event(now - timedelta(days=30), starts_at=now - timedelta(hours=1),
                           feedback_questions=["Hur var lokalen?"])
        result = register(event, now - timedelta(days=20))
        return result.token, event.slug


@pytest.fixture
def organiser(app, client):
    with app.app_context():
        user_id = make_user("organiser@example.org", "organiser").id
    log_in(client, user_id)
    return client


def test_feedback_is_linked_from_the_personal_page_and_given_once_changeably(app, client, held):
    token, slug = held
    assert f"/r/{token}/feedback" in client.get(f"/r/{token}").get_data(as_text=True)
    form = client.get(f"/r/{token}/feedback").get_data(as_text=True)
    assert "Hur var lokalen?" in form and "anonyma" in form
    response = submit(client, f"/r/{token}/feedback", {"rating": "4", "good": "Samtalen", "better": "",
                                                        "question_0": "2"})
    assert response.status_code == 303
    page = client.get(f"/r/{token}/feedback").get_data(as_text=True)
    assert "Samtalen" in page and "Tack" in page
    submit(client, f"/r/{token}/feedback", {"rating": "5", "good": "Samtalen och maten"})
    with app.app_context():
        assert [(f.rating, f.good, f.ratings) for f in db.session.scalars(db.select(Feedback))] == [
            (5, "Samtalen och maten", [])]


@pytest.mark.parametrize("data", [{}, {"rating": "7"}, {"rating": "x"}, {"rating": "3", "question_0": "0"},
                                  {"rating": "3", "good": "å" * 2001}])
def test_bad_input_gets_a_message_and_stores_nothing(app, client, held, data):
    token, _slug = held
    response = submit(client, f"/r/{token}/feedback", data)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 0


def test_before_the_event_the_form_says_when_it_opens(app, client):
    with app.app_context():
        now = utcnow()
        event = make_event(now)
        token = register(event, now).token
    page = client.get(f"/r/{token}/feedback")
    assert page.status_code == 200 and "öppnar" in page.get_data(as_text=True)
    assert 'name="rating"' not in page.get_data(as_text=True)
    assert submit(client, f"/r/{token}/feedback", {"rating": "4"}, form_url="/login").status_code == 422


def test_an_unknown_link_is_404(client):
    assert client.get("/r/not-a-real-token-at-all/feedback").status_code == 404


def test_results_show_charts_and_words_and_the_purge_removes_the_words(app, client, organiser, held):
    token, slug = held
    submit(client, f"/r/{token}/feedback", {"rating": "4", "good": "<b>Samtalen</b>", "better": "=1+2"})
    page = client.get(f"/admin/events/{slug}/feedback").get_data(as_text=True)
    assert "<svg" in page and "&lt;b&gt;Samtalen&lt;/b&gt;" in page
    assert "Anna Andersson" not in page  # anonymous unless the event says otherwise
    csv = client.get(f"/admin/events/{slug}/feedback.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "'=1+2" in text and "Anna Andersson" not in text

    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.slug == slug))
        privacy.purge_ended_events(event.ends_at + timedelta(days=91), days=90)
    page = client.get(f"/admin/events/{slug}/feedback").get_data(as_text=True)
    assert "Samtalen" not in page and "=1+2" not in client.get(f"/admin/events/{slug}/feedback.csv").get_data(
        as_text=True)
