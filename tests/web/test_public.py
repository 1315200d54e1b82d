"""The public pages and the registration form, as an attendee's browser uses them."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from builders import make_event, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, Registration

VALID = {
    "first_name": "Åsa", "last_name": "Öberg-Ärlig", "email": "asa@example.org", "organisation": "nacka",
    "job_title": "Kommunikatör", "phone": "+46 8 123 45 67", "dietary": "Vegetarisk", "org_number": "",
    "invoice_reference": "KS-123", "consent": "y",
}


@pytest.fixture
def event(app):
    with app.app_context():
        event = make_event(utcnow())
        return SimpleNamespace(slug=event.slug, title=event.title)


def registrations(app):
    with app.app_context():
        query = db.select(Registration).options(db.joinedload(Registration.organisation))
        return list(db.session.scalars(query))


def test_event_list_shows_published_upcoming_events_only(app, client):
    with app.app_context():
        now = utcnow()
        make_event(now, title="Synlig konferens")
        make_event(now, title="Opublicerad konferens", published=False)
        make_event(now - timedelta(days=60), title="Gammal konferens")
    page = client.get("/").get_data(as_text=True)
    assert "Synlig konferens" in page
    assert "Opublicerad konferens" not in page
    assert "Gammal konferens" not in page


def test_event_page_in_swedish_with_places_left(client, event):
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert event.title in page
    assert "10 platser kvar" in page
    assert 'lang="sv"' in page
    assert "Sista anmälningsdag" in page


def test_full_event_invites_to_the_waiting_list(app, client):
    with app.app_context():
        now = utcnow()
        full = make_event(now, capacity=1)
        register(full, now)
        slug = full.slug
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "Fullbokat – anmäl dig till väntelistan" in page


@pytest.mark.parametrize("path", ["/events/no-such-event", "/events/no-such-event/register"])
def test_unknown_event_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.get_data(as_text=True)


def test_unpublished_event_is_404(app, client):
    with app.app_context():
        slug = make_event(utcnow(), published=False).slug
    assert client.get(f"/events/{slug}").status_code == 404
    assert client.get(f"/events/{slug}/register").status_code == 404


def test_form_has_the_stable_field_names(client, event):
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    for name in ("first_name", "last_name", "email", "organisation", "job_title", "phone", "dietary",
                 "org_number", "invoice_reference", "consent", "csrf_token"):
        assert f'name="{name}"' in page


def test_registering_confirms_and_links_to_the_personal_page(app, client, event):
    response = submit(client, f"/events/{event.slug}/register", VALID)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du är anmäld" in page
    assert "Hantera din anmälan" in page
    [stored] = registrations(app)
    assert (stored.first_name, stored.last_name, stored.status) == ("Åsa", "Öberg-Ärlig", "confirmed")
    assert stored.organisation.name == "Nacka kommun"
    assert stored.phone == "+46 8 123 45 67"


def test_waiting_list_is_stated_plainly(app, client):
    with app.app_context():
        now = utcnow()
        full = make_event(now, capacity=1)
        register(full, now)
        slug = full.slug
    response = submit(client, f"/events/{slug}/register", VALID)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du står på väntelistan" in page
    assert "nummer 1 på väntelistan" in page


def test_repeated_submit_gets_the_same_answer_and_no_second_row(app, client, event):
    first = submit(client, f"/events/{event.slug}/register", VALID)
    second = submit(client, f"/events/{event.slug}/register", {**VALID, "email": "ASA@example.org"})
    assert first.status_code == second.status_code == 302
    assert "Du är anmäld" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert len(registrations(app)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Fyll i ditt förnamn."),
        ({"last_name": "x" * 201}, "last_name", "Högst 200 tecken."),
        ({"email": "not-an-address"}, "email", "Fyll i en e-postadress"),
        ({"consent": ""}, "consent", "Du behöver godkänna"),
        ({"org_number": "202100-5449"}, "org_number", "inte ett giltigt svenskt organisationsnummer"),
        ({"first_name": "Anna\r\nBcc: x@example.org"}, "first_name", "Radbrytningar"),
        ({"phone": "ring mig"}, "phone", "telefonnummer"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_nothing_is_stored(app, client, event, changes, field, message):
    response = submit(client, f"/events/{event.slug}/register", {**VALID, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page
    assert message in page
    assert registrations(app) == []


def test_form_without_csrf_token_is_refused(app, client, event):
    response = client.post(f"/events/{event.slug}/register", data=VALID)
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in response.get_data(as_text=True)
    assert registrations(app) == []


def test_markup_and_any_script_are_stored_as_typed_and_shown_escaped(app, client, event):
    data = {**VALID, "first_name": "<script>alert(1)</script>", "last_name": "محمود آغا",
            "organisation": "<b>Al-Kompis</b>"}
    response = submit(client, f"/events/{event.slug}/register", data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    [stored] = registrations(app)
    assert stored.first_name == "<script>alert(1)</script>"
    assert stored.last_name == "محمود آغا"
    assert stored.organisation_name == "<b>Al-Kompis</b>"


def test_deadline_passed_a_second_ago_stores_nothing(app, client):
    with app.app_context():
        now = utcnow()
        event = make_event(now, registration_deadline=now - timedelta(seconds=1))
        slug = event.slug
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Sista anmälningsdag var" in page
    assert 'name="first_name"' not in page
    response = client.post(f"/events/{slug}/register", data=VALID)
    assert response.status_code in (400, 422)
    assert registrations(app) == []


def test_english_is_one_click_away_and_remembered(client, event):
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "?lang=en" in page
    english = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "10 places left" in english
    form = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "First name" in form


def test_registration_in_english_records_the_language(app, client, event):
    client.get("/?lang=en")
    response = submit(client, f"/events/{event.slug}/register", VALID)
    assert "You are registered" in client.get(response.headers["Location"]).get_data(as_text=True)
    [stored] = registrations(app)
    assert stored.language == "en"


def test_confirmation_page_without_a_registration_goes_back_to_the_event(client, event):
    response = client.get(f"/events/{event.slug}/registered")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.slug}")


@pytest.mark.parametrize(("language", "message"), [("sv", "Inte ett giltigt val"), ("en", "Not a valid choice")])
def test_the_forms_own_messages_follow_the_language(client, event, language, message):
    """Are wtforms' built-in messages (here an unknown organisation type) in the visitor's language?"""
    client.get(f"/events/{event.slug}?lang={language}")
    response = submit(client, f"/events/{event.slug}/register", {**VALID, "organisation_kind": "party"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def form_values(page: str) -> tuple[str, str]:
    import re

    return (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
            re.search(r'name="form_shown" type="hidden" value="([^"]+)"', page).group(1))


def test_every_visitor_gets_a_form_of_their_own(app, event):
    """The blank form is rendered once and kept: does each visitor still get their own token and stamp,
    and can each of them register with it?"""
    first, second = app.test_client(), app.test_client()
    pages = [c.get(f"/events/{event.slug}/register").get_data(as_text=True) for c in (first, second)]
    (token_1, shown_1), (token_2, shown_2) = form_values(pages[0]), form_values(pages[1])
    assert token_1 != token_2  # (the stamps differ too, unless both were shown within the same second)
    assert pages[0].replace(token_1, "").replace(shown_1, "") == pages[1].replace(token_2, "").replace(shown_2, "")
    for number, (browser, token, shown) in enumerate([(first, token_1, shown_1), (second, token_2, shown_2)]):
        answer = browser.post(f"/events/{event.slug}/register", data={
            **VALID, "email": f"asa{number}@example.org", "csrf_token": token, "form_shown": shown})
        assert answer.status_code == 302
    # One visitor's token is no good in another's session.
    assert first.post(f"/events/{event.slug}/register", data={
        **VALID, "email": "asa9@example.org", "csrf_token": token_2}).status_code == 400
    assert len(registrations(app)) == 2


def test_a_changed_event_shows_at_once_on_the_kept_form(app, client):
    """Does the kept form follow the event: a new title, a new question, the last place taken?"""
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=1)
        slug = event.slug
    assert "Anmäl dig" in client.get(f"/events/{slug}/register").get_data(as_text=True)
    with app.app_context():
        from eventapp.services.events import EventData, save_event
        from eventapp.services.questions import QuestionData

        data = EventData.from_event(db.session.get(Event, event.id))
        data.title = "Nytt namn"
        data.questions = [QuestionData("Vilken målgrupp tillhör du?", ["Chef", "Strateg"], False)]
        save_event(slug, data, actor=None, now=utcnow())
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Nytt namn" in page and "Vilken målgrupp tillhör du?" in page
    with app.app_context():
        register(db.session.get(Event, event.id), utcnow())
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Anmäl dig till väntelistan" in page


def test_an_organiser_is_not_shown_a_kept_form(app, client, event):
    """A logged-in organiser sees the header with the back office; the kept form is for anonymous visitors."""
    from builders import log_in, make_user

    client.get(f"/events/{event.slug}/register")  # kept now
    with app.app_context():
        user_id = make_user("org@example.org", "organiser").id
        db.session.commit()
    log_in(client, user_id)
    assert "Logga ut" in client.get(f"/events/{event.slug}/register").get_data(as_text=True)
