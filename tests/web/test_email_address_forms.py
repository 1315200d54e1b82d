"""E-mail addresses on every form and in the API: a non-ASCII part before the @ is refused beside the
field and changes nothing; a domain in any script is taken and mailed in its ASCII form."""
import email
import email.policy
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from builders import log_in, make_event, make_user, register, written
from conftest import submit
from icalendar import Calendar

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, OutboxMessage, Registration
from eventapp.services.api_tokens import create_token

NON_ASCII_LOCAL = ["åsa@example.org", "дмитрий@example.org", "زينب@example.org"]
REFUSAL = "Vi kan inte skicka e-post till en adress med å, ä, ö eller andra tecken utanför a–z före @."
IDN = "Namn@Exempel.ÅÄÖ.se"
IDN_SENT = "Namn@exempel.xn--4cab6c.se"

#: A new event as the back-office form and the API take it.
NEW_EVENT = {"title": "Nowa Nyfiken på Järvaveckan", "kind": "seminar", "venue": "Nowa", "city": "Göteborg",
             "starts_at": "2031-02-07T08:00", "ends_at": "2031-02-07T10:00", "last_registration_day": "2031-02-05",
             "capacity": "40", "price": "0", "no_show_fee": "0"}
API_EVENT = {"title": "Nowa Nyfiken på Almedalen", "kind": "seminar", "starts_at": "2031-02-03T08:00:00+01:00",
             "ends_at": "2031-02-03T10:00:00+01:00", "venue": "Nordstan", "city": "Göteborg", "capacity": 60,
             "waitlist": True, "registration_opens_at": "2030-12-01T00:00:00+01:00",
             "registration_deadline": "2031-02-02T00:00:00+01:00", "price": 0, "no_show_fee": 0, "published": True}
PERSON = {"first_name": "Åsa", "last_name": "Öberg", "organisation": "Nacka kommun", "job_title": "Kommunikatör"}


def error_beside(page: str, field: str) -> str:
    """The error message shown under ``field`` ("" if there is none)."""
    match = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def counts(app) -> tuple[int, int]:
    """(registrations, outbox messages) in the database."""
    with app.app_context():
        return (db.session.scalar(db.select(db.func.count(Registration.id))),
                db.session.scalar(db.select(db.func.count(OutboxMessage.id))))


def only_message(app) -> SimpleNamespace:
    with app.app_context():
        [message] = db.session.scalars(db.select(OutboxMessage)).all()
        raw = written(message)
        parsed = email.message_from_string(raw, policy=email.policy.default)
        calendar = next((part.get_content() for part in parsed.walk() if part.get_content_type() == "text/calendar"),
                        None)
        return SimpleNamespace(recipient=message.recipient, raw=raw, parsed=parsed, calendar=calendar)


@pytest.fixture
def event(app):
    with app.app_context():
        now = utcnow()
        event = make_event(now)
        booked = register(event, now, 1)
        return SimpleNamespace(slug=event.slug, id=event.id, token=booked.token, booked=booked.registration.id)


@pytest.fixture
def staff_client(app, client):
    """Log ``client`` in as a new account with ``role``; returns it."""
    def as_role(role, events=()):
        with app.app_context():
            user_id = make_user(f"{role}@example.org", role, events=events).id
        log_in(client, user_id)
        return client
    return as_role


# Refused: a non-ASCII part before the @ -----------------------------------------------------------


@pytest.mark.parametrize("address", NON_ASCII_LOCAL)
def test_the_registration_form_refuses_a_non_ascii_local_part(app, client, event, address):
    """Does åsa@… on the public form get a 422 with the reason beside the e-mail field, and store nothing?"""
    before = counts(app)
    response = submit(client, f"/events/{event.slug}/register", {**PERSON, "email": address, "consent": "y"})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "email").startswith(REFUSAL)
    assert counts(app) == before


def test_the_refusal_is_in_english_for_english_visitors(app, client, event):
    """Is the message translated: does an English visitor read it in English?"""
    url = f"/events/{event.slug}/register?lang=en"
    response = submit(client, url, {**PERSON, "email": "åsa@example.org", "consent": "y"})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "email").startswith(
        "We cannot send e-mail to an address with å, ä, ö or other characters outside a–z before the @.")


@pytest.mark.parametrize("address", NON_ASCII_LOCAL)
def test_a_colleague_with_a_non_ascii_local_part_is_refused(app, client, event, address):
    """Does the personal link's transfer form refuse дмитрий@… beside the field and keep the place as it was?"""
    before = counts(app)
    url = f"/r/{event.token}/transfer"
    response = submit(client, url, {"first_name": "Dmitrij", "last_name": "Ivanov", "email": address,
                                    "confirm": "y"})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "email").startswith(REFUSAL)
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Registration, event.booked).status == "confirmed"


