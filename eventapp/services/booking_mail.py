"""The booker's summary of a group booking, with the group link (``/g/<token>``).

Queued in the booking's transaction like every e-mail; the worker writes it when it sends it and
gives the group link its secret then (only the secret's hash is stored), so no working link is ever
stored in the outbox.
"""
from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import jobs
from ..extensions import db
from ..models import Booking, Event, OutboxMessage, OutboxStatus, Registration
from .notifications import NothingToSend, absolute_url, one_line, organiser_address, sender
from .personal_links import new_verifier
from .staff_mail import POLICY

SUMMARY = "booking_summary"
KINDS = (SUMMARY,)


def _subject(event: Event) -> str:
    return one_line(_("Your group booking: %(title)s", title=event.localised.title))


def queue_summary(booking: Booking, event: Event, now: datetime) -> OutboxMessage:
    """Queue the booker's summary in the booking's transaction."""
    db.session.flush()  # the booking needs its id
    with force_locale(booking.language or "sv"):
        subject = _subject(event)
    message = OutboxMessage(kind=SUMMARY, registration_id=None, event_id=event.id, recipient=booking.booker_email,
                            subject=subject[:400], details={"booking": booking.id}, status=OutboxStatus.PENDING,
                            created_at=now, next_attempt_at=now, attempts=0, server_reply="")
    db.session.add(message)
    jobs.deliver_after_commit()
    return message


def compose(message, *, with_link: bool = True) -> tuple[str, Callable[[], None] | None]:
    """The whole e-mail, and the step that stores the group link's new secret before it is sent."""
    booking = db.session.get(Booking, (message.details or {}).get("booking"))
    if booking is None:
        raise NothingToSend("Not sent: the booking no longer exists.")
    token, store = "…", None
    if with_link:
        verifier, verifier_hash = new_verifier()
        token = booking.link_selector + verifier
        booking_id = booking.id

        def store():
            db.session.execute(update(Booking).where(Booking.id == booking_id)
                               .values(link_verifier_hash=verifier_hash),
                               execution_options={"synchronize_session": False})

    event = booking.event
    people = list(db.session.scalars(select(Registration).where(Registration.booking_id == booking.id)
                                     .order_by(Registration.queued_at, Registration.id)))
    language = booking.language or "sv"
    with force_locale(language):
        context = {"booking": booking, "event": event, "people": people, "subject": message.subject,
                   "link": absolute_url("groups.group_page", token=token), "language": language,
                   "event_url": absolute_url("public.event_page", slug=event.slug),
                   "organiser_name": event.organiser_name or current_app.config["ORGANISER_NAME"]}
        text = render_template("emails/booking_summary.txt", **context)
        html = render_template("emails/booking_summary.html", **context)
    mime = EmailMessage(policy=POLICY)
    mime["Subject"] = message.subject
    mime["From"] = sender()
    mime["To"] = Address(one_line(booking.booker_name), addr_spec=message.recipient)
    reply_to = organiser_address(event)
    if reply_to:
        mime["Reply-To"] = Address(one_line(event.organiser_name), addr_spec=reply_to)
    mime["Date"] = rfc2822_date(message.created_at)
    mime["Message-ID"] = make_msgid(domain=sender().domain or None)
    mime["Auto-Submitted"] = "auto-generated"
    mime["Content-Language"] = language
    mime.set_content(text)
    mime.add_alternative(html, subtype="html")
    return mime.as_string(policy=POLICY), store
