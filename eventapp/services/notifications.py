"""The e-mails attendees get: queued in the outbox inside the transaction of the change, written
when they are sent.

Call these from a service before it commits: the message is stored with the change or not at all.
A queued message says what it is about (its kind, its registration and a few ``details``); the
worker writes the whole e-mail when it sends it (``compose``), in the registration's language from
``templates/emails/<kind>.txt`` and ``.html``, and issues the personal link it carries then, so no
working link is ever stored. Invitations follow the structure Outlook needs: ``multipart/mixed``
holding ``multipart/alternative`` (text, HTML, ``text/calendar; method=…``) and the same calendar as
an ``invite.ics`` attachment.
"""
import io
import re
import secrets
from dataclasses import asdict
from datetime import datetime
from email.charset import QP, Charset
from email.generator import Generator
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, make_msgid
from functools import lru_cache
from typing import Protocol
from urllib.parse import urljoin

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import insert, select

from .. import jobs
from ..exports import ical
from ..extensions import db
from ..formatting import format_datetime, format_deadline
from ..models import (
    EmailText,
    Event,
    EventMessage,
    OutboxMessage,
    OutboxStatus,
    PersonalLink,
    Registration,
    RegistrationStatus,
)
from ..models.registration import ACTIVE_STATUSES
from . import merge_fields, personal_links, sessions
from .email_addresses import UnsendableAddress, checked_email, sendable
from .errors import InvalidEmailAddress

#: The server reply recorded for a message that was never tried (see ``_recipient``).
UNSENDABLE = ("Not sent: the address has characters before the @ that e-mail cannot carry; "
              "correct it on the registration.")

#: The kinds whose e-mail carries the person's own link to their registration.
WITH_LINK = {"confirmation", "waitlisted", "promoted", "transferred_to", "event_changed", "meetings_cancelled",
             "reminder", "message", "personal_link", "thank_you", "certificate"}
#: The automatic e-mails whose text an event may have in its own words (``EmailText``).
OWN_TEXT_KINDS = ("confirmation", "waitlisted", "promoted", "reminder", "thank_you")
#: An organiser's message to attendees (see services.messages), and its test sent to the organiser.
MESSAGE, MESSAGE_TEST = "message", "message_test"
REQUEST, CANCEL = "REQUEST", "CANCEL"


class Addressee(Protocol):
    """Whom a message goes to: a ``Registration``, or one just inserted (``registration.Registered``)."""

    id: int
    email: str
    language: str | None


def queue(kind: str, registration: Addressee, event: Event, now: datetime, **details) -> None:
    """Queue the e-mail of ``kind`` to ``registration`` about ``event`` in the transaction in hand.

    ``details`` are what the e-mail needs beyond the registration and its event, as JSON: the
    calendar ``method``, a ``colleague``'s registration id, the ``withdrawn`` meetings. Inserted
    directly (the registration's is written under the event's lock, where a flush costs most).
    """
    with force_locale(registration.language or "sv"):
        subject = _subject(kind, event)
    queue_with_subject(kind, registration, event, now, subject, **details)


def queue_with_subject(kind: str, registration: Addressee, event: Event, now: datetime, subject: str,
                       **details) -> None:
    """``queue`` with the subject as written already (an organiser's message merged for its recipient)."""
    queue_to(kind, registration, event, now, subject, registration.email, **details)


def queue_to(kind: str, registration: Addressee, event: Event, now: datetime, subject: str, address: str,
             **details) -> None:
    """Queue the e-mail of ``kind`` about ``registration`` to ``address`` (the organiser's, for a test)."""
    recipient = _sendable_or_none(address)
    db.session.execute(insert(OutboxMessage.__table__), dict(
        kind=kind, registration_id=registration.id, event_id=event.id, recipient=recipient or address,
        subject=subject[:400], details=details, created_at=now, next_attempt_at=now, attempts=0,
        status=OutboxStatus.PENDING if recipient else OutboxStatus.FAILED,
        server_reply="" if recipient else UNSENDABLE))
    jobs.deliver_after_commit()


