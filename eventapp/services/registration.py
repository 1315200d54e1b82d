"""Registration rules 1-5: the window, capacity and the waiting list, one registration per
address, cancellation and substitution. Every function takes ``now`` explicitly."""
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ARRAY, Integer, ScalarSelect, String, bindparam, func, insert, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..database import begin_write
from ..extensions import db
from ..formatting import format_date, format_datetime, format_deadline
from ..models import (
    Event,
    Organisation,
    OutboxMessage,
    PersonalLink,
    Question,
    Registration,
    RegistrationStatus,
    User,
)
from ..models.registration import ACTIVE_STATUSES, Answer, new_calendar_key
from . import audit, notifications, personal_links, questions
from .buyers import validate_peppol_id
from .email_addresses import checked_email, email_key
from .errors import (
    AlreadyRegistered,
    CancellationNotAllowed,
    EventFull,
    NotFound,
    RegistrationClosed,
    TransferNotAllowed,
    ValidationFailed,
)
from .organisations import find_or_create_organisation, find_organisation_id, validate_org_number


@dataclass(frozen=True)
class Attendee:
    """What a person gives when registering (the form's fields, already shaped)."""

    first_name: str
    last_name: str
    email: str
    organisation: str = ""
    organisation_kind: str | None = None
    job_title: str = ""
    phone: str = ""
    dietary: str = ""
    org_number: str = ""
    invoice_reference: str = ""
    language: str = "sv"
    #: The buyer's invoice address: street, postcode (NNN NN) and city, and an extra line (a c/o or an
    #: e-mail address for PDF invoices).
    invoice_street: str = ""
    invoice_postcode: str = ""
    invoice_city: str = ""
    invoice_address: str = ""
    #: The buyer's Peppol participant ID, e.g. "0007:2120000142".
    peppol_id: str = ""
    #: Answers to the event's own questions: {question id: answer}.
    answers: dict[int, str] = field(default_factory=dict)


@dataclass
class RegistrationResult:
    registration_id: int
    #: The personal-link token; only known when the registration was just created.
    token: str | None
    #: False when an active registration for the address existed and is answered again (rule 3).
    created: bool = True

    @property
    def registration(self) -> Registration:
        """The registration as it is stored (read when asked for: a registration just made is not
        loaded, see ``register_attendee``)."""
        return db.session.get(Registration, self.registration_id)


@dataclass(frozen=True)
class QuestionAsked:
    """A question of the registration form, as an ``EventSnapshot`` has it."""

    id: int
    text: str
    required: bool
    choices: tuple[str, ...]

    #: The form field's name, as the question's own.
    field_name = Question.field_name


@dataclass(frozen=True)
class EventSnapshot:
    """What a registration reads of its event, as it was at one moment: whether registration is
    open (rule 1), its places (rule 2), the questions of its form, its title (for the e-mail's
    subject) and its version (see ``_version``).

    Plain values, not a loaded row: a web worker may keep one for a moment to serve the form and
    check what is sent with it (see ``web.public``), and ``register_attendee`` writes the new rows
    by it. Whatever changed since it was read is caught under the event's lock.
    """

    id: int
    title: str
    published: bool
    cancelled_at: datetime | None
    registration_opens_at: datetime
    registration_deadline: datetime
    capacity: int | None
    waitlist_enabled: bool
    updated_at: datetime
    calendar_sequence: int
    questions: tuple[QuestionAsked, ...]
    #: Its confirmed registrations when it was read.
    confirmed: int

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def version(self) -> tuple:
        return _version(self)

    @classmethod
    def of(cls, event: Event, confirmed: int) -> "EventSnapshot":
        asked = tuple(QuestionAsked(q.id, q.text, q.required, tuple(q.choices or ())) for q in event.questions)
        return cls(**{name: getattr(event, name) for name in _SNAPSHOT_COLUMNS}, questions=asked,
                   confirmed=confirmed)


_SNAPSHOT_COLUMNS = ("id", "title", "published", "cancelled_at", "registration_opens_at", "registration_deadline",
                     "capacity", "waitlist_enabled", "updated_at", "calendar_sequence")


@dataclass
class CancellationResult:
    registration: Registration
    late: bool
    #: Waiting-list registrations that got the freed place.
    promoted: list[Registration] = field(default_factory=list)


# Rule 1: the registration window -------------------------------------------------------------


