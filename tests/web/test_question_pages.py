"""The event's own questions as the organiser sets them and the attendee answers them, and the
course meetings in the event form."""
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit
from openpyxl import load_workbook

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.services.api_tokens import create_token
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData

VALID = {
    "first_name": "Åsa", "last_name": "Öberg-Ärlig", "email": "asa@example.org", "organisation": "Lunds kommun",
    "job_title": "Strateg", "consent": "y",
}
GROUP = "Vilken målgrupp tillhör du?"
TABLE = "Vilket bord vill du börja vid?"


@pytest.fixture
def forum(app):
    with app.app_context():
        now = utcnow()
        event = make_event(now, kind="forum")
        data = EventData.from_event(event)
        data.questions = [QuestionData(GROUP, ["Chef", "Strateg"], required=True),
                          QuestionData(TABLE, ["Bostad", "Hälsa"]), QuestionData("Övrigt <b>till oss</b>?")]
        save_event(event.slug, data, actor=None, now=now)
        ids = {q.text: q.id for q in event.questions}
        return SimpleNamespace(slug=event.slug, id=event.id, group=f"question_{ids[GROUP]}",
                               table=f"question_{ids[TABLE]}", other=f"question_{ids['Övrigt <b>till oss</b>?']}")


@pytest.fixture
def organiser(app, client):
    with app.app_context():
        log_in(client, make_user("organiser@example.org", "organiser").id)
    return client


def stored(app):
    with app.app_context():
        return [(r.email, sorted(a.value for a in r.answers)) for r in db.session.scalars(db.select(Registration))]


def test_the_form_asks_the_questions_as_labelled_groups(client, forum):
    page = client.get(f"/events/{forum.slug}/register").get_data(as_text=True)
    assert "Frågor från arrangören" in page
    assert f'<fieldset class="field radio-group" id="{forum.group}"' in page
    assert f"<legend>{GROUP}</legend>" in page
    assert f"<legend>{TABLE} (frivilligt)</legend>" in page
    assert "Övrigt &lt;b&gt;till oss&lt;/b&gt;? (frivilligt)" in page  # the organiser's text, escaped


