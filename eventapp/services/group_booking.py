"""Rule 8: a booker registers several colleagues (and themself, or only them) in one form.

Everyone booked gets a registration, a confirmation with an invitation and a personal link of their
own; the booker gets a summary with the group link (``/g/<token>``) to add a colleague, cancel one or
send another instead. Places go in form order under the event's lock: confirmed while places last,
the rest on the waiting list; an event without a waiting list takes the whole group or none of it.
The organisation, its number, the invoice reference and address and the Peppol ID are the booker's
and go on every registration of the booking (the buyer of its invoice, rule 9).
"""
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..database import begin_write
from ..extensions import db
from ..models import Booking, Event, OutboxMessage, Registration, RegistrationStatus
from ..models.registration import ACTIVE_STATUSES
from . import booking_mail, notifications, outbox, paid_events, personal_links, pricing, privacy, questions, sessions
from .buyers import validate_peppol_id
from .cancellation import CancellationResult, cancel_registration, transfer_registration
from .email_addresses import checked_email, email_key
from .errors import (
    AlreadyRegistered,
    DomainError,
    EventFull,
    NotFound,
    RegistrationClosed,
    ValidationFailed,
)
from .organisations import validate_org_number
from .registration import (
    Attendee,
    RegistrationResult,
    event_for_update,
    lock_event,
    places_left,
    prepare_registration,
    registration_closed_reason,
)

#: The most colleagues one form books.
MAX_COLLEAGUES = 20


@dataclass(frozen=True)
class Colleague:
    """A colleague on the booker's form: their own name, address, job title and diet."""

    first_name: str
    last_name: str
    email: str
    job_title: str = ""
    dietary: str = ""
    #: The form field beside which a message about the address goes; by default ``colleagues-N-email``.
    field: str = ""


@dataclass(frozen=True)
class BookingRequest:
    """What the form sends: the booker (with the buyer's details), the colleagues in form order."""

    booker: Attendee
    colleagues: list[Colleague] = field(default_factory=list)
    booker_attending: bool = True
    discount_code: str = ""


@dataclass
class BookedPerson:
    registration_id: int
    name: str
    email: str
    status: str


@dataclass
class BookingResult:
    booking_id: int
    people: list[BookedPerson]
    #: Titles of the booker's sessions that were full by the time the booking was stored (rule 10).
    full_sessions: list[str] = field(default_factory=list)
    #: False when the same booking was sent again and is answered as the first time (rule 3).
    created: bool = True

    @property
    def booking(self) -> Booking:
        return db.session.get(Booking, self.booking_id)


def is_booking(event: Event, request: BookingRequest) -> bool:
    """A booking (rules 8 and 9) rather than one person registering: colleagues on the form, the booker
    only booking, a discount code, or a paid event (one person's booking is invoiced too)."""
    return bool(request.colleagues or not request.booker_attending or request.discount_code.strip()
                or paid_events.is_paid(event))


def _people(request: BookingRequest) -> list[tuple[str, Attendee]]:
    """(form field of the address, attendee) of everyone booked, in form order; each colleague with the
    booker's organisation, buyer details, language and answers."""
    booker = request.booker
    people = [("email", booker)] if request.booker_attending else []
    for number, colleague in enumerate(request.colleagues):
        people.append((colleague.field or f"colleagues-{number}-email", replace(
            booker, first_name=colleague.first_name, last_name=colleague.last_name, email=colleague.email,
            job_title=colleague.job_title, dietary=colleague.dietary, phone="")))
    return people


def _checked(request: BookingRequest) -> list[tuple[str, Attendee]]:
    """The people with their addresses as stored, or ValidationFailed with a message beside each wrong
    address (nothing is stored)."""
    if len(request.colleagues) > MAX_COLLEAGUES:
        raise ValidationFailed({"colleagues": [_l("At most %(max)d colleagues in one booking.",
                                                  max=MAX_COLLEAGUES)]})
    people = _people(request)
    if not people:
        raise ValidationFailed({"colleagues": [
            _l("Add at least one colleague, or tick that you attend yourself.")]})
    errors: dict[str, list] = {}
    checked, seen = [], {}
    for name, person in people:
        try:
            person = replace(person, email=checked_email(person.email, field=name))
        except DomainError as error:
            errors[name] = [error.message]
            continue
        key = email_key(person.email)
        if key in seen:
            errors[name] = [_l("%(email)s is already in this booking.", email=person.email)]
        seen[key] = name
        checked.append((name, person))
    try:
        checked_email(request.booker.email)
    except DomainError as error:
        errors.setdefault("email", [error.message])
    if errors:
        raise ValidationFailed(errors)
    return checked