def registration_closed_reason(event: Event | EventSnapshot, now: datetime):
    """Why registration is closed at ``now``, or None while it is open."""
    if not event.published:
        return _l("Registration for this event is not open.")
    if event.is_cancelled:
        return _l("The event has been cancelled.")
    if now < event.registration_opens_at:
        return _l("Registration opens %(date)s.", date=format_datetime(event.registration_opens_at))
    if now >= event.registration_deadline:
        return _l("The last day to register was %(date)s.", date=format_deadline(event.registration_deadline))
    return None


def is_registration_open(event: Event, now: datetime) -> bool:
    return registration_closed_reason(event, now) is None


# Rule 2: capacity --------------------------------------------------------------------------


def status_counts(event_ids: list[int]) -> dict[int, Counter]:
    """Registrations per status for several events, in one query."""
    counts: dict[int, Counter] = {event_id: Counter() for event_id in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, number in rows:
        counts[event_id][status] = number
    return counts


def _confirmed_of(event_id) -> ScalarSelect:
    return select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED).scalar_subquery()


# The queries of every registration are built once, with bound parameters: building a statement and
# its cache key costs more than running it.
_CONFIRMED = select(_confirmed_of(bindparam("event_id")))
_PUBLISHED_WITH_CONFIRMED = select(Event, _confirmed_of(Event.id)).where(
    Event.slug == bindparam("slug"), Event.published.is_(True))
_PUBLISHED_WITH_CONFIRMED_AND_QUESTIONS = _PUBLISHED_WITH_CONFIRMED.options(joinedload(Event.all_questions))
_EVENT_FOR_UPDATE = select(Event).where(Event.id == bindparam("event_id")).with_for_update(key_share=True) \
    .execution_options(populate_existing=True)
#: What a registration's decision under the lock reads of its event (see ``locked_event_snapshot``):
#: the snapshot's columns but the two that never decide anything.
_DECISION_COLUMNS = tuple(name for name in _SNAPSHOT_COLUMNS if name not in ("id", "title"))
_DECISION_COLUMNS_AND_CONFIRMED = select(*(getattr(Event, name) for name in _DECISION_COLUMNS),
                                         _confirmed_of(Event.id)).where(Event.id == bindparam("event_id"))


def confirmed_count(event: Event | EventSnapshot) -> int:
    return db.session.scalar(_CONFIRMED, {"event_id": event.id})


def published_event_and_confirmed(slug: str, *, with_questions: bool = False) -> tuple[Event, int] | None:
    """A published event by its slug with its number of confirmed registrations, in one query.

    ``with_questions``: its questions too, in the same query (a registration being sent needs them).
    """
    query = _PUBLISHED_WITH_CONFIRMED_AND_QUESTIONS if with_questions else _PUBLISHED_WITH_CONFIRMED
    row = db.session.execute(query, {"slug": slug}).unique().first()
    return None if row is None else (row[0], row[1])


def places_left(event: Event | EventSnapshot, confirmed: int | None = None) -> int | None:
    """Free places, or None for an event without a limit."""
    if event.capacity is None:
        return None
    if confirmed is None:
        confirmed = confirmed_count(event)
    return max(event.capacity - confirmed, 0)


def lock_event(event_id: int) -> Event:
    """Begin a writing transaction holding the event: capacity decisions are serialised on it.

    On PostgreSQL the lock is FOR NO KEY UPDATE: it excludes every other holder of the event, but not
    the rows being inserted that refer to it (their foreign key takes a KEY SHARE lock), so a
    transaction may insert first and lock the event after without deadlocking against another.

    Callers call it before their ``try``, so an unknown event ends the transaction here.
    """
    begin_write()
    try:
        event = event_for_update(event_id)
        if event is None:
            raise NotFound(_l("The event does not exist."))
    except Exception:
        db.session.rollback()
        raise
    return event


def status_for_new_registration(event: Event | EventSnapshot, *, full_message=None, counted: bool = False,
                                confirmed: int | None = None) -> str:
    """Confirmed while places last, then the waiting list; when it has none, ``EventFull`` (rule 2).

    Call inside the event's writing transaction (``lock_event``), so the answer holds until commit.
    ``counted``: the new registration is already stored as confirmed in this transaction.
    ``confirmed``: the event's confirmed registrations, counted in this transaction (counted here
    by default).
    """
    if confirmed is None:
        confirmed = confirmed_count(event)
    left = places_left(event, confirmed - (1 if counted else 0))
    if left is None or left > 0:
        return RegistrationStatus.CONFIRMED
    if event.waitlist_enabled:
        return RegistrationStatus.WAITLISTED
    raise EventFull(full_message or _l("The event is fully booked."))


