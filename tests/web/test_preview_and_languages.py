"""An event's texts in Swedish and English on the public pages, e-mails and calendars, and the
preview staff see before publishing."""
import email
import email.policy
import re
from types import SimpleNamespace

import pytest
from builders import log_in, make_event, make_user, written
from conftest import submit
from icalendar import Calendar

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, OutboxMessage, Registration
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData

VALID = {"first_name": "Leyla", "last_name": "Rahimi", "email": "leyla@example.org", "organisation": "Lunds kommun",
         "consent": "y"}


@pytest.fixture
def forum(app):
    """A forum written in Swedish and, except for some texts, in English."""
    with app.app_context():
        now = utcnow()
        event = make_event(now, kind="forum", title="Strategiskt forum", title_en="Strategic forum",
                           description="Om integration.", description_en="")
        event.agenda = [AgendaItem(starts_at=event.starts_at, title="Välkommen", title_en="Welcome"),
                        AgendaItem(starts_at=event.starts_at, title="World café")]
        db.session.commit()
        data = EventData.from_event(event)
        data.questions = [
            QuestionData("Vilken målgrupp?", ["Chef", "Strateg"], required=True, text_en="Which target group?",
                         choices_en=["Manager", "Strategist"], help_text="Välj en.", help_text_en="Choose one."),
            QuestionData("Vilka bord?", ["Bostad", "Hälsa"], kind="choices", text_en="Which tables?"),
            QuestionData("Lunch?", kind="yes_no", text_en="Lunch?"),
            QuestionData("Övrigt", kind="long_text"),
        ]
        save_event(event.slug, data, actor=None, now=now)
        ids = [q.id for q in event.questions]
        return SimpleNamespace(slug=event.slug, id=event.id, group=f"question_{ids[0]}", tables=f"question_{ids[1]}",
                               lunch=f"question_{ids[2]}", other=f"question_{ids[3]}")


def test_the_event_page_in_english_shows_the_english_texts_and_marks_the_swedish_ones(client, forum):
    page = client.get(f"/events/{forum.slug}?lang=en").get_data(as_text=True)
    assert "<h1>Strategic forum</h1>" in page  # English on an English page: nothing to mark
    assert '<section class="description" lang="sv">' in page  # no English description: the Swedish one
    assert "<span>Welcome</span>" in page and '<span lang="sv">World café</span>' in page
    swedish = client.get(f"/events/{forum.slug}?lang=sv").get_data(as_text=True)
    assert "<h1>Strategiskt forum</h1>" in swedish and "Welcome" not in swedish


def test_the_english_form_asks_the_questions_in_english(client, forum):
    page = client.get(f"/events/{forum.slug}/register?lang=en").get_data(as_text=True)
    assert "<legend>Which target group?</legend>" in page
    assert f'<p class="hint" id="{forum.group}-hint">Choose one.</p>' in page
    assert f'value="Chef"> <label for="{forum.group}-0">Manager</label>' in page
    assert "<legend>Which tables? (optional)</legend>" in page
    # Choices without an English version: the Swedish ones, marked as Swedish.
    assert f'type="checkbox" value="Bostad"> <label for="{forum.tables}-0" lang="sv">Bostad</label>' in page
    assert f'value="yes"> <label for="{forum.lunch}-0">Yes</label>' in page
    # The question has no English text: the Swedish one, marked as Swedish for screen readers.
    assert f'<label for="{forum.other}" lang="sv">Övrigt (optional)</label>' in page
    assert f'<textarea id="{forum.other}" name="{forum.other}">' in page


