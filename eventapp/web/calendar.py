"""Calendars to subscribe to or import: one event, or every published event."""
from datetime import timedelta

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import current_language
from ..database import utcnow
from ..exports import ical
from ..extensions import db
from ..models import Event
from ..services.notifications import absolute_url, base_url
from .downloads import send_bytes
from .public import published_event_or_404

bp = Blueprint("calendar", __name__)

#: How long a past event stays in the subscribed calendar.
FEED_HISTORY = timedelta(days=90)
#: How long a cache may keep a calendar (seconds).
CACHE_SECONDS = 900


def _language() -> str:
    """The calendar's language: by its address alone (``?lang=en``), never by the visitor's session,
    because caches keep one answer per address."""
    return "en" if request.args.get("lang") == "en" else "sv"


@bp.get("/events/<slug>/calendar.ics")
def event_calendar(slug: str):
    event = published_event_or_404(slug)
    with force_locale(_language()):
        body = ical.published([event], now=utcnow(), domain=ical.uid_domain(base_url()), urls=_urls([event]))
    return _calendar_response(body, f"{event.slug}.ics")


@bp.get("/calendar.ics")
def feed():
    now = utcnow()
    events = list(db.session.scalars(
        select(Event).where(Event.published.is_(True), Event.ends_at > now - FEED_HISTORY).order_by(Event.starts_at)
    ))
    with force_locale(_language()):
        body = ical.published(events, now=now, domain=ical.uid_domain(base_url()), urls=_urls(events),
                              name=current_app.config["ORGANISER_NAME"])
    return _calendar_response(body, None)


@bp.app_template_global()
def calendar_links(event: Event) -> dict:
    """The .ics download and the Google and Outlook links for "Add to calendar", in the page's language;
    for an event of several meetings, a pair of links per meeting (``meetings``)."""
    meetings = ical.meeting_links(event, absolute_url("public.event_page", slug=event.slug),
                                  _("Registration and details:"))
    links = {"google": meetings[0]["google"], "outlook": meetings[0]["outlook"],
             "meetings": meetings if len(meetings) > 1 else []}
    english = current_language() == "en"
    links["ics"] = url_for("calendar.event_calendar", slug=event.slug, lang="en" if english else None)
    return links


def _urls(events: list[Event]) -> dict[int, str]:
    return {event.id: absolute_url("public.event_page", slug=event.slug) for event in events}


def _calendar_response(body: bytes, filename: str | None) -> Response:
    # Published events only, the same for every visitor: caches may keep them, and calendar
    # clients that poll the feed are answered from the cache. A moved event shows within CACHE_SECONDS.
    return send_bytes(body, filename, "text/calendar; charset=utf-8", public_max_age=CACHE_SECONDS)