@dataclass(frozen=True)
class StoredRegistration:
    """The ids of what ``NewRegistration.insert`` stored."""

    registration_id: int
    message_id: int
    #: PostgreSQL: the event's ``_DECISION_COLUMNS`` as the statement inserting the rows read them
    #: when it locked the event (see ``_inserted_together``); None on SQLite.
    event_columns: tuple | None = None


def register_attendee(event_id: int, attendee: Attendee, now: datetime, *,
                      seen: EventSnapshot | None = None) -> RegistrationResult:
    """Register a person: confirmed while places last, then on the waiting list (rules 1-3).

    Everything that only reads — the checks, the new row and its link — is done first, and the rows
    are written before the event is locked, with the status the event had a moment ago (``seen``:
    the event as the caller read it, with its confirmed registrations; read here by default).
    Concurrent registrations therefore wait for each other only while the lock holder counts the
    confirmed places and commits. Under the lock the status is decided again; in the rare case it
    differs (the last place went meanwhile) or the event changed, the row and its queued e-mail are
    corrected before the commit, or nothing is stored when registration closed meanwhile. The
    e-mail itself is written by the deliverer afterwards.

    An address already registered is told by the unique index (rule 3), not by a query first. The
    rows are inserted directly, not through the session's unit of work, and nothing is loaded after
    the commit: the result carries the new registration's id.
    """
    attendee = with_checked_email(attendee)
    org_number = validate_org_number(attendee.org_number) if attendee.org_number.strip() else ""
    if attendee.peppol_id.strip():
        validate_peppol_id(attendee.peppol_id)
    if seen is None:
        seen = event_snapshot(event_id)
    _check_open_and_answered(seen, attendee, now)
    # No status is expected when the event looks full without a waiting list: a stand-in, decided
    # for real under the lock below (and nothing is committed if it stays full).
    expected = _expected_status(seen, seen.confirmed) or RegistrationStatus.WAITLISTED
    for attempt in range(2):
        new = prepare_registration(seen, attendee, now, org_number=org_number)
        message = notifications.registered_columns(expected, new.columns["email"], new.columns["language"],
                                                   seen, now)
        begin_write()
        try:
            stored = new.insert(expected, now, message)
        except IntegrityError:
            db.session.rollback()
            existing = _active_registration(event_id, attendee.email)
            if existing is not None:
                return _answered_again(existing)
            if db.session.get(Event, event_id) is None:  # deleted since it was read
                raise NotFound(_l("The event does not exist.")) from None
            if attempt:
                raise
            continue  # the new check-in code or calendar key was taken: draw them again
        except Exception:
            db.session.rollback()
            raise
        return _decided_under_the_lock(event_id, stored, expected, new.token, attendee, now, seen)
    raise AssertionError("unreachable")


def event_snapshot(event_id: int) -> EventSnapshot:
    """The event as it is now, with its confirmed registrations; NotFound when there is none."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_l("The event does not exist."))
    return EventSnapshot.of(event, confirmed_count(event))


def published_event_snapshot(slug: str) -> tuple[Event, EventSnapshot] | None:
    """A published event by its slug (with its questions) and its snapshot, in one query."""
    found = published_event_and_confirmed(slug, with_questions=True)
    return None if found is None else (found[0], EventSnapshot.of(*found))


def _decided_under_the_lock(event_id: int, stored: StoredRegistration, expected: str, token: str,
                            attendee: Attendee, now: datetime, seen: EventSnapshot) -> RegistrationResult:
    """Lock the event, decide the stored registration's status for real and commit."""
    try:
        locked, event = locked_event_snapshot(event_id, seen, stored)
        changed = event is not None
        if changed:
            _check_open_and_answered(locked, attendee, now)
        reason = registration_closed_reason(locked, now)
        if reason is not None:
            raise RegistrationClosed(reason)
        status = status_for_new_registration(locked, counted=expected == RegistrationStatus.CONFIRMED,
                                             confirmed=locked.confirmed)
        if status != expected or changed:
            event = event or db.session.get(Event, event_id)
            registration = db.session.get(Registration, stored.registration_id)
            if changed:
                registration.answers = questions.answers_for(event, attendee.answers)
            registration.status = status
            registration.confirmed_at = now if status == RegistrationStatus.CONFIRMED else None
            notifications.fit_registered(db.session.get(OutboxMessage, stored.message_id), registration, event)
        db.session.commit()
        return RegistrationResult(stored.registration_id, token=token)
    except Exception:
        db.session.rollback()
        raise