def book(event_id: int, request: BookingRequest, now: datetime) -> BookingResult:
    """Book everyone on the form (rules 1-3, 8 and 9) in one transaction, or nothing.

    Outside the lock: the addresses, the organisation number and Peppol ID are checked and the rows
    written out. Under the event's lock: the window, the answers, nobody already registered, the
    places in form order, the discount code's use, the inserts, the e-mails and (for a paid event
    invoiced on registration) the invoice.
    """
    people = _checked(request)
    booker = request.booker
    org_number = validate_org_number(booker.org_number) if booker.org_number.strip() else ""
    if booker.peppol_id.strip():
        validate_peppol_id(booker.peppol_id)
    prepared = [(name, prepare_registration(event_id, person, now, org_number=org_number))
                for name, person in people]
    # The sessions the booker picked are the booker's; colleagues pick theirs on their personal pages.
    picked = sessions.picked(event_id, booker.sessions) if request.booker_attending else []
    selector = personal_links.new_selector()
    _, unknown_hash = personal_links.new_verifier()  # the e-mail gives the link its secret (booking_mail)
    event = _lock(event_id)
    try:
        reason = registration_closed_reason(event, now)
        if reason is not None:
            raise RegistrationClosed(reason)
        wrong_answers = questions.check_answers(event, booker.answers)
        if wrong_answers:
            raise ValidationFailed(wrong_answers)
        again = _sent_again(event, people, booker.email)
        if again is not None:
            db.session.rollback()
            return again
        _refuse_already_registered(event, people)
        statuses = statuses_in_form_order(event, len(prepared))
        code = pricing.use_code(event, request.discount_code, now) if request.discount_code.strip() else None
        booking = Booking(
            event_id=event.id, booker_first_name=booker.first_name.strip(), booker_last_name=booker.last_name.strip(),
            booker_email=checked_email(booker.email), language=booker.language,
            booker_attending=request.booker_attending, link_selector=selector, link_verifier_hash=unknown_hash,
            discount_code=code, unit_price=pricing.unit_price(event, now, code), created_at=now)
        db.session.add(booking)
        db.session.flush()
        answers = questions.answers_to_store(event, booker.answers)
        booked = []
        for (_field, new), status in zip(prepared, statuses, strict=True):
            new.columns["booking_id"] = booking.id
            registered = new.insert(status, now, answers)
            notifications.registered(registered, status, event, now)
            booked.append(BookedPerson(registered.id, f"{new.columns['first_name']} {new.columns['last_name']}",
                                       registered.email, str(status)))
        full = []
        if request.booker_attending:
            booking.booker_registration_id = booked[0].registration_id
            full = [str(s.localised.title) for s in sessions.take_places(booked[0].registration_id, picked, now)]
        booking_mail.queue_summary(booking, event, now)
        paid_events.booked(event, booking, now)
        db.session.commit()
        return BookingResult(booking.id, booked, full)
    except IntegrityError:
        # Someone on the form registered a moment ago (or the same form was sent twice at once): the
        # unique index refused the row.
        db.session.rollback()
        event = db.session.get(Event, event_id)
        again = _sent_again(event, people, booker.email)
        if again is not None:
            db.session.rollback()
            return again
        _refuse_already_registered(event, people)
        raise
    except Exception:
        db.session.rollback()
        raise


def _lock(event_id: int) -> Event:
    """The event's lock; for an event invoiced on registration the invoice series' first (the lock order
    of services.invoicing: the series, then the event)."""
    paid = db.session.scalar(select(Event).where(Event.id == event_id))
    if paid is None:
        raise NotFound(_l("The event does not exist."))
    if not paid_events.invoices_on_registration(paid):
        return lock_event(event_id)
    begin_write()
    try:
        paid_events.lock_series()
        event = event_for_update(event_id)
        if event is None:
            raise NotFound(_l("The event does not exist."))
    except Exception:
        db.session.rollback()
        raise
    return event


