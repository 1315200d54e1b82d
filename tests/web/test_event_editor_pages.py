"""The event editor's rows (programme, meetings, questions) without JavaScript, in two languages, and
bad input in them."""
import re
from html.parser import HTMLParser

import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit
from test_admin import NEW_EVENT

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, Question, Registration
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData

PROGRAMME = {"agenda-0-starts": "08:00", "agenda-0-title": "Frukost",
             "agenda-1-starts": "08:30", "agenda-1-title": "Föreläsning",
             "agenda-2-starts": "09:30", "agenda-2-title": "Frågor"}
BASE = {name: value for name, value in NEW_EVENT.items() if not name.startswith("agenda-")} | PROGRAMME


@pytest.fixture
def organiser(app, client):
    with app.app_context():
        log_in(client, make_user("organiser@example.org", "organiser").id)
    return client


def events(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Event))


def programme_titles(page: str) -> list[str]:
    rows = re.sub(r"<template.*?</template>", "", page, flags=re.S)  # the blank row the script copies
    return re.findall(r'name="agenda-\d+-title" type="text" value="([^"]*)"', rows)


class FormValues(HTMLParser):
    """What a browser sends of the page's form when its save button is pressed."""

    def __init__(self, page: str):
        super().__init__()
        self.values: dict[str, str] = {}
        self._template = self._select = self._textarea = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self._template = True
        if self._template:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("checkbox", "radio") or \
                tag == "input" and "checked" in attrs:
            self.values[name] = attrs.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "template":
            self._template = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and not self._template:
            self.values[self._textarea] += data.removeprefix("\r\n") if not self.values[self._textarea] else data


def autofocused(page: str) -> str:
    return re.search(r'<[^>]* id="([^"]+)"[^>]*autofocus|<[^>]*autofocus[^>]* id="([^"]+)"', page).group(0)


@pytest.mark.parametrize(("action", "titles", "focus"), [
    ("agenda-2-up", ["Frukost", "Frågor", "Föreläsning"], 'id="agenda-1-up"'),
    ("agenda-0-down", ["Föreläsning", "Frukost", "Frågor"], 'id="agenda-1-down"'),
    ("agenda-0-up", ["Frukost", "Föreläsning", "Frågor"], 'id="agenda-0-up"'),  # the first stays first
    ("agenda-2-down", ["Frukost", "Föreläsning", "Frågor"], 'id="agenda-2-down"'),
    ("agenda-1-remove", ["Frukost", "Frågor"], 'id="agenda-add"'),
    ("agenda-add", ["Frukost", "Föreläsning", "Frågor", ""], 'id="agenda-3-starts"'),
    ("agenda-7-remove", ["Frukost", "Föreläsning", "Frågor"], None),  # a row that is not there
])
def test_rows_are_moved_added_and_removed_without_javascript(app, organiser, action, titles, focus):
    response = submit(organiser, "/admin/events/new", {**BASE, "row_action": action})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error-summary"' not in page
    assert programme_titles(page) == titles
    assert 'value="Nowa Nyfiken på Järvaveckan"' in page  # the rest of the form as it was
    if focus:
        assert focus in autofocused(page)
    assert events(app) == 0  # nothing is saved until the form is sent


def test_a_row_keeps_all_its_parts_when_it_moves(organiser):
    form = {**BASE, "agenda-2-speakers": "Rune", "agenda-2-title_en": "Questions", "row_action": "agenda-2-up"}
    page = submit(organiser, "/admin/events/new", form).get_data(as_text=True)
    assert 'name="agenda-1-speakers" type="text" value="Rune"' in page
    assert 'name="agenda-1-title_en" type="text" value="Questions"' in page
    assert 'name="agenda-1-starts" type="time" value="09:30"' in page


@pytest.mark.parametrize("action", ["agenda-x-up", "agenda-1-sideways", "invoices-add", "", "agenda-1--up",
                                    "agenda-99999-up", "agenda-²-up"])
def test_an_unknown_row_action_is_refused(app, organiser, action):
    assert submit(organiser, "/admin/events/new", {**BASE, "row_action": action}).status_code == 400
    assert events(app) == 0