def locked_event_snapshot(event_id: int, seen: EventSnapshot, stored: StoredRegistration
                          ) -> tuple[EventSnapshot, Event | None]:
    """The event as it is stored now, locked for the writing transaction that ``stored`` the new
    registration, with its confirmed registrations; and, when its version moved since ``seen``, the
    whole event as well (else None).

    Only the columns a decision reads are read, and the rest is taken from ``seen``, which holds as
    long as the version has not moved. On SQLite the writing transaction holds the database's lock
    already, and one statement reads the columns and the count; on PostgreSQL the statement that
    inserted the registration locked the row and read the columns, and the places are counted in a
    statement of their own (in the same statement they would be what it saw before the lock).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        row = db.session.execute(_DECISION_COLUMNS_AND_CONFIRMED, {"event_id": event_id}).one_or_none()
        columns, confirmed = (None, None) if row is None else (row[:-1], row[-1])
    else:
        columns, confirmed = stored.event_columns, db.session.scalar(_CONFIRMED, {"event_id": event_id})
    if columns is None:
        raise NotFound(_l("The event does not exist."))
    locked = replace(seen, **dict(zip(_DECISION_COLUMNS, columns, strict=True)), confirmed=confirmed)
    if locked.version == seen.version:
        return locked, None
    event = event_for_update(event_id)
    return EventSnapshot.of(event, confirmed), event


def _answered_again(existing: Registration) -> RegistrationResult:
    result = RegistrationResult(existing.id, token=None, created=False)
    db.session.rollback()
    return result


def event_for_update(event_id: int) -> Event | None:
    """The event read afresh and locked for the rest of the writing transaction already begun."""
    return db.session.scalar(_EVENT_FOR_UPDATE, {"event_id": event_id})


def _check_open_and_answered(event: Event | EventSnapshot, attendee: Attendee, now: datetime) -> None:
    reason = registration_closed_reason(event, now)
    if reason is not None:
        raise RegistrationClosed(reason)
    wrong_answers = questions.check_answers(event, attendee.answers)
    if wrong_answers:
        raise ValidationFailed(wrong_answers)


def _version(event: Event | EventSnapshot) -> tuple:
    """What changes whenever anything the registration or its e-mail's subject depend on may have changed."""
    return event.updated_at, event.calendar_sequence, event.cancelled_at


def _expected_status(event: Event | EventSnapshot, confirmed: int | None = None) -> str | None:
    """The status a registration will most likely get, by the places left a moment ago; None when the
    event is full and has no waiting list (the decision under the lock refuses it then)."""
    left = places_left(event, confirmed)
    if left is None or left > 0:
        return RegistrationStatus.CONFIRMED
    if event.waitlist_enabled:
        return RegistrationStatus.WAITLISTED
    return None


def with_checked_email(attendee: Attendee) -> Attendee:
    """``attendee`` with the address as it is stored, or InvalidEmailAddress (nothing is stored)."""
    return replace(attendee, email=checked_email(attendee.email))


