"""The e-mails attendees get, written to the outbox inside the transaction of the change.

Call these from a service before it commits: the message is stored with the change or not at all,
and the deliverer (``services.outbox``) sends it later. Each message is rendered in the
registration's language from ``templates/emails/<kind>.txt`` and ``.html``. Invitations follow the
structure Outlook needs: ``multipart/mixed`` holding ``multipart/alternative`` (text, HTML,
``text/calendar; method=…``) and the same calendar as an ``invite.ics`` attachment.
"""
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid
from urllib.parse import urljoin

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..exports import ical
from ..extensions import db
from ..formatting import format_deadline
from ..models import Event, OutboxMessage, OutboxStatus, Registration, RegistrationStatus
from ..models.registration import ACTIVE_STATUSES
from . import personal_links

#: 7-bit transfer encodings throughout, so any SMTP server takes the message and it is stored as text.
POLICY = SMTP.clone(cte_type="7bit")


def registered(registration: Registration, token: str, now: datetime) -> OutboxMessage:
    """The confirmation (with the invitation), or the waiting-list notice."""
    if registration.status == RegistrationStatus.CONFIRMED:
        return _queue("confirmation", registration, now, token=token, method="REQUEST")
    return _queue("waitlisted", registration, now, token=token)


def promoted(registrations: list[Registration], now: datetime) -> list[OutboxMessage]:
    """Each registration just given a place from the waiting list gets its invitation."""
    return [_queue("promoted", registration, now, token=personal_links.issue_link(registration, now),
                   method="REQUEST") for registration in registrations]


def cancelled(registration: Registration, was_confirmed: bool, now: datetime) -> OutboxMessage:
    """The cancellation receipt; a confirmed place's calendar entry is withdrawn."""
    return _queue("cancelled", registration, now, method="CANCEL" if was_confirmed else None,
                  late=registration.status == RegistrationStatus.LATE_CANCELLED)


def transferred(old: Registration, new: Registration, token: str, now: datetime) -> list[OutboxMessage]:
    """Substitution: the one who leaves is told (entry withdrawn), the colleague gets their own link."""
    confirmed = new.status == RegistrationStatus.CONFIRMED
    return [
        _queue("transferred_from", old, now, method="CANCEL" if confirmed else None, colleague=new),
        _queue("transferred_to", new, now, token=token, method="REQUEST" if confirmed else None, colleague=old),
    ]


def event_changed(event: Event, changes: dict, now: datetime, *, exclude: list[Registration] = (),
                  withdrawn: list[ical.Occurrence] = ()) -> list[OutboxMessage]:
    """Time or place changed: confirmed attendees get an updated invitation (higher SEQUENCE).

    ``exclude``: registrations told otherwise in the same change (just promoted, say).
    ``withdrawn``: calendar entries that no longer exist (a course meeting dropped); confirmed
    attendees also get a cancellation of those, as a message of its own (one METHOD per message).
    """
    skipped = {registration.id for registration in exclude}
    messages = []
    for registration in _active(event):
        if registration.id in skipped:
            continue
        confirmed = registration.status == RegistrationStatus.CONFIRMED
        token = personal_links.issue_link(registration, now)
        messages.append(_queue("event_changed", registration, now, token=token,
                               method="REQUEST" if confirmed else None, changes=changes))
        if withdrawn and confirmed:
            messages.append(_queue("meetings_cancelled", registration, now, token=token, method="CANCEL",
                                   withdrawn=list(withdrawn)))
    return messages


def event_cancelled(event: Event, now: datetime) -> list[OutboxMessage]:
    """The event is called off: everyone active is told, confirmed entries are withdrawn."""
    return [
        _queue("event_cancelled", registration, now,
               method="CANCEL" if registration.status == RegistrationStatus.CONFIRMED else None)
        for registration in _active(event)
    ]


def reminder(registration: Registration, now: datetime) -> OutboxMessage:
    """Where and when, and how to cancel before the deadline."""
    return _queue("reminder", registration, now, token=personal_links.issue_link(registration, now))


def _active(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)
    ))


# Building a message ---------------------------------------------------------------------------


SUBJECTS = {
    "confirmation": lambda: _("Registration confirmed: %(title)s"),
    "waitlisted": lambda: _("You are on the waiting list: %(title)s"),
    "promoted": lambda: _("You got a place: %(title)s"),
    "cancelled": lambda: _("Registration cancelled: %(title)s"),
    "transferred_from": lambda: _("Your place is handed over: %(title)s"),
    "transferred_to": lambda: _("A colleague has given you their place: %(title)s"),
    "event_changed": lambda: _("Changed time or place: %(title)s"),
    "event_cancelled": lambda: _("Cancelled: %(title)s"),
    "meetings_cancelled": lambda: _("Meeting cancelled: %(title)s"),
    "reminder": lambda: _("Reminder: %(title)s"),
}