def test_an_english_registration_stores_the_answers_as_the_organiser_wrote_them(app, client, forum):
    client.get("/?lang=en")
    response = submit(client, f"/events/{forum.slug}/register", {
        **VALID, forum.group: "Strateg", forum.tables: ["Hälsa", "Bostad"], forum.lunch: "no",
        forum.other: "Rad ett\r\nRad två"})
    assert response.status_code == 302, re.findall(r'error-message[^>]*>([^<]*)', response.get_data(as_text=True))
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Welcome to Strategic forum, Leyla." in confirmation
    with app.app_context():
        registration = db.session.scalar(db.select(Registration))
        assert sorted(a.value for a in registration.answers) == ["Bostad\nHälsa", "Rad ett\nRad två", "Strateg", "no"]
        [message] = db.session.scalars(db.select(OutboxMessage))
        assert message.subject == "Registration confirmed: Strategic forum"
        mail = email.message_from_string(written(message), policy=email.policy.default)
        text = mail.get_body(("plain",)).get_content()
        assert "Strategic forum" in text and "Strategiskt forum" not in text
        invitation = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
        assert str(Calendar.from_ical(invitation.get_content()).walk("VEVENT")[0]["SUMMARY"]) == "Strategic forum"
    personal = client.get(re.search(r'href="(/r/[^"]+)"', confirmation).group(1)).get_data(as_text=True)
    assert '<dt>Which tables?</dt><dd class="pre-line">Housing, Health</dd>' not in personal  # no English choices
    assert '<dt>Which tables?</dt><dd class="pre-line">Bostad, Hälsa</dd>' in personal
    assert '<dt>Which target group?</dt><dd class="pre-line">Strategist</dd>' in personal
    assert '<dt>Lunch?</dt><dd class="pre-line">No</dd>' in personal


def test_a_multiple_choice_answer_not_offered_is_refused_beside_the_question(app, client, forum):
    response = submit(client, f"/events/{forum.slug}/register",
                      {**VALID, forum.group: "Chef", forum.tables: ["Bostad", "Kung"]})
    assert response.status_code == 422
    assert f'id="{forum.tables}-error">Välj bland svarsalternativen.' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0


def test_the_calendar_is_in_the_language_its_address_says(client, forum):
    def summary(url):
        return str(Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]["SUMMARY"])

    client.get("/?lang=en")  # the visitor's choice does not change a calendar that caches share
    assert summary(f"/events/{forum.slug}/calendar.ics") == "Strategiskt forum"
    assert summary(f"/events/{forum.slug}/calendar.ics?lang=en") == "Strategic forum"
    page = client.get(f"/events/{forum.slug}").get_data(as_text=True)
    assert f'href="/events/{forum.slug}/calendar.ics?lang=en" download' in page
    assert "text=Strategic+forum" in page  # Google Calendar's link


# The preview ---------------------------------------------------------------------------------------


@pytest.fixture
def draft(app, forum):
    with app.app_context():
        db.session.get(Event, forum.id).published = False
        db.session.commit()
    return forum


@pytest.fixture
def organiser(app, client):
    with app.app_context():
        log_in(client, make_user("organiser@example.org", "organiser").id)
    return client


def test_an_unpublished_event_is_previewed_by_staff_clearly_marked_and_not_indexed(client, organiser, draft):
    response = organiser.get(f"/admin/events/{draft.slug}/preview")
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex, nofollow"
    page = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert '<strong id="preview-title">Förhandsvisning</strong>' in page and "Det är inte publicerat än" in page
    assert f'href="/admin/events/{draft.slug}/preview/register"' in page
    assert "calendar.ics" not in page  # no calendar of an event nobody can see yet
    assert client.get(f"/events/{draft.slug}").status_code == 404  # still hidden from visitors


def test_the_previewed_form_cannot_be_sent(organiser, draft):
    response = organiser.get(f"/admin/events/{draft.slug}/preview/register?lang=en")
    page = response.get_data(as_text=True)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "<legend>Which target group?</legend>" in page
    assert re.search(r'<button type="submit" class="button" disabled aria-describedby="preview-disabled">', page)
    assert '<form novalidate class="form">' in page  # no method: nothing is posted from it
    assert organiser.post(f"/admin/events/{draft.slug}/preview/register").status_code in (400, 405)


def test_the_preview_is_for_staff_only(app, client, draft):
    assert client.get(f"/admin/events/{draft.slug}/preview").status_code == 302  # to the login
    with app.app_context():
        log_in(client, make_user("dorr@example.org", "checkin").id)
    assert client.get(f"/admin/events/{draft.slug}/preview").status_code == 403
    assert client.get(f"/admin/events/{draft.slug}/preview/register").status_code == 403


def test_previewing_an_unknown_event_is_404(organiser):
    assert organiser.get("/admin/events/finns-inte/preview").status_code == 404
