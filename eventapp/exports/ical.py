"""iCalendar bytes: personal invitations (REQUEST/CANCEL) and published calendars (PUBLISH).

Everything goes through the ``icalendar`` library, which escapes text and parameters, so a title or
name with line breaks, semicolons, commas, quotes or any script stays one value and cannot add
properties. Times are written in Europe/Stockholm with a VTIMEZONE covering the event's dates.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, vCalAddress
from icalendar import Event as VEvent

from ..models import Event, Registration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PRODID = "-//eventapp//Anmälan//SV"
#: How long before each meeting the calendar reminds the attendee.
ALARM_BEFORE = timedelta(hours=1)


@dataclass(frozen=True)
class Organizer:
    """Who the invitation comes from: ORGANIZER, where replies go."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class Occurrence:
    """One VEVENT: the whole event, or one meeting of a course."""

    suffix: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str


def occurrences(event: Event) -> list[Occurrence]:
    """The event's meetings, or the event itself when it has none; titled in the current locale's
    language where the organiser wrote one."""
    location = ", ".join(part for part in (event.venue, event.address, event.city) if part)
    title = event.localised.title
    meetings = event.meetings  # sessions to choose are within the event's own time
    if not meetings:
        return [Occurrence("", title, event.starts_at, event.ends_at, location)]
    return [
        Occurrence(f"-session-{number}", f"{title}: {session.localised.title}", session.starts_at, session.ends_at,
                   ", ".join(part for part in (session.venue, event.address, event.city) if part) or location)
        for number, session in enumerate(meetings, start=1)
    ]


def uid_domain(base_url: str) -> str:
    """The host part of UIDs: the site's own name, so UIDs are unique to it."""
    return urlsplit(base_url).hostname or "eventapp.invalid"


def registration_uid(registration: Registration, suffix: str, domain: str) -> str:
    """Stable per (event, registration, meeting): updates and cancellations replace the same entry."""
    return f"event-{registration.event_id}-{registration.calendar_key}{suffix}@{domain}"


def invitation(event: Event, registration: Registration, *, method: str, sequence: int, now: datetime,
               organizer: Organizer, description: str, url: str, domain: str, meeting: int | None = None,
               only: list[Occurrence] | None = None, attendee_email: str | None = None) -> bytes:
    """A personal invitation (``REQUEST``) or its withdrawal (``CANCEL``) for one registration.

    ``attendee_email``: the address the invitation is sent to, when it is spelt otherwise than the
    stored one (a domain with å, ä, ö in its ASCII form); calendars match the attendee by it.
    Every meeting of a course is a VEVENT of its own; ``meeting`` (0-based) keeps only that one, and
    ``only`` names the occurrences to send instead of the event's own (meetings that were dropped).
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported METHOD {method}")
    calendar = _calendar(method)
    chosen = occurrences(event) if only is None else only
    if meeting is not None:
        chosen = chosen[meeting:meeting + 1]
    for occurrence in chosen:
        vevent = _vevent(occurrence, uid=registration_uid(registration, occurrence.suffix, domain),
                         sequence=sequence, now=now, description=description, url=url,
                         cancelled=method == "CANCEL" or event.is_cancelled)
        organizer_address = vCalAddress(f"mailto:{organizer.email}")
        if organizer.name:
            organizer_address.params["CN"] = organizer.name
        vevent.add("organizer", organizer_address)
        attendee = vCalAddress(f"mailto:{attendee_email or registration.email}")
        attendee.params["CN"] = registration.full_name
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "DECLINED" if method == "CANCEL" else "ACCEPTED"
        # The registration is the answer; calendars need not ask the attendee to reply.
        attendee.params["RSVP"] = "FALSE"
        vevent.add("attendee", attendee)
        if method == "REQUEST":
            vevent.add_component(_alarm(occurrence.title))
        calendar.add_component(vevent)
    return _finish(calendar, [event], chosen)


def published(events: Iterable[Event], *, now: datetime, domain: str, urls: dict[int, str],
              name: str = "") -> bytes:
    """A calendar of events for subscribing or importing (``PUBLISH``); ``urls`` maps event id to its page."""
    events = list(events)
    calendar = _calendar("PUBLISH")
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    for event in events:
        for occurrence in occurrences(event):
            calendar.add_component(_vevent(
                occurrence, uid=f"event-{event.id}{occurrence.suffix}@{domain}", sequence=event.calendar_sequence,
                now=now, description=event.localised.description, url=urls.get(event.id, ""),
                cancelled=event.is_cancelled,
            ))
    return _finish(calendar, events)


def web_calendar_links(event: Event, url: str, details: str = "") -> dict[str, str]:
    """"Add to calendar" links for Google Calendar and Outlook on the web: the event, or its first
    meeting when it has several (``meeting_links`` gives one pair per meeting)."""
    return meeting_links(event, url, details)[0]


def meeting_links(event: Event, url: str, details: str = "") -> list[dict[str, str]]:
    """A Google and an Outlook link per occurrence (each meeting of a course on its own, never one
    entry spanning them all), with its ``title`` and ``starts_at``."""
    body = f"{details}\n\n{url}".strip() if details else url
    return [{"title": occurrence.title, "starts_at": occurrence.starts_at,
             "google": "https://calendar.google.com/calendar/render?" + urlencode({
                 "action": "TEMPLATE",
                 "text": occurrence.title,
                 "dates": f"{_google_time(occurrence.starts_at)}/{_google_time(occurrence.ends_at)}",
                 "details": body,
                 "location": occurrence.location,
                 "ctz": "Europe/Stockholm",
             }),
             "outlook": "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode({
                 "path": "/calendar/action/compose",
                 "rru": "addevent",
                 "subject": occurrence.title,
                 "startdt": occurrence.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "enddt": occurrence.ends_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "body": body,
                 "location": occurrence.location,
             })}
            for occurrence in occurrences(event)]


def _google_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _vevent(occurrence: Occurrence, *, uid: str, sequence: int, now: datetime, description: str, url: str,
            cancelled: bool) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", uid)
    vevent.add("sequence", sequence)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", occurrence.starts_at.astimezone(STOCKHOLM))
    vevent.add("dtend", occurrence.ends_at.astimezone(STOCKHOLM))
    vevent.add("summary", occurrence.title)
    if occurrence.location:
        vevent.add("location", occurrence.location)
    if description:
        vevent.add("description", description)
    if url:
        vevent.add("url", url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def _alarm(title: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -ALARM_BEFORE)
    alarm.add("description", title)
    return alarm


def _finish(calendar: Calendar, events: list[Event], chosen: list[Occurrence] | None = None) -> bytes:
    chosen = [o for event in events for o in occurrences(event)] if chosen is None else chosen
    starts = [o.starts_at for o in chosen]
    ends = [o.ends_at for o in chosen]
    if starts:
        # The whole years of the events: both CET and CEST are defined, which Outlook needs to match
        # the zone to its own, while the file stays small (not decades of transitions).
        first, last = min(starts).astimezone(STOCKHOLM), max(ends).astimezone(STOCKHOLM)
        calendar.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year, 12, 31))
    return calendar.to_ical()