def test_the_organiser_cannot_add_or_change_to_such_an_address(app, staff_client, event):
    """Are the organiser's add-attendee and edit-attendee forms refused beside the field, changing nothing?"""
    client = staff_client("organiser")
    base = f"/admin/events/{event.slug}/attendees"
    before = counts(app)
    added = submit(client, base + "/new", {**PERSON, "email": "åsa@example.org"})
    assert added.status_code == 422
    assert error_beside(added.get_data(as_text=True), "email").startswith(REFUSAL)
    edited = submit(client, f"{base}/{event.booked}", {**PERSON, "email": "åsa@example.org"})
    assert edited.status_code == 422
    assert error_beside(edited.get_data(as_text=True), "email").startswith(REFUSAL)
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Registration, event.booked).email == "anna1@example.org"


def test_a_walk_in_with_such_an_address_is_refused(app, staff_client):
    """Is a walk-in registered at the door with åsa@… refused beside the field, and nobody checked in?"""
    with app.app_context():
        now = utcnow()
        door = make_event(now - timedelta(days=30), starts_at=now - timedelta(minutes=10),
                          registration_deadline=now - timedelta(hours=1))
        slug, door_event = door.slug, door
        client = staff_client("checkin", events=[door_event])
    before = counts(app)
    response = submit(client, f"/checkin/{slug}/walk-in", {**PERSON, "email": "åsa@example.org", "consent": "y"})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "email").startswith(REFUSAL)
    assert counts(app) == before


def test_the_event_form_refuses_such_an_organiser_address(app, staff_client, event):
    """Can an organiser give the event a reply-to address with å before the @? (It goes into every e-mail.)"""
    client = staff_client("organiser")
    page = client.get(f"/admin/events/{event.slug}/edit").get_data(as_text=True)
    assert "organiser_email" in page
    response = submit(client, "/admin/events/new", {**NEW_EVENT, "organiser_email": "åsa@kommun.se"})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "organiser_email").startswith(REFUSAL)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Event.id))) == 1
    assert submit(client, "/admin/events/new", {**NEW_EVENT, "organiser_email": "asa@kommun.se"}).status_code == 302


@pytest.fixture
def api_call(app, client):
    with app.app_context():
        make_user("organiser@example.org", "organiser")
        token = create_token("organiser@example.org", now=utcnow())[1]

    def call(method, url, **kwargs):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return call


def test_the_api_refuses_such_an_organiser_address(app, api_call, event):
    """Does PUT /api/v1/events/<slug> answer 422 on organiser_email for åsa@…, and leave the event as it was?"""
    created = api_call("PUT", "/api/v1/events/nytt-seminarium", json={**API_EVENT, "organiser_email": "åsa@kommun.se"})
    assert created.status_code == 422 and "organiser_email" in created.json["error"]["fields"]
    assert REFUSAL in " ".join(created.json["error"]["fields"]["organiser_email"])
    updated = api_call("PUT", f"/api/v1/events/{event.slug}",
                       json={**API_EVENT, "organiser_email": "дмитрий@kommun.se"})
    assert updated.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Event.id))) == 1
        assert db.session.get(Event, event.id).organiser_email == ""
    idn = api_call("PUT", "/api/v1/events/nytt-seminarium",
                   json={**API_EVENT, "organiser_email": "info@exempel.åäö.se"})
    assert idn.status_code == 201


# Taken: a domain in any script, mailed as punycode -------------------------------------------------


def test_an_idn_domain_is_registered_and_mailed_as_punycode(app, client):
    """Is namn@exempel.åäö.se registered, shown as typed, and sent with the domain in ASCII everywhere?"""
    with app.app_context():
        slug = make_event(utcnow(), organiser_email="info@kommunförbundet.se").slug
    response = submit(client, f"/events/{slug}/register", {**PERSON, "email": IDN, "consent": "y"})
    assert response.status_code == 302
    with app.app_context():
        [registration] = db.session.scalars(db.select(Registration)).all()
        assert registration.email == IDN
    message = only_message(app)
    assert message.recipient == IDN_SENT
    assert message.raw.isascii() and "=?utf-8?" not in message.parsed["To"]
    assert message.parsed["To"].addresses[0].addr_spec == IDN_SENT
    assert message.parsed["Reply-To"].addresses[0].addr_spec == "info@xn--kommunfrbundet-1pb.se"
    [vevent] = Calendar.from_ical(message.calendar).walk("VEVENT")
    assert str(vevent["ATTENDEE"]) == f"mailto:{IDN_SENT}"
    assert str(vevent["ORGANIZER"]) == "mailto:info@xn--kommunfrbundet-1pb.se"


def test_both_spellings_of_an_idn_domain_are_one_person(app, client, event):
    """Rule 3: is namn@exempel.xn--4cab6c.se the same person as namn@exempel.åäö.se (one registration)?"""
    url = f"/events/{event.slug}/register"
    assert submit(client, url, {**PERSON, "email": IDN, "consent": "y"}).status_code == 302
    assert submit(client, url, {**PERSON, "email": IDN_SENT.lower(), "consent": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Registration.id))
                                 .where(Registration.email_key == "namn@exempel.åäö.se")) == 1