def registered(registration: Addressee, status: str, event: Event, now: datetime) -> None:
    """The confirmation (with the invitation) or the waiting-list notice, as ``status`` says."""
    if status == RegistrationStatus.CONFIRMED:
        queue("confirmation", registration, event, now, method=REQUEST)
    else:
        queue("waitlisted", registration, event, now)


def promoted(registrations: list[Registration], now: datetime) -> None:
    """Each registration just given a place from the waiting list gets its invitation."""
    for registration in registrations:
        queue("promoted", registration, registration.event, now, method=REQUEST)


def cancelled(registration: Registration, was_confirmed: bool, now: datetime) -> None:
    """The cancellation receipt; a confirmed place's calendar entry is withdrawn."""
    queue("cancelled", registration, registration.event, now, method=CANCEL if was_confirmed else None,
                 late=registration.status == RegistrationStatus.LATE_CANCELLED)


def transferred(old: Registration, new: Registration, now: datetime) -> None:
    """Substitution: the one who leaves is told (entry withdrawn), the colleague gets their own link."""
    confirmed = new.status == RegistrationStatus.CONFIRMED
    queue("transferred_from", old, old.event, now, method=CANCEL if confirmed else None, colleague=new.id)
    queue("transferred_to", new, old.event, now, method=REQUEST if confirmed else None, colleague=old.id)


def event_changed(event: Event, now: datetime, *, exclude: list[Registration] = (),
                  withdrawn: list[ical.Occurrence] = ()) -> None:
    """Time or place changed: confirmed attendees get an updated invitation (higher SEQUENCE).

    ``exclude``: registrations told otherwise in the same change (just promoted, say).
    ``withdrawn``: calendar entries that no longer exist (a course meeting dropped); confirmed
    attendees also get a cancellation of those, as a message of its own (one METHOD per message).
    """
    skipped = {registration.id for registration in exclude}
    for registration in _active(event):
        if registration.id in skipped:
            continue
        confirmed = registration.status == RegistrationStatus.CONFIRMED
        queue("event_changed", registration, event, now, method=REQUEST if confirmed else None)
        if withdrawn and confirmed:
            queue("meetings_cancelled", registration, event, now, method=CANCEL,
                  withdrawn=[_as_json(occurrence) for occurrence in withdrawn])


def event_cancelled(event: Event, now: datetime) -> None:
    """The event is called off: everyone active is told, confirmed entries are withdrawn."""
    for registration in _active(event):
        queue("event_cancelled", registration, event, now,
              method=CANCEL if registration.status == RegistrationStatus.CONFIRMED else None)


def reminder(registration: Registration, now: datetime) -> None:
    """Where and when, and how to cancel before the deadline."""
    queue("reminder", registration, registration.event, now)


def _active(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)
    ))


def _as_json(occurrence: ical.Occurrence) -> dict:
    values = asdict(occurrence)
    return {**values, "starts_at": occurrence.starts_at.isoformat(), "ends_at": occurrence.ends_at.isoformat()}


def _occurrence(values: dict) -> ical.Occurrence:
    return ical.Occurrence(**{**values, "starts_at": datetime.fromisoformat(values["starts_at"]),
                              "ends_at": datetime.fromisoformat(values["ends_at"])})


class NothingToSend(Exception):
    """A queued message can no longer be written: what it was about is gone (erased, say)."""