def base_url() -> str:
    return current_app.config["EVENTAPP_BASE_URL"].rstrip("/") + "/"


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL without a request (e-mails are also built by command-line jobs)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return urljoin(base_url(), path.lstrip("/"))


def one_line(text: str) -> str:
    """Header text: line breaks and other control characters become spaces, so no header can be added."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _queue(kind: str, registration: Registration, now: datetime, *, token: str | None = None,
           method: str | None = None, **context) -> OutboxMessage:
    event = registration.event
    with force_locale(registration.language or "sv"):
        link = absolute_url("manage.personal_page", token=token) if token else None
        context.update(
            registration=registration, event=event, link=link,
            event_url=absolute_url("public.event_page", slug=event.slug),
            cancellation_deadline=format_deadline(event.effective_cancellation_deadline),
            cancellation_free=now < event.effective_cancellation_deadline,
            organiser_name=event.organiser_name or current_app.config["ORGANISER_NAME"],
        )
        subject = one_line(SUBJECTS[kind]() % {"title": event.title})
        text = render_template(f"emails/{kind}.txt", **context)
        html = render_template(f"emails/{kind}.html", subject=subject, **context)
        calendar, meetings = None, []
        if method is not None:
            description = text_for_calendar(event, link)
            only = context.get("withdrawn")
            calendar = _calendar(event, registration, method, now, description, link, only=only)
            if len(event.sessions) > 1 and only is None:
                # Outlook takes only the first VEVENT of an invitation; a file per meeting lets its
                # users add the others one by one (Gmail and Apple Calendar take them all at once).
                meetings = [_calendar(event, registration, method, now, description, link, meeting=number)
                            for number in range(len(event.sessions))]
    message = _mime(registration, subject, text, html, calendar, method, now, meetings)
    outgoing = OutboxMessage(
        kind=kind, registration_id=registration.id, event_id=event.id, recipient=registration.email,
        subject=subject[:400], message=message.as_string(policy=POLICY), status=OutboxStatus.PENDING,
        created_at=now, next_attempt_at=now, attempts=0, server_reply="",
    )
    db.session.add(outgoing)
    return outgoing


def text_for_calendar(event: Event, link: str | None) -> str:
    """The invite's DESCRIPTION: the event's description and the personal link."""
    parts = [event.description.strip()]
    if link:
        parts.append(_("Your registration (cancel or send a colleague): %(link)s", link=link))
    return "\n\n".join(part for part in parts if part)


def _calendar(event: Event, registration: Registration, method: str, now: datetime, description: str,
              link: str | None, meeting: int | None = None, only: list[ical.Occurrence] | None = None) -> bytes:
    # A withdrawal must outrank every earlier version of the entry, including the last update.
    sequence = event.calendar_sequence + (1 if method == "CANCEL" and not event.is_cancelled else 0)
    return ical.invitation(
        event, registration, method=method, sequence=sequence, now=now, organizer=organizer(event),
        description=description, url=link or "", domain=ical.uid_domain(base_url()), meeting=meeting, only=only,
    )


def organiser_address(event: Event) -> str | None:
    """The organiser's own address, when it is one (the field is free text on older events)."""
    try:
        return Address(addr_spec=event.organiser_email.strip()).addr_spec if event.organiser_email.strip() else None
    except ValueError:  # the email package's header defects are ValueErrors
        return None


def organizer(event: Event) -> ical.Organizer:
    return ical.Organizer(email=organiser_address(event) or sender().addr_spec,
                          name=one_line(event.organiser_name or current_app.config["ORGANISER_NAME"]))


def sender() -> Address:
    """The From address: MAIL_DEFAULT_SENDER, either "Name <address>" or a bare address."""
    value = current_app.config["MAIL_DEFAULT_SENDER"]
    header = HeaderRegistry()("From", value)
    address = header.addresses[0]
    if not address.display_name:
        return Address(one_line(current_app.config["ORGANISER_NAME"]), addr_spec=address.addr_spec)
    return address


def _mime(registration: Registration, subject: str, text: str, html: str, calendar: bytes | None,
          method: str | None, now: datetime, meetings: list[bytes]) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    from_address = sender()
    message["Subject"] = subject
    message["From"] = from_address
    message["To"] = Address(one_line(registration.full_name), addr_spec=registration.email)
    reply_to = organiser_address(registration.event)
    if reply_to:
        message["Reply-To"] = Address(one_line(registration.event.organiser_name), addr_spec=reply_to)
    message["Date"] = rfc2822_date(now)
    message["Message-ID"] = make_msgid(domain=from_address.domain or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if calendar is not None:
        message.add_alternative(calendar.decode("utf-8"), subtype="calendar", params={"method": method})
        message.make_mixed()
        message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
        for number, meeting in enumerate(meetings, start=1):
            message.add_attachment(meeting, maintype="application", subtype="ics", filename=f"meeting-{number}.ics")
    # Last: setting or restructuring the content moves Content-* headers into the parts.
    message["Content-Language"] = registration.language or "sv"
    return message
