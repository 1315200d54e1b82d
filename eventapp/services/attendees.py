"""The organisers' attendee list and what they do on it: search, filter, sort and page; add someone
who phoned in, edit, cancel, move up from the waiting list, keep notes. Every change is in the
audit log, in the same transaction as the change."""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, select
from sqlalchemy.orm import joinedload

from ..collation import matches, name_key, search_words, sort_by_name, sort_key
from ..extensions import db
from ..models import AuditEntry, County, Event, Organisation, Registration, RegistrationStatus, User
from . import audit, notifications, questions
from .cancellation import cancel_registration
from .email_addresses import checked_email, email_key
from .errors import AlreadyRegistered, DomainError, NotFound, ValidationFailed
from .organisations import find_or_create_organisation, validate_org_number
from .registration import (
    Attendee,
    active_registration,
    lock_event,
    places_left,
    prepare_registration,
    status_for_new_registration,
    with_checked_email,
)

PAGE_SIZE = 50


def _by_name(row) -> tuple:
    return (*name_key(row.last_name, row.first_name), row.id)


#: The orders the list offers: name -> key of a listed row. Names in Swedish order (``collation``).
SORTS = {
    "name": _by_name,
    # attendees without an organisation come last, not first
    "organisation": lambda row: (not row.organisation_name, sort_key(row.organisation_name), *_by_name(row)),
    "registered": lambda row: (row.created_at, row.id),
    "status": lambda row: (row.status, row.queued_at, row.id),
}
CHECKED_IN_CHOICES = ("yes", "no")


@dataclass(frozen=True)
class AttendeeQuery:
    """What the organiser asked the list for; unknown values fall back to 'everything'."""

    search: str = ""
    status: str = ""
    organisation_kind: str = ""
    checked_in: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1


@dataclass
class AttendeePage:
    registrations: list[Registration]
    total: int
    page: int
    pages: int
    query: AttendeeQuery = field(default_factory=AttendeeQuery)


#: What a listed row carries: enough to search, sort and page without loading registrations.
LISTED = (Registration.id, Registration.first_name, Registration.last_name, Registration.email,
          Registration.organisation_name, Registration.check_in_code, Registration.status,
          Registration.queued_at, Registration.created_at)


def _listed(event_id: int, query: AttendeeQuery) -> list[Row]:
    """The rows the query asks for, in its order. Filters by status, kind and check-in are the
    database's; the search and the order are ``collation``'s, the same on SQLite and PostgreSQL."""
    statement = select(*LISTED).outerjoin(Registration.organisation).where(Registration.event_id == event_id)
    if query.status in set(RegistrationStatus):
        statement = statement.where(Registration.status == query.status)
    if query.organisation_kind:
        statement = statement.where(Organisation.kind == query.organisation_kind)
    if query.checked_in == "yes":
        statement = statement.where(Registration.checked_in_at.is_not(None))
    elif query.checked_in == "no":
        statement = statement.where(Registration.checked_in_at.is_(None))
    rows = db.session.execute(statement).all()
    words = search_words(query.search)
    if words:
        rows = [row for row in rows if matches(words, row.first_name, row.last_name, row.email,
                                                row.organisation_name, row.check_in_code)]
    return sorted(rows, key=SORTS.get(query.sort, SORTS["name"]), reverse=query.descending)