def compose(message, *, with_link: bool = True) -> tuple[str, PersonalLink | None]:
    """The whole e-mail of a queued ``message`` (an ``OutboxMessage`` or ``outbox.Outgoing``), and
    the personal link it carries, to be stored before it is sent (None without one).

    Written as of when it was queued (its deadlines then), about the event as it is now.
    ``with_link=False``: for reading in the back office, without a link that works.
    """
    registration = db.session.get(Registration, message.registration_id) if message.registration_id else None
    if registration is None:
        raise NothingToSend("Not sent: the registration no longer exists.")
    details = dict(message.details or {})
    context = {}
    if message.kind == MESSAGE:
        written = db.session.get(EventMessage, details.get("message") or 0)
        if written is None:
            raise NothingToSend("Not sent: the message no longer exists.")
        context.update(own_subject=written.subject, own_text=written.body)
    elif message.kind == MESSAGE_TEST:
        context.update(own_subject=details.get("draft_subject", ""), own_text=details.get("draft_body", ""),
                       to=message.recipient, sample_link=sample_link())
    token, link = None, None
    if message.kind in WITH_LINK and with_link:
        token, link = personal_links.new_link(registration, message.created_at)
    if "colleague" in details:
        context["colleague"] = db.session.get(Registration, details["colleague"]) or registration
    if "late" in details:
        context["late"] = details["late"]
    if "withdrawn" in details:
        context["withdrawn"] = [_occurrence(values) for values in details["withdrawn"]]
    _, _, body = write(message.kind, registration, message.created_at, token=token, method=details.get("method"),
                       **context)
    return body, link


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
    "certificate": lambda: _("Your certificate of attendance: %(title)s"),
    "personal_link": lambda: _("Your registration: %(title)s"),
    "thank_you": lambda: _("Thank you for coming: %(title)s"),
    MESSAGE: lambda: "%(title)s",
    MESSAGE_TEST: lambda: "%(title)s",
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


def _subject(kind: str, event: Event) -> str:
    """The subject of ``kind`` about ``event``, in the locale in force."""
    return one_line(SUBJECTS[kind]() % {"title": event.localised.title})


def _recipient(registration: Registration) -> str | None:
    """The address as it is sent; None when it cannot be (stored before addresses were checked): the
    change goes through, and the organisers' outbox shows the message as failed instead of it
    stopping the change (or the deliverer)."""
    return _sendable_or_none(registration.email)


def _sendable_or_none(email: str) -> str | None:
    try:
        return sendable(email)
    except UnsendableAddress:
        return None


def write(kind: str, registration: Registration, now: datetime, *, token: str | None = None,
          method: str | None = None, event: Event | None = None, **context) -> tuple[str | None, str, str]:
    """(recipient or None, subject, the whole MIME message) of ``kind`` for ``registration``.

    ``context`` may carry ``own_subject`` and ``own_text`` (an organiser's message, with merge
    fields) and ``to`` (another address: a test sent to the organiser).
    """
    event = event or registration.event
    other_address = context.pop("to", None)
    recipient = other_address or _recipient(registration)
    with force_locale(registration.language or "sv"):
        link = absolute_url("manage.personal_page", token=token) if token else None
        if kind == "certificate":  # the personal page has closed with the event; the certificate has not
            context["certificate_link"] = absolute_url("certificates.download", token=token) if token else None
            link = None
        elif kind == "thank_you" and token:
            context["feedback_link"] = absolute_url("manage.feedback", token=token)
            if registration.checked_in_at is not None:
                context["certificate_link"] = absolute_url("certificates.download", token=token)
        subject, text, html = render(kind, registration, event, now, link=link, **context)
        calendar, meetings = None, []
        if method is not None:
            description = text_for_calendar(event, link)
            only = context.get("withdrawn")
            calendar = _calendar(event, registration, recipient, method, now, description, link, only=only)
            if len(event.meetings) > 1 and only is None:
                # Outlook takes only the first VEVENT of an invitation; a file per meeting lets its
                # users add the others one by one (Gmail and Apple Calendar take them all at once).
                meetings = [_calendar(event, registration, recipient, method, now, description, link,
                                      meeting=number) for number in range(len(event.meetings))]
    message = _mime(registration, event, recipient, subject, text, html, calendar, method, now, meetings,
                    to_name="" if other_address else registration.full_name)
    return recipient, subject, as_text(message)


def _chosen_sessions(registration: Registration, event: Event) -> list:
    """The sessions the person picked, for the e-mail to list (none for an event without them)."""
    if not event.choosable_sessions:
        return []
    return [mine.session for mine in sessions.sessions_of(registration) if mine.chosen]