def _active_registration(event: Event | int, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == (event if isinstance(event, int) else event.id),
            Registration.email_key == email_key(email),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


# Inserted directly by ``NewRegistration.insert``, built once (see ``_CONFIRMED``).
_INSERT_REGISTRATION = insert(Registration.__table__)
_INSERT_ANSWER = insert(Answer.__table__)
_INSERT_LINK = insert(PersonalLink.__table__)
_INSERT_MESSAGE = insert(OutboxMessage.__table__)


#: The tables whose rows ``_rows_inserted_together`` takes, in the order of its arguments (the answers
#: come as a dict of their own).
_TOGETHER_TABLES = (Registration.__table__, PersonalLink.__table__, OutboxMessage.__table__)
#: Its statements and the scalar defaults of the columns left out, built once per set of columns.
_INSERTED_TOGETHER: dict[tuple, tuple] = {}


def _rows_inserted_together(registration: dict, link: dict, message: dict, answers: dict[int, str]) -> tuple:
    """One statement inserting a registration, its personal link, its queued message and its
    ``answers`` ({question id: answer}), then locking its event (see ``_inserted_together``), with
    its parameters: on PostgreSQL one round trip instead of five. Columns left out get their scalar
    defaults, as a plain INSERT would."""
    rows = (registration, link, message)
    key = tuple(tuple(columns) for columns in rows)
    if key not in _INSERTED_TOGETHER:
        defaults = [_scalar_defaults(table, columns) for table, columns in zip(_TOGETHER_TABLES, rows, strict=True)]
        _INSERTED_TOGETHER[key] = _inserted_together([{**d, **c} for d, c in zip(defaults, rows, strict=True)]), \
            defaults
    statement, defaults = _INSERTED_TOGETHER[key]
    parameters = {f"{table.name}_{name}": value
                  for table, default, columns in zip(_TOGETHER_TABLES, defaults, rows, strict=True)
                  for name, value in {**default, **columns}.items()}
    parameters.update(answer_question_ids=list(answers), answer_values=list(answers.values()))
    return statement, parameters


def _scalar_defaults(table, given: dict) -> dict:
    return {column.name: column.default.arg for column in table.columns
            if column.name not in given and column.default is not None and column.default.is_scalar}


def _inserted_together(filled: list[dict]):
    """The statement of ``_rows_inserted_together``, returning the registration's id, the message's
    and the event's ``_DECISION_COLUMNS`` as it locked the event.

    The lock is taken after the registration is inserted: it finds the event by the inserted row, so
    it cannot be taken first. A second registration of the same address waits for the first at the
    unique index before it locks anything, and the first, locking the event after, waits for nobody
    (see ``lock_event``). The answers come as two arrays (PostgreSQL's ``unnest``), so any number of
    them is the same statement.
    """
    def values(table, columns):
        return {name: bindparam(f"{table.name}_{name}", type_=table.c[name].type) for name in columns}

    (registration_table, link_table, message_table), (registration_columns, link_columns, message_columns) = \
        _TOGETHER_TABLES, filled
    registration = insert(registration_table).values(values(registration_table, registration_columns)) \
        .returning(registration_table.c.id, registration_table.c.event_id).cte("new_registration")
    registration_id = select(registration.c.id).scalar_subquery()
    link = insert(link_table).values({**values(link_table, link_columns), "registration_id": registration_id}) \
        .cte("new_link")
    message = insert(message_table).values({**values(message_table, message_columns),
                                            "registration_id": registration_id}) \
        .returning(message_table.c.registration_id, message_table.c.id).cte("new_message")
    given = func.unnest(bindparam("answer_question_ids", type_=ARRAY(Integer)),
                        bindparam("answer_values", type_=ARRAY(String))) \
        .table_valued("question_id", "value").render_derived()
    answers = insert(Answer.__table__).from_select(
        ["registration_id", "question_id", "value"], select(registration_id, given.c.question_id, given.c.value)) \
        .cte("new_answers")
    event_table = Event.__table__
    locked = select(*(event_table.c[name] for name in _DECISION_COLUMNS)) \
        .where(event_table.c.id == select(registration.c.event_id).scalar_subquery()) \
        .with_for_update(key_share=True).cte("locked_event")
    return select(message.c.registration_id, message.c.id, *locked.c) \
        .select_from(message.join(locked, true())).add_cte(link, answers)


@dataclass
class NewRegistration:
    """A registration written out but not stored yet: its columns, its answers, its personal link
    and the link's token."""

    #: The registration's columns but its status (and when it was confirmed).
    columns: dict
    #: {question id: answer} of the answers stored with it.
    answers: dict[int, str]
    #: The personal link's columns but the registration's id.
    link: dict
    token: str
    #: The organisation as typed and of which kind, when it is in no register and must be created.
    unknown_organisation: tuple[str, str | None] | None = None

    def store(self, status: str, now: datetime, *, event: Event | None = None) -> Registration:
        """Add the registration with ``status`` to the session (inside the event's writing transaction).

        ``event``: the event as the caller locked it, linked to the new object so that e-mails written
        next can read it.
        """
        registration = Registration(**self.columns, **self._status_columns(status, now),
                                    answers=questions.answer_rows(self.answers))
        if event is not None:
            registration.event = event
        if self.unknown_organisation is not None:
            registration.organisation = find_or_create_organisation(*self.unknown_organisation)
        db.session.add(registration)
        db.session.add(PersonalLink(registration=registration, **self.link))
        return registration

    def insert(self, status: str, now: datetime, message: dict) -> StoredRegistration:
        """Insert the registration with ``status``, its answers, its personal link and the queued
        ``message`` (its columns, see ``notifications.registered_columns``), inside the writing
        transaction, without the session's unit of work: nothing is loaded into the session.

        The rows are the ones ``store`` and ``notifications.registered`` would add; inserting them
        directly (on PostgreSQL all but the answers in one statement) costs a registration in a rush a
        fraction of the work of flushing objects.
        """
        columns = {**self.columns, **self._status_columns(status, now)}
        if self.unknown_organisation is not None:
            organisation = find_or_create_organisation(*self.unknown_organisation)  # stored with its id
            columns["organisation_id"] = organisation.id if organisation else None
        if db.session.get_bind().dialect.name != "sqlite":
            statement, parameters = _rows_inserted_together(columns, self.link, message, self.answers)
            registration_id, message_id, *event_columns = db.session.execute(statement, parameters).one()
            return StoredRegistration(registration_id, message_id, tuple(event_columns))
        registration_id = db.session.execute(_INSERT_REGISTRATION, columns).inserted_primary_key[0]
        db.session.execute(_INSERT_LINK, {**self.link, "registration_id": registration_id})
        message_id = db.session.execute(_INSERT_MESSAGE, {**message, "registration_id": registration_id}) \
            .inserted_primary_key[0]
        if self.answers:
            db.session.execute(_INSERT_ANSWER, [{"registration_id": registration_id, "question_id": question_id,
                                                 "value": value} for question_id, value in self.answers.items()])
        return StoredRegistration(registration_id, message_id)

    @staticmethod
    def _status_columns(status: str, now: datetime) -> dict:
        return {"status": status, "confirmed_at": now if status == RegistrationStatus.CONFIRMED else None}


def prepare_registration(event: Event | EventSnapshot, attendee: Attendee, now: datetime, *, org_number: str,
                         queued_at: datetime | None = None, organisation: Organisation | None = None
                         ) -> NewRegistration:
    """Write out a new registration for ``event`` without storing anything (only reads).

    ``organisation``: the one to link to; by default the one the attendee's typed name leads to.
    """
    known = organisation is not None
    organisation_id = organisation.id if known else find_organisation_id(attendee.organisation)
    email = checked_email(attendee.email)  # whoever calls: no address is stored that cannot be mailed
    columns = dict(
        event_id=event.id,
        first_name=attendee.first_name.strip(),
        last_name=attendee.last_name.strip(),
        email=email,
        email_key=email_key(email),
        organisation_name=" ".join(attendee.organisation.split()),
        organisation_id=organisation_id,
        job_title=attendee.job_title.strip(),
        phone=attendee.phone.strip(),
        dietary=attendee.dietary.strip(),
        org_number=org_number,
        invoice_reference=attendee.invoice_reference.strip(),
        invoice_street=" ".join(attendee.invoice_street.split()),
        invoice_postcode=attendee.invoice_postcode.strip(),
        invoice_city=" ".join(attendee.invoice_city.split()),
        invoice_address=attendee.invoice_address.strip(),
        peppol_id="".join(attendee.peppol_id.split()),
        language=attendee.language,
        created_at=now,
        queued_at=queued_at or now,
        consent_at=now,
        # A code already taken (1 in 10^12 per stored registration) is caught by the unique index.
        check_in_code=personal_links.new_check_in_code(),
        calendar_key=new_calendar_key(),
    )
    token, selector, verifier_hash = personal_links.new_token()
    link = {"selector": selector, "verifier_hash": verifier_hash, "created_at": now}
    unknown = None
    if not known and organisation_id is None and attendee.organisation.strip():
        unknown = (attendee.organisation, attendee.organisation_kind)
    return NewRegistration(columns, questions.answers_to_store(event, attendee.answers), link, token, unknown)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not on it."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.queued_at < registration.queued_at)
            | ((Registration.queued_at == registration.queued_at) & (Registration.id < registration.id)),
        )
    )
    return ahead + 1