def list_attendees(event_id: int, query: AttendeeQuery, page_size: int = PAGE_SIZE) -> AttendeePage:
    """One page of the event's registrations: two queries, however many there are."""
    rows = _listed(event_id, query)
    pages = max((len(rows) + page_size - 1) // page_size, 1)
    page = min(max(query.page, 1), pages)
    ids = [row.id for row in rows[(page - 1) * page_size:page * page_size]]
    return AttendeePage(_registrations(ids), total=len(rows), page=page, pages=pages, query=query)


def matching_ids(event_id: int, query: AttendeeQuery) -> list[int]:
    """The ids of every registration the query finds, on every page, in the list's order."""
    return [row.id for row in _listed(event_id, query)]


def _registrations(ids: list[int]) -> list[Registration]:
    """The registrations with these ids, with their organisations, in the order of ``ids``."""
    if not ids:
        return []
    found = {registration.id: registration for registration in db.session.scalars(
        select(Registration).where(Registration.id.in_(ids)).options(joinedload(Registration.organisation)))}
    return [found[i] for i in ids if i in found]


def all_attendees(event_id: int, *, active_only: bool = False) -> list[Registration]:
    """Every registration of the event with its organisation and county, in Swedish order of names."""
    statement = (
        select(Registration)
        .where(Registration.event_id == event_id)
        .options(joinedload(Registration.organisation).joinedload(Organisation.county))
    )
    if active_only:
        statement = statement.where(Registration.status.in_(
            (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)))
    return sort_by_name(db.session.scalars(statement))


#: What the attendee export shows of a registration, in its column order.
EXPORT_COLUMNS = (
    Registration.last_name, Registration.first_name, Registration.email, Registration.organisation_name,
    Organisation.kind.label("organisation_kind"), County.name.label("county"), Registration.job_title,
    Registration.phone, Registration.dietary, Registration.org_number, Registration.invoice_reference,
    Registration.status, Registration.created_at, Registration.checked_in_at, Registration.check_in_code,
    Registration.organiser_note, Registration.id,
)


def attendee_export_rows(event_id: int) -> list[Row]:
    """Every registration of the event as plain rows of ``EXPORT_COLUMNS``, in Swedish order of names.

    Plain rows, not ORM objects: building and tracking 10 000 registrations with their organisations
    would take longer than writing the whole file.
    """
    statement = (
        select(*EXPORT_COLUMNS)
        .outerjoin(Registration.organisation)
        .outerjoin(Organisation.county)
        .where(Registration.event_id == event_id)
    )
    return sorted(db.session.execute(statement), key=_by_name)


def get_registration(event: Event, registration_id: int) -> Registration:
    """The registration, if it belongs to ``event``."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound(_l("The registration does not exist."))
    return registration


def add_attendee(event_id: int, person: Attendee, *, actor: User | None, now: datetime,
                 note: str = "") -> Registration:
    """Register someone on the organiser's word (they phoned in), also outside the registration window.

    Capacity still holds: when the event is full the person goes on the waiting list, or is refused
    when the event has none.
    """
    person = with_checked_email(person)
    org_number = validate_org_number(person.org_number) if person.org_number.strip() else ""
    event = lock_event(event_id)
    try:
        if event.is_cancelled:
            raise DomainError(_l("The event has been cancelled."))
        if active_registration(event, person.email) is not None:
            raise AlreadyRegistered(_l("%(email)s is already registered for this event.", email=person.email))
        status = status_for_new_registration(event, full_message=_l(
            "The event is fully booked and has no waiting list. Raise the capacity first."))
        prepared = prepare_registration(event.id, person, now, org_number=org_number)
        # Consent was not given on our form; the organiser vouches for the registration instead.
        prepared.columns.update(consent_at=None, organiser_note=note.strip())
        answers = questions.answers_to_store(event, person.answers)
        registration = db.session.get(Registration, prepared.insert(status, now, answers).id)
        notifications.registered(registration, status, event, now)
        audit.record("registration.added", registration, actor=actor, now=now, status=status)
        db.session.commit()
        return registration
    except Exception:
        db.session.rollback()
        raise


@dataclass(frozen=True)
class AttendeeChanges:
    """The fields an organiser may correct on a registration."""

    first_name: str
    last_name: str
    email: str
    organisation: str
    job_title: str = ""
    phone: str = ""
    dietary: str = ""
    org_number: str = ""
    invoice_reference: str = ""
    organiser_note: str = ""


def update_attendee(registration_id: int, new: AttendeeChanges, *, actor: User | None,
                    now: datetime) -> dict[str, list]:
    """Correct a registration; returns {field: [old, new]} of what changed (also in the audit log)."""
    org_number = validate_org_number(new.org_number) if new.org_number.strip() else ""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        email = new.email.strip()
        if email and email != registration.email:
            email = checked_email(email)
        if email_key(email) != registration.email_key and registration.is_active:
            other = active_registration(event, email)
            if other is not None and other.id != registration.id:
                raise AlreadyRegistered(_l("%(email)s is already registered for this event.", email=email))
        organisation_name = " ".join(new.organisation.split())
        values = {
            "first_name": new.first_name.strip(), "last_name": new.last_name.strip(),
            "email": email, "email_key": email_key(email), "organisation_name": organisation_name,
            "job_title": new.job_title.strip(), "phone": new.phone.strip(), "dietary": new.dietary.strip(),
            "org_number": org_number, "invoice_reference": new.invoice_reference.strip(),
            "organiser_note": new.organiser_note.strip(),
        }
        if not values["first_name"] or not values["last_name"] or not email:
            raise ValidationFailed({"first_name": [_l("A name and an e-mail address are needed.")]})
        changed = audit.changes(registration, values)
        changed.pop("email_key", None)
        if "organisation_name" in changed:
            registration.organisation = find_or_create_organisation(organisation_name)
        if changed:
            audit.record("registration.updated", registration, actor=actor, now=now, changes=changed)
        db.session.commit()
        return changed
    except Exception:
        db.session.rollback()
        raise


def cancel_attendee(registration_id: int, *, actor: User | None, now: datetime) -> list[Registration]:
    """Cancel on the attendee's behalf, by the same deadline rule as their own link (rule 4).

    Returns the waiting-list registrations that got the freed place.
    """
    return cancel_registration(registration_id, now, actor=actor).promoted


def promote_attendee(registration_id: int, *, actor: User | None, now: datetime) -> int | None:
    """Move one person up from the waiting list, ahead of the queue.

    A confirmed place is never created beyond capacity (rule 2): when the event is full the
    organiser's decision adds a place, and the new capacity is returned (None when unchanged).
    """
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if registration.status != RegistrationStatus.WAITLISTED:
            raise DomainError(_l("Only someone on the waiting list can be moved up."))
        if now >= event.ends_at:
            raise DomainError(_l("The event is over."))
        new_capacity = None
        if places_left(event) == 0:
            old_capacity, event.capacity = event.capacity, event.capacity + 1
            new_capacity = event.capacity
            audit.record("event.updated", event, actor=actor, now=now, event_id=event.id,
                         changes={"capacity": [old_capacity, new_capacity]})
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        audit.record("registration.promoted", registration, actor=actor, now=now, capacity=new_capacity)
        notifications.promoted([registration], now)
        db.session.commit()
        return new_capacity
    except Exception:
        db.session.rollback()
        raise


# Actions on many at once ------------------------------------------------------------------------

#: At most this many registrations in one action: a list larger than any hall, so no request runs away.
BULK_MAX = 5000


@dataclass
class BulkOutcome:
    """What an action on many registrations did: who it was done for, and who not, with why."""

    done: list[Registration] = field(default_factory=list)
    refused: list[tuple[Registration, str]] = field(default_factory=list)
    #: People given a place from the waiting list because others cancelled.
    promoted: list[Registration] = field(default_factory=list)


def chosen(event_id: int, ids: list[int]) -> list[Registration]:
    """The registrations of the event among ``ids``, in the order of ``ids`` (others are ignored)."""
    if len(ids) > BULK_MAX:
        raise DomainError(_l("Choose at most %(max)d attendees at once.", max=BULK_MAX))
    return [r for r in _registrations(list(dict.fromkeys(ids))) if r.event_id == event_id]


def cancel_many(event_id: int, ids: list[int], *, actor: User | None, now: datetime) -> BulkOutcome:
    """Cancel each chosen registration by the rules of a single cancellation (rule 4), one at a time, so
    that one refusal stops no other. The waiting list is cancelled first: a place freed by a confirmed
    attendee then goes to someone who stays."""
    outcome = BulkOutcome()
    targets = chosen(event_id, ids)
    targets.sort(key=lambda r: r.status != RegistrationStatus.WAITLISTED)
    for registration in targets:
        try:
            result = cancel_registration(registration.id, now, actor=actor)
        except DomainError as refused:
            outcome.refused.append((registration, str(refused)))
        else:
            outcome.done.append(result.registration)
            outcome.promoted.extend(result.promoted)
    cancelled = {r.id for r in outcome.done}
    outcome.promoted = [r for r in outcome.promoted if r.id not in cancelled]
    return outcome


def give_places(event_id: int, ids: list[int], *, actor: User | None, now: datetime) -> BulkOutcome:
    """Give the chosen people on the waiting list a place, in the order they joined it, while places are
    free. Unlike moving one person up, it never raises the capacity: that stays a decision per person."""
    outcome = BulkOutcome()
    targets = chosen(event_id, ids)
    event = lock_event(event_id)
    try:
        if now >= event.ends_at:
            raise DomainError(_l("The event is over."))
        waiting = sorted((r for r in targets if r.status == RegistrationStatus.WAITLISTED),
                         key=lambda r: (r.queued_at, r.id))
        outcome.refused = [(r, str(_l("Not on the waiting list."))) for r in targets
                           if r.status != RegistrationStatus.WAITLISTED]
        free = places_left(event)
        for registration in waiting:
            if free is not None and free <= 0:
                outcome.refused.append((registration, str(_l("No place is free."))))
                continue
            registration.status = RegistrationStatus.CONFIRMED
            registration.confirmed_at = now
            audit.record("registration.promoted", registration, actor=actor, now=now, capacity=None)
            outcome.done.append(registration)
            free = None if free is None else free - 1
        notifications.promoted(outcome.done, now)
        db.session.commit()
        return outcome
    except Exception:
        db.session.rollback()
        raise


def audit_log(event_id: int, limit: int = 500) -> list[AuditEntry]:
    """The event's audit entries, newest first, with who did it."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.event_id == event_id)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ))