def render(kind: str, registration: Registration, event: Event, now: datetime, *, link: str | None,
           own_subject: str | None = None, own_text: str | None = None, **context) -> tuple[str, str, str]:
    """(subject, text, HTML) of ``kind`` for ``registration``, in the locale in force.

    The event's own text of an automatic e-mail (``EmailText``), or an organiser's message
    (``own_subject``, ``own_text``), is merged with the registration's details here.
    """
    if own_text is None and kind in OWN_TEXT_KINDS:
        own = own_email_text(event.id, kind, registration.language or "sv")
        if own is not None:
            own_subject, own_text = own.subject, own.body
    context.update(
        registration=registration, event=event, link=link,
        event_url=absolute_url("public.event_page", slug=event.slug),
        cancellation_deadline=format_deadline(event.effective_cancellation_deadline),
        cancellation_free=now < event.effective_cancellation_deadline,
        organiser_name=event.organiser_name or current_app.config["ORGANISER_NAME"],
        chosen_sessions=_chosen_sessions(registration, event),
    )
    subject = _subject(kind, event)
    if own_text is not None:
        values = merge_values(registration, event, link or context.pop("sample_link", None))
        if own_subject:
            subject = one_line(merge_fields.merge(own_subject, values))
        own_text = merge_fields.merge(own_text, values)
        context.update(own_text=own_text, own_html=as_html(own_text))
    template = MESSAGE if kind == MESSAGE_TEST else kind
    text = render_template(f"emails/{template}.txt", **context)
    html = render_template(f"emails/{template}.html", subject=subject, **context)
    return subject, text, html



def own_email_text(event_id: int, kind: str, language: str) -> EmailText | None:
    """The event's own text of the automatic e-mail ``kind`` in ``language``, if it has one."""
    return db.session.scalar(select(EmailText).where(EmailText.event_id == event_id, EmailText.kind == kind,
                                                     EmailText.language == language))


def merge_values(registration: Registration, event: Event, link: str | None) -> dict[str, str]:
    """What the merge fields stand for in ``registration``'s e-mail, in the locale in force."""
    return {"first_name": registration.first_name, "last_name": registration.last_name,
            "event": event.localised.title, "starts": format_datetime(event.starts_at), "link": link or ""}


def sample_link() -> str:
    """Where the personal link goes, in a preview or a test (a link that is no one's)."""
    return urljoin(base_url(), "r/…")


_URL = re.compile(r"(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)])")


def as_html(text: str) -> Markup:
    """Plain text as HTML paragraphs, escaped, with its web addresses as links."""
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(_linked(line) for line in paragraph.split("\n")))
        for paragraph in paragraphs)


def _linked(line: str) -> Markup:
    parts = _URL.split(line)
    return Markup("").join(Markup('<a href="{0}">{0}</a>').format(part) if n % 2 else escape(part)
                           for n, part in enumerate(parts))


def text_for_calendar(event: Event, link: str | None) -> str:
    """The invite's DESCRIPTION: the event's description and the personal link."""
    parts = [event.localised.description.strip()]
    if link:
        parts.append(_("Your registration (cancel or send a colleague): %(link)s", link=link))
    return "\n\n".join(part for part in parts if part)


def _calendar(event: Event, registration: Registration, recipient: str | None, method: str, now: datetime,
              description: str, link: str | None, meeting: int | None = None,
              only: list[ical.Occurrence] | None = None) -> bytes:
    # A withdrawal must outrank every earlier version of the entry, including the last update.
    sequence = event.calendar_sequence + (1 if method == "CANCEL" and not event.is_cancelled else 0)
    return ical.invitation(
        event, registration, method=method, sequence=sequence, now=now, organizer=organizer(event),
        description=description, url=link or "", domain=ical.uid_domain(base_url()), meeting=meeting, only=only,
        attendee_email=recipient,
    )


def organiser_address(event: Event) -> str | None:
    """The organiser's own address as it is sent, when it is one (the field is free text on older events)."""
    return _organiser_address(event.organiser_email)