@pytest.mark.parametrize("extra", [
    {"agenda-²-title": "x"}, {"agenda-99999999999999999999-title": "x"}, {"agenda--1-title": "x"},
    {"questions-0-id": "'; drop table event"}, {"questions-0-id": "99999999999999999999"},
    {"agenda-0-starts": "25:00"}, {"sessions-0-day": "0000-01-01"}, {"questions-0-kind": "\u00e5"},
])
def test_odd_row_names_and_values_are_no_error(app, organiser, extra):
    response = submit(organiser, "/admin/events/new", {**BASE, **extra})
    assert response.status_code in (302, 422)


def test_an_event_in_two_languages_with_questions_of_every_kind(app, organiser):
    form = {**BASE, "title_en": "Curious about Almedalen", "description": "Om Almedalen.",
            "description_en": "About Almedalen.", "agenda-0-title_en": "Breakfast",
            "questions-0-kind": "text", "questions-0-text": "Befattning i kommunen?",
            "questions-0-text_en": "Your role in the municipality?",
            "questions-1-kind": "long_text", "questions-1-text": "Vad vill du fråga Rune?",
            "questions-1-help_text": "Vi tar frågorna efter föreläsningen.",
            "questions-1-help_text_en": "We take the questions after the talk.",
            "questions-2-kind": "choice", "questions-2-text": "Var sitter du?", "questions-2-required": "y",
            "questions-2-choices": "Främre raden\nBakre raden", "questions-2-choices_en": "Front row\nBack row",
            "questions-3-kind": "choices", "questions-3-text": "Vilka teman?",
            "questions-3-choices": "Media\nPolitik\nSamhälle",
            "questions-4-kind": "yes_no", "questions-4-text": "Vill du ha frukost?",
            "questions-4-text_en": "Breakfast?",
            "questions-4-choices": "ignored\nfor yes or no"}
    response = submit(organiser, "/admin/events/new", form)
    assert response.status_code == 302, re.findall(r'error-message[^>]*>([^<]*)', response.get_data(as_text=True))
    with app.app_context():
        event = db.session.scalar(db.select(Event))
        assert (event.title_en, event.description_en) == ("Curious about Almedalen", "About Almedalen.")
        assert [(a.title, a.title_en) for a in event.agenda][0] == ("Frukost", "Breakfast")
        assert [(q.kind, q.text, q.text_en, q.required, q.choices, q.choices_en) for q in event.questions] == [
            ("text", "Befattning i kommunen?", "Your role in the municipality?", False, [], []),
            ("long_text", "Vad vill du fråga Rune?", "", False, [], []),
            ("choice", "Var sitter du?", "", True, ["Främre raden", "Bakre raden"], ["Front row", "Back row"]),
            ("choices", "Vilka teman?", "", False, ["Media", "Politik", "Samhälle"], []),
            ("yes_no", "Vill du ha frukost?", "Breakfast?", False, [], []),
        ]
        assert event.questions[1].help_text_en == "We take the questions after the talk."


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"questions-0-choices_en": "Front row"}, "questions-0-choices_en", "ange ett engelskt svarsalternativ för varje"),
    ({"questions-0-text": ""}, "questions-0-text", "Fråga 1 behöver en text."),
    ({"questions-1-text": "VAR SITTER DU?"}, "questions-1-text", "Fråga 2 ställs två gånger."),
    ({"questions-0-help_text": "x" * 501}, "questions-0-help_text", "Högst 500 tecken."),
    ({"title_en": "x" * 201}, "title_en", "Högst 200 tecken."),
    ({"agenda-0-title_en": "Line\nbreak"}, "agenda-0-title_en", "Radbrytningar"),
])
def test_bad_rows_are_explained_beside_the_field_and_nothing_is_stored(app, organiser, changes, field, message):
    form = {**BASE, "questions-0-kind": "choice", "questions-0-text": "Var sitter du?",
            "questions-0-choices": "Främre\nBakre", "questions-0-choices_en": "Front\nBack",
            "questions-1-kind": "text", "questions-1-text": "Något mer?"}
    response = submit(organiser, "/admin/events/new", {**form, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    shown = re.findall(r'error-message[^>]*>([^<]*)', page)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), shown
    assert f'href="#{field}"' in page  # the summary leads to the field
    assert events(app) == 0


def test_too_many_questions_are_explained_beside_the_list(app, organiser):
    questions = {f"questions-{n}-{part}": value for n in range(11)
                 for part, value in (("kind", "text"), ("text", f"Fråga {n}?"))}
    response = submit(organiser, "/admin/events/new", {**BASE, **questions})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="questions-error">Högst 10 frågor.' in page and 'href="#questions">Högst 10 frågor.' in page
    assert events(app) == 0


def test_an_edit_keeps_a_questions_answers_when_its_text_changes_and_moves(app, organiser):
    with app.app_context():
        now = utcnow()
        event = make_event(now)
        data = EventData.from_event(event)
        data.questions = [QuestionData("Lunch?", kind="yes_no"), QuestionData("Bord?", ["A", "B"])]
        save_event(event.slug, data, actor=None, now=now)
        lunch, table = (q.id for q in event.questions)
        register(event, now, answers={lunch: "yes", table: "B"})
        slug = event.slug
    form = FormValues(organiser.get(f"/admin/events/{slug}/edit").get_data(as_text=True)).values
    form.pop("csrf_token")
    moved = submit(organiser, f"/admin/events/{slug}/edit",
                   {**form, "questions-0-text": "Vill du äta lunch?", "row_action": "questions-1-up"})
    form = FormValues(moved.get_data(as_text=True)).values
    form.pop("csrf_token")
    assert (form["questions-0-id"], form["questions-1-id"]) == (str(table), str(lunch))
    response = submit(organiser, f"/admin/events/{slug}/edit", form)
    assert response.status_code == 302, re.findall(r'error-message[^>]*>([^<]*)', response.get_data(as_text=True))
    assert "Dina ändringar har sparats." in organiser.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        asked = db.session.scalars(db.select(Question).order_by(Question.position)).all()
        assert [(q.id, q.text) for q in asked] == [(table, "Bord?"), (lunch, "Vill du äta lunch?")]
        registration = db.session.scalar(db.select(Registration))
        assert sorted((a.question_id, a.value) for a in registration.answers) == sorted([(lunch, "yes"), (table, "B")])


def test_the_editor_shows_an_events_rows_as_they_are_stored(app, organiser):
    with app.app_context():
        now = utcnow()
        event = make_event(now)
        data = EventData.from_event(event)
        data.questions = [QuestionData("Bord?", ["A", "B"], kind="choices", choices_en=["Ay", "Bee"], required=True,
                                       text_en="Table?", help_text="Välj gärna flera.")]
        save_event(event.slug, data, actor=None, now=now)
        slug = event.slug
    page = organiser.get(f"/admin/events/{slug}/edit").get_data(as_text=True)
    assert '<option selected value="choices">Flera val</option>' in page
    assert 'name="questions-0-text_en" type="text" value="Table?"' in page
    assert 'name="questions-0-choices_en">\r\nAy\nBee</textarea>' in page
    assert '<input checked id="questions-0-required"' in page
    # A blank row for the page's script to copy when a row is added.
    assert '<template data-row-template="questions">' in page


def test_the_feedback_settings_are_saved_from_the_editor_and_bad_ones_explained(app, organiser):
    settings = {"feedback_questions": "Hur var lokalen?\r\nHur var maten?", "feedback_named": "y"}
    response = submit(organiser, "/admin/events/new", {**BASE, **settings})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(db.select(Event))
        assert (event.feedback_questions, event.feedback_named) == (["Hur var lokalen?", "Hur var maten?"], True)
        slug = event.slug
    page = organiser.get(f"/admin/events/{slug}/edit").get_data(as_text=True)
    assert "Hur var lokalen?\nHur var maten?</textarea>" in page
    refused = submit(organiser, "/admin/events/new", {**BASE, "feedback_questions": "Samma?\nsamma?"})
    assert refused.status_code == 422
    assert 'id="feedback_questions-error">En fråga om synpunkter ställs två gånger.' in refused.get_data(as_text=True)
    assert events(app) == 1
