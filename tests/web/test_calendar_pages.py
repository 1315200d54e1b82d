"""Calendar downloads and feeds, and "Add to calendar" on the event and confirmation pages."""
from types import SimpleNamespace

import pytest
import vobject
from builders import make_event
from conftest import submit
from icalendar import Calendar

from eventapp.database import utcnow

VALID = {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org", "organisation": "Nacka kommun",
         "job_title": "Kommunikatör", "consent": "y"}


@pytest.fixture
def event(app):
    with app.app_context():
        event = make_event(utcnow(), title="Frukost; möte, \"nu\"")
        return SimpleNamespace(id=event.id, slug=event.slug, title=event.title)


def test_an_events_calendar_file(client, event):
    response = client.get(f"/events/{event.slug}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="{event.slug}.ics"' in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "PUBLISH"
    assert [str(v["SUMMARY"]) for v in calendar.walk("VEVENT")] == [event.title]
    assert vobject.readOne(response.get_data(as_text=True)).vevent.summary.value == event.title


def test_the_feed_holds_published_events_only(app, client, event):
    with app.app_context():
        hidden = make_event(utcnow(), published=False).title
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    summaries = [str(v["SUMMARY"]) for v in Calendar.from_ical(response.data).walk("VEVENT")]
    assert event.title in summaries and hidden not in summaries
    assert len(vobject.readOne(response.get_data(as_text=True)).vevent_list) == len(summaries)


def test_unpublished_or_unknown_events_have_no_calendar(app, client):
    with app.app_context():
        slug = make_event(utcnow(), published=False).slug
    assert client.get(f"/events/{slug}/calendar.ics").status_code == 404
    assert client.get("/events/finns-inte/calendar.ics").status_code == 404


def test_event_page_offers_add_to_calendar(client, event):
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Lägg till i kalender" in page
    assert f"/events/{event.slug}/calendar.ics" in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "https://outlook.office.com/calendar/0/deeplink/compose?" in page


def test_confirmation_page_offers_add_to_calendar(client, event):
    response = submit(client, f"/events/{event.slug}/register", VALID)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du är anmäld" in page and "Lägg till i kalender" in page