def _sent_again(event: Event, people: list[tuple[str, Attendee]], booker_email: str) -> BookingResult | None:
    """The booking these people already are in, when the same booker sent the same form again (rule 3:
    a repeated submit is answered as the first one was); None otherwise."""
    keys = [email_key(person.email) for _, person in people]
    taken = list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.email_key.in_(keys), Registration.status.in_(ACTIVE_STATUSES))))
    if len(taken) != len(keys) or len({r.booking_id for r in taken}) != 1 or taken[0].booking_id is None:
        return None
    booking = db.session.get(Booking, taken[0].booking_id)
    if email_key(booking.booker_email) != email_key(booker_email):
        return None
    by_key = {r.email_key: r for r in taken}
    ordered = [by_key[key] for key in keys]
    return BookingResult(booking.id, [BookedPerson(r.id, r.full_name, r.email, r.status) for r in ordered],
                         created=False)


def _refuse_already_registered(event: Event, people: list[tuple[str, Attendee]]) -> None:
    """AlreadyRegistered naming each person on the form who has an active registration (rule 3)."""
    keys = {email_key(person.email): name for name, person in people}
    taken = list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.email_key.in_(keys), Registration.status.in_(ACTIVE_STATUSES))))
    if not taken:
        return
    errors = {keys[r.email_key]: [_l("%(name)s (%(email)s) is already registered for this event.",
                                     name=r.full_name, email=r.email)] for r in taken}
    error = ValidationFailed(errors)
    error.code = AlreadyRegistered.code
    raise error


def statuses_in_form_order(event: Event, count: int) -> list[str]:
    """The status of each of ``count`` people booked together: confirmed while places last, then the
    waiting list; without one, EventFull unless all fit. Call holding the event's lock."""
    left = places_left(event)
    if left is None or left >= count:
        return [RegistrationStatus.CONFIRMED] * count
    if not event.waitlist_enabled:
        if left == 0:
            raise EventFull(_l("The event is fully booked."))
        raise EventFull(_l("Only %(left)d places are left and the booking is for %(count)d people: nothing was "
                           "booked. Book fewer people, or ask the organiser.", left=left, count=count))
    return [RegistrationStatus.CONFIRMED] * left + [RegistrationStatus.WAITLISTED] * (count - left)


# The group link ---------------------------------------------------------------------------------


def find_by_token(token: str, now: datetime) -> Booking | None:
    """The booking a group link belongs to, while its event has not ended."""
    parts = personal_links.split_token(token)
    if parts is None:
        return None
    selector, verifier = parts
    booking = db.session.scalar(select(Booking).where(Booking.link_selector == selector))
    if booking is None or not personal_links.verifier_matches(verifier, booking.link_verifier_hash):
        return None
    if now >= booking.event.ends_at:
        return None
    return booking


def members(booking: Booking) -> list[Registration]:
    """Everyone the booking holds, in the order booked (a colleague sent instead where the place went)."""
    return list(db.session.scalars(select(Registration).where(Registration.booking_id == booking.id)
                                   .order_by(Registration.queued_at, Registration.id)))