def test_a_required_question_left_unanswered_is_explained_beside_it(app, client, forum):
    response = submit(client, f"/events/{forum.slug}/register", {**VALID, "first_name": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # Shown together with the form's other complaints, each beside its field.
    assert f'id="{forum.group}-error">Svara på frågan: {GROUP}' in page
    assert 'id="first_name-error"' in page
    assert f'href="#{forum.group}"' in page  # the error summary leads to the question
    assert stored(app) == []


def test_an_answer_not_among_the_choices_is_refused(app, client, forum):
    response = submit(client, f"/events/{forum.slug}/register", {**VALID, forum.group: "Kung"})
    assert response.status_code == 422
    assert "Välj ett av svarsalternativen." in response.get_data(as_text=True)
    assert stored(app) == []


def test_answers_are_stored_and_shown_on_the_personal_page(app, client, forum):
    response = submit(client, f"/events/{forum.slug}/register",
                      {**VALID, forum.group: "Strateg", forum.table: "Hälsa", forum.other: "<script>x</script>"})
    assert response.status_code == 302
    assert stored(app) == [("asa@example.org", ["<script>x</script>", "Hälsa", "Strateg"])]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/r/[^"]+)"', page).group(1)
    personal = client.get(link).get_data(as_text=True)
    assert f'<dt>{TABLE}</dt><dd class="pre-line">Hälsa</dd>' in personal
    assert "&lt;script&gt;x&lt;/script&gt;" in personal and "<script>x</script>" not in personal


def test_organiser_sets_questions_and_meetings_in_the_event_form(app, organiser):
    from test_admin import NEW_EVENT

    form = {**NEW_EVENT, "kind": "course", "reminder_days": "5",
            "questions-0-kind": "choice", "questions-0-text": "Vilken grupp?",
            "questions-0-choices": "Chef\r\nStrateg\r\n\r\n", "questions-0-required": "y",
            "questions-1-kind": "text", "questions-1-text": "Vad vill du veta mer om?",
            "questions-2-kind": "text",  # a row left empty
            "sessions-0-day": "2031-02-07", "sessions-0-starts": "08:00", "sessions-0-ends": "09:00",
            "sessions-0-title": "Träff 1", "sessions-0-venue": "Sal Dalälven",
            "sessions-1-day": "2031-02-14", "sessions-1-starts": "08.00", "sessions-1-ends": "09.00",
            "sessions-1-title": "Träff 2"}
    response = submit(organiser, "/admin/events/new", form)
    assert response.status_code == 302, re.findall(r'error-message[^>]*>([^<]*)', response.get_data(as_text=True))
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.slug == slug))
        assert [(q.kind, q.text, q.choices, q.required) for q in event.questions] == [
            ("choice", "Vilken grupp?", ["Chef", "Strateg"], True), ("text", "Vad vill du veta mer om?", [], False)]
        assert [(s.title, s.venue, s.starts_at.isoformat(), s.ends_at.hour) for s in event.sessions] == [
            ("Träff 1", "Sal Dalälven", "2031-02-07T07:00:00+00:00", 8),
            ("Träff 2", "", "2031-02-14T07:00:00+00:00", 8)]
        assert event.reminder_days == 5
        first = event.questions[0].id
    page = organiser.get(f"/admin/events/{slug}/edit").get_data(as_text=True)
    assert f'name="questions-0-id" type="hidden" value="{first}"' in page
    assert 'name="questions-0-choices">\r\nChef\nStrateg</textarea>' in page
    assert 'name="sessions-1-day" type="date" value="2031-02-14"' in page
    assert 'name="sessions-1-starts" type="time" value="08:00"' in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"sessions-1-day": "7 februari"}, "sessions-1-day", "Ange ett datum, t.ex. 2027-02-01."),
    ({"sessions-0-day": "2031-02-30"}, "sessions-0-day", "Ange ett datum, t.ex. 2027-02-01."),
    ({"sessions-0-ends": "07:00"}, "sessions-0-ends", "Träffen måste sluta efter att den börjar."),
    ({"sessions-0-ends": "08:00"}, "sessions-0-ends", "Träffen måste sluta efter att den börjar."),
    ({"sessions-1-title": ""}, "sessions-1-title", "Fyll i en rubrik."),
    ({"questions-0-choices": "Bostad"}, "questions-0-choices", "Fråga 1: ange minst två svarsalternativ"),
    ({"questions-0-kind": "party"}, "questions-0-kind", "Inte ett giltigt val"),
    ({"reminder_days": "31"}, "reminder_days", "Mellan 0 och 30 dagar."),
])
def test_bad_meetings_and_questions_are_explained_and_nothing_is_stored(app, organiser, changes, field, message):
    from test_admin import NEW_EVENT

    form = {**NEW_EVENT, "questions-0-kind": "choice", "questions-0-text": "Bord?", "questions-0-choices": "A\nB",
            "sessions-0-day": "2031-02-07", "sessions-0-starts": "08:00", "sessions-0-ends": "09:00",
            "sessions-0-title": "Träff 1", "sessions-1-day": "2031-02-14", "sessions-1-starts": "08:00",
            "sessions-1-ends": "09:00", "sessions-1-title": "Träff 2"}
    response = submit(organiser, "/admin/events/new", {**form, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_answers_come_out_in_the_exports_statistics_and_api(app, client, organiser, forum):
    with app.app_context():
        event = db.session.get(Event, forum.id)
        ids = {q.text: q.id for q in event.questions}
        register(event, utcnow(), 1, first_name="Anna", answers={ids[GROUP]: "Chef", ids[TABLE]: "Bostad"})
        register(event, utcnow(), 2, first_name="Bo", answers={ids[GROUP]: "Strateg",
                                                               ids["Övrigt <b>till oss</b>?"]: '=HYPERLINK("http://x","y")'})
        token = create_token("organiser@example.org", now=utcnow())[1]
    sheet = load_workbook(io.BytesIO(organiser.get(f"/admin/events/{forum.slug}/attendees.xlsx").data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[-3:] == [GROUP, TABLE, "Övrigt <b>till oss</b>?"]
    rows = {row[1]: tuple(row[-3:]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    # A free-text answer is inert text, never a formula.
    assert rows == {"Anna": ("Chef", "Bostad", None), "Bo": ("Strateg", None, '\'=HYPERLINK("http://x","y")')}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    csv = organiser.get(f"/admin/events/{forum.slug}/attendees.csv").data.decode("utf-8-sig")
    assert csv.splitlines()[0].endswith(f";{GROUP};{TABLE};Övrigt <b>till oss</b>?")
    assert '\'=HYPERLINK(""http://x"",""y"")' in csv
    stats = organiser.get(f"/admin/events/{forum.slug}/statistics").get_data(as_text=True)
    assert f"<title id=\"chart-question-1-title\">{GROUP}</title>" in stats
    assert "Chef: 1 personer; Strateg: 1 personer" in stats
    api = client.get(f"/api/v1/events/{forum.slug}/registrations", headers={"Authorization": f"Bearer {token}"})
    assert sorted(r["answers"].get(GROUP) for r in api.get_json()) == ["Chef", "Strateg"]


def test_the_personal_page_does_not_show_a_retired_question(app, client, forum):
    with app.app_context():
        event = db.session.get(Event, forum.id)
        ids = {q.text: q.id for q in event.questions}
        result = register(event, utcnow(), answers={ids[GROUP]: "Chef", ids[TABLE]: "Bostad"})
        data = EventData.from_event(event)
        data.questions = data.questions[:1]
        save_event(event.slug, data, actor=None, now=utcnow() + timedelta(seconds=1))
        token = result.token
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert GROUP in page and TABLE not in page