@lru_cache(maxsize=64)
def _organiser_address(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return sendable(checked_email(value))
    except (InvalidEmailAddress, UnsendableAddress):
        return None


def organizer(event: Event) -> ical.Organizer:
    return ical.Organizer(email=organiser_address(event) or sender().addr_spec,
                          name=one_line(event.organiser_name or current_app.config["ORGANISER_NAME"]))


def sender() -> Address:
    """The From address: MAIL_DEFAULT_SENDER, either "Name <address>" or a bare address."""
    return _sender(current_app.config["MAIL_DEFAULT_SENDER"], current_app.config["ORGANISER_NAME"])


@lru_cache(maxsize=16)
def _sender(value: str, organiser_name: str) -> Address:
    address = HeaderRegistry()("From", value).addresses[0]
    if not address.display_name:
        return Address(one_line(organiser_name), addr_spec=address.addr_spec)
    return address


def mailbox(name: str, address: str) -> str:
    """A To/From/Reply-To value: the name RFC 2047-encoded where it is not ASCII, on one line."""
    return formataddr((one_line(name), address), charset="utf-8")


def _mime(registration: Registration, event: Event, recipient: str | None, subject: str, text: str, html: str,
          calendar: bytes | None, method: str | None, now: datetime, meetings: list[bytes], *,
          to_name: str) -> Message:
    # The email package's classic MIME classes: the same message as EmailMessage would build, in a
    # fraction of the time (no header parsing and refolding), which a burst of registrations feels.
    # Random boundaries up front spare the generator searching the text for a safe one.
    alternative = MIMEMultipart("alternative", boundary=_boundary())
    alternative.attach(_text_part(text, "plain"))
    alternative.attach(_text_part(html, "html"))
    message = alternative
    if calendar is not None:
        invitation = _text_part(calendar.decode("utf-8"), "calendar")
        invitation.set_param("method", method)
        alternative.attach(invitation)
        message = MIMEMultipart("mixed", boundary=_boundary())
        message.attach(_part(alternative))
        for filename, content in [("invite.ics", calendar)] + [
                (f"meeting-{number}.ics", meeting) for number, meeting in enumerate(meetings, start=1)]:
            attachment = _part(MIMEApplication(content, "ics"))
            attachment.add_header("Content-Disposition", "attachment", filename=filename)
            message.attach(attachment)
    from_address = sender()
    message["Subject"] = Header(subject, "utf-8") if not subject.isascii() else subject
    message["From"] = mailbox(from_address.display_name, from_address.addr_spec)
    if recipient is not None:
        message["To"] = mailbox(to_name, recipient) if to_name else recipient
    reply_to = organiser_address(event)
    if reply_to:
        message["Reply-To"] = mailbox(event.organiser_name, reply_to)
    message["Date"] = rfc2822_date(now)
    message["Message-ID"] = make_msgid(domain=from_address.domain or None)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = registration.language or "sv"
    return message


def _boundary() -> str:
    return f"=_{secrets.token_hex(16)}"


def _text_part(content: str, subtype: str) -> MIMENonMultipart:
    """A UTF-8 text part, quoted-printable: 7-bit for any server, still readable as stored."""
    part = MIMENonMultipart("text", subtype)
    part.set_payload(content, _QUOTED_PRINTABLE_UTF8)
    return _part(part)


def _part(part: Message) -> Message:
    del part["MIME-Version"]  # the classic classes give every part one; only the message needs it
    return part


def as_text(message: Message) -> str:
    """The message as stored and sent: 7-bit, CRLF line ends, headers folded at 78 characters."""
    out = io.StringIO()
    Generator(out, mangle_from_=False, policy=_STORED).flatten(message)
    return out.getvalue()


_QUOTED_PRINTABLE_UTF8 = Charset("utf-8")
_QUOTED_PRINTABLE_UTF8.body_encoding = QP
_STORED = compat32.clone(linesep="\r\n", max_line_length=78)