def _member(booking: Booking, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.booking_id != booking.id:
        raise NotFound(_l("The person is not in this booking."))
    return registration


def cancel_member(booking: Booking, registration_id: int, now: datetime) -> CancellationResult:
    """The booker cancels one person of the booking (rule 4, as if they cancelled themself)."""
    return cancel_registration(_member(booking, registration_id).id, now)


def replace_member(booking: Booking, registration_id: int, colleague: Attendee, now: datetime) -> RegistrationResult:
    """The booker sends another colleague instead of one booked (rule 5); the invoice stays."""
    return transfer_registration(_member(booking, registration_id).id, colleague, now)


def add_member(booking: Booking, colleague: Colleague, now: datetime) -> BookingResult:
    """The booker adds a colleague to the booking: a place if one is left, else the waiting list; the
    same buyer, and for a paid event an invoice for the new person."""
    first = next(iter(members(booking)), None)
    if first is None:
        raise NotFound(_l("The booking has nobody left to copy the details from."))
    buyer = Attendee(
        first_name=colleague.first_name, last_name=colleague.last_name, email=colleague.email,
        organisation=first.organisation_name, job_title=colleague.job_title, dietary=colleague.dietary,
        org_number=first.org_number, invoice_reference=first.invoice_reference, language=first.language,
        invoice_street=first.invoice_street, invoice_postcode=first.invoice_postcode,
        invoice_city=first.invoice_city, invoice_address=first.invoice_address, peppol_id=first.peppol_id,
        answers={answer.question_id: answer.value for answer in first.answers})
    (name, person), = _checked(BookingRequest(buyer, booker_attending=True))
    new = prepare_registration(booking.event_id, person, now, org_number=first.org_number,
                               organisation=first.organisation)
    new.columns["booking_id"] = booking.id
    booking_id = booking.id
    event = _lock(booking.event_id)
    try:
        booking = db.session.get(Booking, booking_id)
        reason = registration_closed_reason(event, now)
        if reason is not None:
            raise RegistrationClosed(reason)
        _refuse_already_registered(event, [(name, person)])
        status, = statuses_in_form_order(event, 1)
        registered = new.insert(status, now, questions.answers_to_store(event, buyer.answers))
        notifications.registered(registered, status, event, now)
        paid_events.booked(event, booking, now)
        db.session.commit()
        return BookingResult(booking.id, [BookedPerson(registered.id, f"{person.first_name} {person.last_name}",
                                                       registered.email, status)])
    except IntegrityError:
        db.session.rollback()
        _refuse_already_registered(db.session.get(Event, booking.event_id), [(name, person)])
        raise
    except Exception:
        db.session.rollback()
        raise



# Personal data ----------------------------------------------------------------------------------


def bookings_made_by(email: str, now: datetime, erase: bool) -> list:
    """The bookings ``email`` made (for a person's export), forgotten first when ``erase`` (services.privacy)."""
    found = list(db.session.scalars(select(Booking).where(
        db.func.lower(Booking.booker_email) == email_key(email)).order_by(Booking.id)))
    data = [{"event": booking.event.slug, "booker": booking.booker_name, "email": booking.booker_email,
             "created_at": booking.created_at.isoformat(), "people": len(members(booking))} for booking in found]
    if erase:
        for booking in found:
            _forget_booker(booking)
    return data


def forget_bookers(registration_ids: list[int], now: datetime) -> int:
    """When the last person of a booking, or the booker's own registration, is pseudonymised
    (services.privacy), the booker goes too: their name and address, the group link and the summary
    e-mail (and its kept copy). Returns the bookings forgotten."""
    anonymised = "@" + privacy.ANONYMISED_DOMAIN
    booking_ids = set(db.session.scalars(select(Registration.booking_id).where(
        Registration.id.in_(registration_ids), Registration.booking_id.is_not(None))))
    forgotten = 0
    for booking in db.session.scalars(select(Booking).where(Booking.id.in_(booking_ids))):
        left = db.session.scalar(select(Registration.id).where(
            Registration.booking_id == booking.id, ~Registration.email_key.like("%" + anonymised),
            Registration.id.not_in(registration_ids)).limit(1))
        booker_erased = booking.booker_registration_id in registration_ids
        if (left is not None and not booker_erased) or booking.booker_email.endswith(anonymised):
            continue
        _forget_booker(booking)
        forgotten += 1
    return forgotten


def _forget_booker(booking: Booking) -> None:
    """The booker's name and address, the group link and the summary e-mail (and its kept copy) go."""
    anonymised = "@" + privacy.ANONYMISED_DOMAIN
    booking.booker_first_name, booking.booker_last_name = privacy.ERASED_NAME, ""
    booking.booker_email = f"erased-booking-{booking.id}{anonymised}"
    booking.link_verifier_hash = personal_links.new_verifier()[1]
    sent = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.kind.in_(booking_mail.KINDS), OutboxMessage.event_id == booking.event_id,
        OutboxMessage.registration_id.is_(None))))
    summaries = [message for message in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.id.in_(sent))) if (message.details or {}).get("booking") == booking.id]
    for message in summaries:
        db.session.delete(message)
    outbox.forget_kept([message.id for message in summaries])


privacy.register_purger(forget_bookers)
privacy.register_holder(bookings_made_by)