def promote_from_waitlist(event: Event, now: datetime) -> list[Registration]:
    """Give free places to the waiting list in order. Call inside the event's writing transaction."""
    if now >= event.starts_at:
        return []
    left = places_left(event)
    if left == 0:
        return []
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.queued_at, Registration.id)
    )
    if left is not None:
        query = query.limit(left)
    promoted = list(db.session.scalars(query))
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
    db.session.flush()
    return promoted


# Rule 4: cancellation ------------------------------------------------------------------------


def cancellation_is_free(event: Event, now: datetime) -> bool:
    return now < event.effective_cancellation_deadline


def cancel_registration(registration_id: int, now: datetime, *, actor: User | None = None) -> CancellationResult:
    """Cancel; late after the cancellation deadline. A freed place goes to the waiting list.

    ``actor`` is the organiser cancelling on the attendee's behalf; None is the attendee themself.
    """
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if not registration.is_active:
            raise CancellationNotAllowed(_l("The registration is already cancelled."))
        if now >= event.starts_at:
            raise CancellationNotAllowed(_l("The event has started; the registration can no longer be cancelled."))
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        late = was_confirmed and not cancellation_is_free(event, now)
        registration.status = RegistrationStatus.LATE_CANCELLED if late else RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        db.session.flush()
        promoted = promote_from_waitlist(event, now) if was_confirmed else []
        audit.record("registration.cancelled", registration, actor=actor, now=now, late=late,
                     promoted=[r.id for r in promoted])
        for other in promoted:
            audit.record("registration.promoted", other, actor=None, now=now)
        notifications.cancelled(registration, was_confirmed, now)
        notifications.promoted(promoted, now)
        db.session.commit()
        return CancellationResult(registration, late=late, promoted=promoted)
    except Exception:
        db.session.rollback()
        raise


