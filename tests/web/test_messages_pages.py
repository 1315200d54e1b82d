"""Writing to attendees in the back office and through the API; the self-service pages' answers."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from builders import log_in, make_event, make_user, register
from conftest import csrf_token, submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import EventMessage, OutboxMessage
from eventapp.services.api_tokens import create_token


@pytest.fixture
def event(app):
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=3, title="Nowa Nyfiken på Almedalen")
        first = register(event, now, 1, first_name="Karin").registration
        register(event, now, 2, first_name="Omid")
        register(event, now, 3, first_name="Lena")
        first.checked_in_at = now
        db.session.commit()
        return SimpleNamespace(slug=event.slug, id=event.id, first=first.id)


@pytest.fixture
def organiser(app, client):
    with app.app_context():
        user_id = make_user("organisator@example.org", "organiser").id
    log_in(client, user_id)
    return client


def queued(app, kind="message"):
    with app.app_context():
        return [(m.recipient, m.subject) for m in db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


MESSAGE = {"to": "not_checked_in", "subject": "Till {first_name}", "body": "Hej {first_name}, välkommen!",
           "when": "now"}


def test_preview_then_send_to_those_not_checked_in(app, organiser, event):
    url = f"/admin/events/{event.slug}/messages"
    page = submit(organiser, url, {**MESSAGE, "action": "preview"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hej Omid, välkommen!" in text
    assert queued(app) == []
    sent = submit(organiser, url, {**MESSAGE, "action": "send"})
    assert sent.status_code == 303
    assert sorted(queued(app)) == [("anna2@example.org", "Till Omid"), ("anna3@example.org", "Till Lena")]
    listing = organiser.get(url).get_data(as_text=True)
    assert "Till {first_name}" in listing


def test_preview_as_a_chosen_recipient(app, organiser, event):
    url = f"/admin/events/{event.slug}/messages"
    with app.app_context():
        lena = db.session.scalar(db.select(OutboxMessage.registration_id).where(
            OutboxMessage.recipient == "anna3@example.org"))
    text = submit(organiser, url, {**MESSAGE, "action": "preview", "preview_as": str(lena)}).get_data(as_text=True)
    assert "Hej Lena, välkommen!" in text


def test_a_test_goes_to_me(app, organiser, event):
    response = submit(organiser, f"/admin/events/{event.slug}/messages", {**MESSAGE, "action": "test"})
    assert response.status_code == 200
    assert queued(app, "message_test") == [("organisator@example.org", "Till Omid")]
    assert queued(app) == []


def test_a_message_for_later_waits(app, organiser, event):
    later = (utcnow() + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    response = submit(organiser, f"/admin/events/{event.slug}/messages",
                      {**MESSAGE, "when": "later", "send_at": later, "action": "send"})
    assert response.status_code == 303
    assert queued(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(EventMessage.status)) == "scheduled"


@pytest.mark.parametrize(("changes", "field"), [
    ({"subject": ""}, "subject"),
    ({"body": "Hej {namn}"}, "body"),
    ({"body": "x" * 20_001}, "body"),
    ({"to": "cancelled"}, "to"),
    ({"when": "later", "send_at": "2020-01-01T10:00"}, "send_at"),
    ({"when": "later", "send_at": ""}, "send_at"),
    ({"when": "later", "send_at": "0001-01-01T00:30"}, "send_at"),
    ({"when": "now", "send_at": "9999-12-31T23:59"}, "send_at"),
])
def test_bad_input_is_shown_beside_the_field_and_nothing_is_queued(app, organiser, event, changes, field):
    response = submit(organiser, f"/admin/events/{event.slug}/messages", {**MESSAGE, **changes, "action": "send"})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert queued(app) == []


def test_from_a_selection_in_the_attendee_list(app, organiser, event):
    url = f"/admin/events/{event.slug}/attendees/bulk"
    page = submit(organiser, url, {"scope": "selected", "action": "message", "selected": [str(event.first)]},
                  form_url=f"/admin/events/{event.slug}/attendees")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f'name="selected" value="{event.first}"' in text
    sent = submit(organiser, f"/admin/events/{event.slug}/messages",
                  {**MESSAGE, "to": "selection", "selected": [str(event.first)], "action": "send"})
    assert sent.status_code == 303
    assert queued(app) == [("anna1@example.org", "Till Karin")]


def test_the_api_queues_and_answers_202(app, client, event):
    with app.app_context():
        make_user("api@example.org", "organiser")
        token = create_token("api@example.org", now=utcnow())[1]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/events/{event.slug}/messages", headers=headers,
                           json={"subject": "Ny lokal", "body": "Sal B, {first_name}.", "to": "confirmed"})
    assert response.status_code == 202
    assert response.json["queued"] == 3
    bad = client.post(f"/api/v1/events/{event.slug}/messages", headers=headers,
                      json={"subject": "", "body": "{x}", "to": "alla"})
    assert bad.status_code == 422
    assert "to" in bad.json["error"]["fields"]
    worse = client.post(f"/api/v1/events/{event.slug}/messages", headers=headers,
                        json={"subject": "", "body": "{x}", "to": "all"})
    assert worse.status_code == 422 and set(worse.json["error"]["fields"]) == {"subject", "body"}
    assert len(queued(app)) == 3


def test_a_checkin_volunteer_may_not_write(app, client, event):
    with app.app_context():
        user_id = make_user("dorr@example.org", "checkin").id
    log_in(client, user_id)
    assert client.get(f"/admin/events/{event.slug}/messages").status_code == 403
    token = csrf_token(client, "/login")
    assert client.post(f"/admin/events/{event.slug}/messages",
                       data={**MESSAGE, "csrf_token": token}).status_code == 403


def test_a_message_is_shown_on_the_attendees_page_and_in_the_log(app, organiser, event):
    submit(organiser, f"/admin/events/{event.slug}/messages", {**MESSAGE, "to": "confirmed", "action": "send"})
    page = organiser.get(f"/admin/events/{event.slug}/attendees/{event.first}").get_data(as_text=True)
    assert "Till Karin" in page
    log = organiser.get(f"/admin/events/{event.slug}/log").get_data(as_text=True)
    assert "Meddelandet ”Till {first_name}” skickades till 3 personer." in log


def test_an_automatic_e_mail_in_the_events_own_words(app, organiser, event):
    url = f"/admin/events/{event.slug}/emails/confirmation/en"
    assert "Registration confirmed: {event}" in organiser.get(url).get_data(as_text=True)
    shown = submit(organiser, url, {"subject": "Welcome, {first_name}", "body": "See you at {event}.",
                                    "action": "preview"})
    assert "See you at Nowa Nyfiken på Almedalen." in shown.get_data(as_text=True)
    refused = submit(organiser, url, {"subject": "Welcome {name}", "body": "Hi", "action": "save"})
    assert refused.status_code == 422 and 'id="subject-error"' in refused.get_data(as_text=True)
    saved = submit(organiser, url, {"subject": "Welcome, {first_name}", "body": "See you.", "action": "save"})
    assert saved.status_code == 303
    listing = organiser.get(f"/admin/events/{event.slug}/emails").get_data(as_text=True)
    assert "Welcome, {first_name}" in listing
    reset = submit(organiser, url, {"subject": "x", "body": "y", "action": "reset"})
    assert reset.status_code == 303
    assert "Welcome, {first_name}" not in organiser.get(f"/admin/events/{event.slug}/emails").get_data(as_text=True)
    assert organiser.get(f"/admin/events/{event.slug}/emails/invoice/sv").status_code == 404


def test_the_thank_you_is_set_on_the_e_mails_page(app, organiser, event):
    url = f"/admin/events/{event.slug}/emails"
    bad = submit(organiser, url, {"thank_you_hours": "-1", "material_url": "ftp://x"})
    assert bad.status_code == 422
    ok = submit(organiser, url, {"thank_you_hours": "48", "material_url": "https://example.org/material"})
    assert ok.status_code == 303
    from eventapp.models import Event

    with app.app_context():
        stored = db.session.get(Event, event.id)
        assert (stored.thank_you_hours, stored.material_url) == (48, "https://example.org/material")


def test_a_scheduled_message_can_be_called_off_from_the_page(app, organiser, event):
    later = (utcnow() + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    url = f"/admin/events/{event.slug}/messages"
    submit(organiser, url, {**MESSAGE, "when": "later", "send_at": later, "action": "send"})
    with app.app_context():
        message_id = db.session.scalar(db.select(EventMessage.id))
    response = submit(organiser, f"{url}/{message_id}/cancel", {}, form_url=url)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(EventMessage.status)) == "cancelled"
    assert "Inte skickat" in organiser.get(url).get_data(as_text=True)
