"""Calendar bytes: parsed by a second, independent parser (vobject) and round-tripped through icalendar."""
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from builders import make_event, register
from icalendar import Calendar

from eventapp.exports.ical import Organizer, invitation, published, web_calendar_links
from eventapp.models import EventSession

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOSTILE = [
    "Line\r\nATTENDEE:mailto:evil@example.org",
    "Semi;colon, comma: and \"quotes\"",
    "Emoji 🎉 och åäö",
    "عربي دري",
    "Back\\slash\nBEGIN:VEVENT",
]
ORGANIZER = Organizer("konferens@example.org", "Nowa Kommunikation")


def parse_both(data: bytes):
    """The calendar as icalendar and as vobject read it; icalendar's output of it equals the input."""
    calendar = Calendar.from_ical(data)
    assert Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    # vobject keeps the time zones of every file it has read in one global map; a client reads
    # each invitation on its own.
    vars(vobject.icalendar)["__tzidMap"].clear()
    parsed = vobject.readOne(data.decode("utf-8"))
    assert parsed.validate(raiseException=True)  # vobject's own checks of required properties and values
    return calendar, parsed


def invite(event, registration, now, method="REQUEST", sequence=0):
    return invitation(event, registration, method=method, sequence=sequence, now=now, organizer=ORGANIZER,
                      description="Hantera din anmälan: http://localhost/r/abc", url="http://localhost/r/abc",
                      domain="localhost")


def test_personal_invitation_has_what_calendars_need(ctx, now):
    event = make_event(now, starts_at=datetime(2017, 2, 15, 8, 0, tzinfo=UTC))
    registration = register(event, now).registration
    calendar, parsed = parse_both(invite(event, registration, now))
    assert calendar["METHOD"] == "REQUEST" and parsed.method.value == "REQUEST"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.id}-{registration.calendar_key}@localhost"
    # Random, not the row's id: no count of registrations to read off an invitation.
    assert re.fullmatch(r"registration-[0-9a-f]{32}", registration.calendar_key)
    assert vevent["SEQUENCE"] == 0
    assert vevent["DTSTART"].dt == datetime(2017, 2, 15, 9, 0, tzinfo=STOCKHOLM)  # 08:00 UTC is 09:00 in winter
    assert vevent["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert parsed.vevent.dtstart.value.utcoffset() == timedelta(hours=1)
    assert str(vevent["ORGANIZER"]) == "mailto:konferens@example.org"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == "mailto:anna1@example.org"
    assert attendee.params["CN"] == "Anna Andersson 1" and attendee.params["PARTSTAT"] == "ACCEPTED"
    assert "http://localhost/r/abc" in vevent["DESCRIPTION"]
    assert vevent["LOCATION"] == "Citykonferensen, Stockholm"
    assert [alarm["ACTION"] for alarm in vevent.walk("VALARM")] == ["DISPLAY"]
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Stockholm"
    assert {c.name for c in timezone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_summer_event_is_in_summer_time(ctx, now):
    event = make_event(now, starts_at=datetime(2017, 6, 14, 7, 0, tzinfo=UTC),
                       registration_deadline=datetime(2017, 6, 1, tzinfo=UTC))
    registration = register(event, now).registration
    _, parsed = parse_both(invite(event, registration, now))
    assert parsed.vevent.dtstart.value.utcoffset() == timedelta(hours=2)
    assert parsed.vevent.dtstart.value.hour == 9


def test_cancel_has_the_same_uid_and_the_given_sequence(ctx, now):
    event = make_event(now)
    registration = register(event, now).registration
    request, _ = parse_both(invite(event, registration, now))
    cancel, parsed = parse_both(invite(event, registration, now, method="CANCEL", sequence=1))
    assert cancel["METHOD"] == "CANCEL" and parsed.method.value == "CANCEL"
    [old], [new] = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert new["UID"] == old["UID"] and new["SEQUENCE"] == 1
    assert new["STATUS"] == "CANCELLED" and not new.walk("VALARM")


def test_a_course_has_one_vevent_per_meeting(ctx, now):
    start = now + timedelta(days=30)
    sessions = [EventSession(title=f"Träff {n}", starts_at=start + timedelta(weeks=n),
                             ends_at=start + timedelta(weeks=n, hours=1)) for n in range(5)]
    event = make_event(now, kind="course", starts_at=start, sessions=sessions)
    registration = register(event, now).registration
    calendar, parsed = parse_both(invite(event, registration, now))
    vevents = calendar.walk("VEVENT")
    assert [v["SUMMARY"] for v in vevents] == [f"{event.title}: Träff {n}" for n in range(5)]
    assert len({str(v["UID"]) for v in vevents}) == 5
    assert [v["DTSTART"].dt for v in vevents] == [s.starts_at for s in sessions]
    assert len(parsed.vevent_list) == 5


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_and_titles_stay_one_value(ctx, now, text):
    """Can a name or title add a property, a component or an attendee? It must not."""
    event = make_event(now, title=text, venue=text)
    registration = register(event, now, first_name=text).registration
    calendar, parsed = parse_both(invite(event, registration, now))
    [vevent] = calendar.walk("VEVENT")
    expected = text.replace("\r\n", "\n")
    assert vevent["SUMMARY"] == expected
    assert vevent["ATTENDEE"].params["CN"] == f"{expected} Andersson 1"
    assert len(vevent.get("ATTENDEE") if isinstance(vevent.get("ATTENDEE"), list) else [vevent["ATTENDEE"]]) == 1
    assert len(calendar.walk("VEVENT")) == 1 and len(parsed.vevent_list) == 1
    assert parsed.vevent.summary.value == expected
    assert len(parsed.vevent.contents.get("attendee")) == 1


def test_published_calendar_lists_the_events(ctx, now):
    one, two = make_event(now), make_event(now, cancelled_at=now)
    calendar, parsed = parse_both(published([one, two], now=now, domain="localhost",
                                            urls={one.id: "http://localhost/events/x"}, name="Nowa"))
    assert calendar["METHOD"] == "PUBLISH" and parsed.method.value == "PUBLISH"
    vevents = calendar.walk("VEVENT")
    assert [str(v["UID"]) for v in vevents] == [f"event-{one.id}@localhost", f"event-{two.id}@localhost"]
    assert [v["STATUS"] for v in vevents] == ["CONFIRMED", "CANCELLED"]
    assert all("ATTENDEE" not in v for v in vevents)


def test_published_calendar_without_events_is_still_a_calendar(ctx, now):
    calendar, _ = parse_both(published([], now=now, domain="localhost", urls={}))
    assert calendar["METHOD"] == "PUBLISH" and calendar.walk("VEVENT") == []


def test_web_calendar_links_carry_the_event_in_utc(ctx, now):
    event = make_event(now, title="Frukost & samtal", starts_at=datetime(2017, 2, 3, 7, 0, tzinfo=UTC))
    links = web_calendar_links(event, "http://localhost/events/x")
    assert links["google"].startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "dates=20170203T070000Z%2F20170203T150000Z" in links["google"]
    assert "text=Frukost+%26+samtal" in links["google"]
    assert "startdt=2017-02-03T07%3A00%3A00Z" in links["outlook"]