# Rule 5: substitution ------------------------------------------------------------------------


def transfer_registration(registration_id: int, colleague: Attendee, now: datetime) -> RegistrationResult:
    """Send a colleague instead: free until the event starts; the colleague keeps the place."""
    colleague = with_checked_email(colleague)
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if not registration.is_active:
            raise TransferNotAllowed(_l("Only an active registration can be handed over."))
        if now >= event.starts_at:
            raise TransferNotAllowed(
                _l("The event started %(date)s; the place can no longer be handed over.",
                   date=format_date(event.starts_at))
            )
        if email_key(colleague.email) == registration.email_key:
            raise TransferNotAllowed(_l("Enter your colleague's e-mail address, not your own."), field="email")
        if _active_registration(event, colleague.email) is not None:
            raise AlreadyRegistered(_l("%(email)s is already registered for this event.", email=colleague.email))
        substitute = Attendee(
            first_name=colleague.first_name,
            last_name=colleague.last_name,
            email=colleague.email,
            organisation=registration.organisation_name,
            job_title=colleague.job_title,
            phone=colleague.phone,
            dietary=colleague.dietary,
            invoice_reference=registration.invoice_reference,
            # The colleague keeps the invoice: the buyer's details go with the place.
            invoice_street=registration.invoice_street,
            invoice_postcode=registration.invoice_postcode,
            invoice_city=registration.invoice_city,
            invoice_address=registration.invoice_address,
            peppol_id=registration.peppol_id,
            language=colleague.language,
            # The colleague takes the place as it was booked: the table or session chosen, too.
            answers={answer.question_id: answer.value for answer in registration.answers},
        )
        prepared = prepare_registration(event, substitute, now, org_number=registration.org_number,
                                        queued_at=registration.queued_at, organisation=registration.organisation)
        registration.status, status = RegistrationStatus.TRANSFERRED, registration.status
        registration.cancelled_at = now
        db.session.flush()
        new = prepared.store(status, now, event=event)
        registration.transferred_to = new
        notifications.transferred(registration, new, prepared.token, now)
        db.session.commit()
        return RegistrationResult(new.id, token=prepared.token)
    except Exception:
        db.session.rollback()
        raise


# Personal links ------------------------------------------------------------------------------


def find_by_token(token: str, now: datetime) -> Registration | None:
    """The registration a personal link belongs to, while the event has not ended."""
    parts = personal_links.split_token(token)
    if parts is None:
        return None
    selector, verifier = parts
    link = db.session.scalar(select(PersonalLink).where(PersonalLink.selector == selector))
    if link is None or not personal_links.verifier_matches(verifier, link.verifier_hash):
        return None
    registration = link.registration
    if now >= registration.event.ends_at:
        return None
    return registration
