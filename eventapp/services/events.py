"""Managing events: create, update, copy, publish, unpublish and cancel.

The back-office forms and the API's ``PUT /api/v1/events/<slug>`` both come here, so an event is
checked by the same rules whichever way it arrives.
"""
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..exports import ical
from ..extensions import db
from ..models import (
    AgendaItem,
    Event,
    EventBilling,
    EventKind,
    EventSession,
    InvoiceTiming,
    Registration,
    Series,
    User,
    VatTreatment,
)
from . import audit, notifications, paid_events, pricing
from . import questions as question_service
from .email_addresses import checked_email
from .email_texts import copy_texts
from .errors import DomainError, InvalidEmailAddress, NotFound, ValidationFailed
from .registration import lock_event, places_left, promote_from_waitlist, registration_closed_reason

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Changing these moves the event in attendees' calendars.
TIME_AND_PLACE = ("starts_at", "ends_at", "venue", "address", "city")
#: The longest a reminder may go out before the event.
MAX_REMINDER_DAYS = 30


@dataclass
class SessionData:
    title: str
    starts_at: datetime
    ends_at: datetime
    venue: str = ""
    title_en: str = ""
    #: Picked by attendees (a workshop) rather than attended by all (a course's meeting).
    choosable: bool = False
    #: Places of a choosable session; None for no limit.
    capacity: int | None = None
    #: The stored session this is, when known: it keeps its picks and attendance.
    id: int | None = None


@dataclass
class AgendaData:
    starts_at: datetime
    title: str
    speakers: str = ""
    description: str = ""
    title_en: str = ""


@dataclass
class EventData:
    """Everything an organiser sets on an event; times are aware datetimes, money is öre."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime
    registration_deadline: datetime
    venue: str = ""
    address: str = ""
    city: str = ""
    description: str = ""
    theme: str = ""
    organiser_name: str = ""
    organiser_email: str = ""
    capacity: int | None = None
    waitlist_enabled: bool = True
    cancellation_deadline: datetime | None = None
    price: int = 0
    no_show_fee: int = 0
    charge_late_cancellation: bool = True
    fee_notice: str = ""
    published: bool = False
    #: Days before the start at which the reminder goes out; 0 for none.
    reminder_days: int = 2
    #: E-mail everyone who attended a certificate of attendance after the event.
    send_certificates: bool = False
    #: The series' name; a new name creates the series.
    series: str | None = None
    sessions: list[SessionData] | None = None
    agenda: list[AgendaData] | None = None
    #: The registration form's own questions; None leaves them as they are.
    questions: list[question_service.QuestionData] | None = None
    #: English versions of the title and description (see models.translated); empty for none.
    title_en: str = ""
    description_en: str = ""
    #: Rule 9: 25 % VAT or outside its scope (with the reason printed on invoices); when a paid event's
    #: bookings are invoiced; a lower price until a moment; its discount codes (None leaves them).
    vat_treatment: str = VatTreatment.STANDARD
    vat_exemption_reason: str = ""
    invoice_timing: str = InvoiceTiming.ON_REGISTRATION
    early_bird_price: int | None = None
    early_bird_until: datetime | None = None
    discount_codes: list[pricing.DiscountCodeData] | None = None
    #: The feedback form's own questions, each rated 1-5; and whether the organiser sees who answered.
    feedback_questions: list[str] = field(default_factory=list)
    feedback_named: bool = False

    @classmethod
    def from_event(cls, event: Event) -> "EventData":
        values = {name: getattr(event, name) for name in cls.__dataclass_fields__
                  if name not in CHILDREN}
        billing = db.session.get(EventBilling, event.id) if event.id is not None else None
        return cls(**values, series=event.series.name if event.series else None,
                   vat_treatment=billing.vat_treatment if billing else VatTreatment.STANDARD,
                   vat_exemption_reason=billing.vat_exemption_reason if billing else "",
                   discount_codes=pricing.codes_of(event),
                   sessions=[SessionData(s.title, s.starts_at, s.ends_at, s.venue or "", s.title_en or "",
                                         s.choosable, s.capacity, s.id) for s in event.sessions],
                   agenda=[AgendaData(a.starts_at, a.title, a.speakers or "", a.description or "", a.title_en or "")
                           for a in event.agenda],
                   questions=[question_data(q) for q in event.questions])


def question_data(question) -> question_service.QuestionData:
    return question_service.QuestionData(
        question.text, list(question.choices), question.required, kind=question.kind, text_en=question.text_en,
        help_text=question.help_text, help_text_en=question.help_text_en, choices_en=list(question.choices_en),
        id=question.id)


#: EventData's fields that are not columns of the event.
CHILDREN = ("series", "sessions", "agenda", "questions", "vat_treatment", "vat_exemption_reason", "discount_codes")


@dataclass
class EventSaved:
    event: Event
    created: bool
    #: {field: [old, new]} for an update.
    changed: dict = field(default_factory=dict)
    #: Waiting-list registrations confirmed because capacity grew.
    promoted: list[Registration] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        """Did time or place change (attendees' calendars must follow)?"""
        return any(name in self.changed for name in TIME_AND_PLACE)


def folded(text: str) -> str:
    """``text`` for comparing as people search: without case and accents ("Göteborg" as "goteborg")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", folded(title)).strip("-")[:80] or "evenemang"


#: The feedback form asks at most this many questions of the event's own, of at most this many characters.
MAX_FEEDBACK_QUESTIONS, FEEDBACK_QUESTION_MAX = 5, 200


def feedback_question_problems(questions: list[str]) -> list:
    """What is wrong with the event's own feedback questions; empty when they are fine."""
    problems = []
    if len(questions) > MAX_FEEDBACK_QUESTIONS:
        problems.append(_l("At most %(max)d feedback questions.", max=MAX_FEEDBACK_QUESTIONS))
    if any(len(question) > FEEDBACK_QUESTION_MAX for question in questions):
        problems.append(_l("A feedback question has at most %(max)d characters.", max=FEEDBACK_QUESTION_MAX))
    if len({question.casefold() for question in questions}) != len(questions):
        problems.append(_l("A feedback question is asked twice."))
    return problems


def validate(data: EventData) -> dict[str, list]:
    """Field -> messages for everything wrong with ``data``; empty when it is fine."""
    errors: dict[str, list] = {}

    def error(name, message):
        errors.setdefault(name, []).append(message)

    if not data.title.strip():
        error("title", _l("Enter a title."))
    elif len(data.title) > 200:
        error("title", _l("At most %(max)d characters.", max=200))
    if data.kind not in set(EventKind):
        error("kind", _l("Choose one of: conference, seminar, forum, course."))
    if data.ends_at <= data.starts_at:
        error("ends_at", _l("The event must end after it starts."))
    if data.registration_deadline <= data.registration_opens_at:
        error("registration_deadline", _l("The registration deadline must come after registration opens."))
    if data.registration_deadline > data.starts_at:
        error("registration_deadline", _l("The registration deadline cannot be after the event starts."))
    if data.cancellation_deadline is not None and data.cancellation_deadline > data.starts_at:
        error("cancellation_deadline", _l("The cancellation deadline cannot be after the event starts."))
    if data.capacity is not None and data.capacity < 1:
        error("capacity", _l("Capacity must be at least 1, or empty for no limit."))
    if not 0 <= data.reminder_days <= MAX_REMINDER_DAYS:
        error("reminder_days", _l("Between 0 and %(max)d days.", max=MAX_REMINDER_DAYS))
    for name in ("price", "no_show_fee"):
        if getattr(data, name) < 0:
            error(name, _l("An amount cannot be negative."))
    for name, limit in (("venue", 200), ("address", 200), ("city", 100), ("theme", 200), ("title_en", 200),
                        ("organiser_name", 200), ("organiser_email", 254)):
        if len(getattr(data, name)) > limit:
            error(name, _l("At most %(max)d characters.", max=limit))
    if data.organiser_email.strip():
        try:  # it is the Reply-To of every e-mail about the event and the invitation's ORGANIZER
            checked_email(data.organiser_email, field="organiser_email")
        except InvalidEmailAddress as refused:
            error("organiser_email", refused.message)
    for number, session in enumerate(data.sessions or [], start=1):
        if not session.title.strip() or session.ends_at <= session.starts_at:
            error("sessions", _l("Meeting %(num)d needs a title and must end after it starts.", num=number))
        if max(len(session.title.strip()), len(session.title_en.strip()), len(session.venue.strip())) > 200:
            error("sessions", _l("Meeting %(num)d: at most %(max)d characters.", num=number, max=200))
        if session.capacity is not None and not 1 <= session.capacity <= 100_000:
            error("sessions", _l("Meeting %(num)d: places must be at least 1, or empty for no limit.", num=number))
    for number, item in enumerate(data.agenda or [], start=1):
        if not item.title.strip():
            error("agenda", _l("Programme item %(num)d needs a title.", num=number))
        if max(len(item.title.strip()), len(item.title_en.strip())) > 200 or len(item.speakers.strip()) > 500:
            error("agenda", _l("Programme item %(num)d: at most %(max)d characters.", num=number, max=200))
    for message in question_service.validate(data.questions or []):
        error("questions", message)
    _validate_price(data, error)
    for message in feedback_question_problems(data.feedback_questions):
        error("feedback_questions", message)
    return errors


def _validate_price(data: EventData, error) -> None:
    """Rule 9's settings: VAT, when to invoice, the early-bird price and the discount codes."""
    if data.vat_treatment not in set(VatTreatment):
        error("vat", _l("Choose standard or outside_scope."))
    elif data.vat_treatment == VatTreatment.OUTSIDE_SCOPE and not data.vat_exemption_reason.strip():
        error("vat_exemption_reason", _l("Say why the fee is outside the scope of VAT; the reason is printed on the "
                                         "invoice."))
    if len(data.vat_exemption_reason) > 200:
        error("vat_exemption_reason", _l("At most %(max)d characters.", max=200))
    if data.invoice_timing not in set(InvoiceTiming):
        error("invoice_timing", _l("Choose on_registration or after_event."))
    if data.early_bird_price is not None:
        if data.early_bird_price < 0 or data.early_bird_price > data.price:
            error("early_bird_price", _l("The early-bird price must be between 0 kr and the price."))
        if data.early_bird_until is None:
            error("early_bird_until", _l("Give the moment the early-bird price ends."))
    if data.early_bird_until is not None and data.early_bird_until > data.starts_at:
        error("early_bird_until", _l("The early-bird price cannot last beyond the start of the event."))
    for message in pricing.validate_codes(data.discount_codes or []):
        error("discount_codes", message)


def save_event(slug: str | None, data: EventData, *, actor: User | None, now: datetime) -> EventSaved:
    """Create the event ``slug`` (a new slug from the title when None) or update it."""
    errors = validate(data)
    if slug is not None and (len(slug) > 100 or not SLUG_RE.fullmatch(slug)):
        errors.setdefault("slug", []).append(_l("Use lower-case letters, digits and hyphens only."))
    if errors:
        raise ValidationFailed(errors)
    existing = db.session.scalar(select(Event.id).where(Event.slug == slug)) if slug else None
    if existing is None:
        return _create(slug or _free_slug(slugify(data.title)), data, actor, now)
    return _update(existing, data, actor, now)


def _free_slug(base: str) -> str:
    slug, number = base, 1
    while db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _scalar_fields(data: EventData) -> dict:
    values = asdict(data)
    for name in CHILDREN:
        values.pop(name)
    for name in ("title", "title_en", "venue", "address", "city", "theme", "organiser_name", "organiser_email"):
        values[name] = values[name].strip()
    return values


def _series(name: str | None) -> Series | None:
    if not name or not name.strip():
        return None
    name = name.strip()
    series = db.session.scalar(select(Series).where(Series.name == name))
    if series is None:
        series = Series(name=name, slug=_free_series_slug(slugify(name)))
        db.session.add(series)
    return series


def _free_series_slug(base: str) -> str:
    slug, number = base, 1
    while db.session.scalar(select(Series.id).where(Series.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _replace_children(event: Event, data: EventData) -> None:
    billing = db.session.get(EventBilling, event.id) if event.id is not None else None
    if billing is None:
        billing = EventBilling(event=event)
        db.session.add(billing)
    billing.vat_treatment = str(data.vat_treatment)
    billing.vat_exemption_reason = "" if data.vat_treatment == VatTreatment.STANDARD else \
        " ".join(data.vat_exemption_reason.split())
    if data.discount_codes is not None:
        pricing.replace_codes(event, data.discount_codes)
    if data.questions is not None:
        question_service.replace_questions(event, data.questions)
    if data.sessions is not None:
        event.sessions = _sessions(event, data.sessions)
    if data.agenda is not None:
        event.agenda = [AgendaItem(starts_at=a.starts_at, title=a.title.strip(), title_en=a.title_en.strip(),
                                   speakers=a.speakers.strip(), description=a.description.strip())
                        for a in data.agenda]


def _sessions(event: Event, wanted: list[SessionData]) -> list[EventSession]:
    """The event's sessions as ``wanted``: one given by its id, or with the same title and start,
    stays the same session (its picks and attendance with it); the others are new."""
    current = {s.id: s for s in event.sessions if s.id is not None}
    by_title = {(s.title, s.starts_at): s.id for s in event.sessions if s.id is not None}
    sessions = []
    for data in wanted:
        known = data.id if data.id in current else by_title.get((data.title.strip(), data.starts_at))
        session = current.pop(known, None) or EventSession()
        session.title, session.title_en = data.title.strip(), data.title_en.strip()
        session.starts_at, session.ends_at, session.venue = data.starts_at, data.ends_at, data.venue.strip()
        session.choosable, session.capacity = data.choosable, data.capacity if data.choosable else None
        sessions.append(session)
    return sessions


def _without_ids(items: list) -> list:
    """Rows as compared for a change: a question sent without its id (by its text) is the same question."""
    return [replace(item, id=None) if hasattr(item, "id") else item for item in items]


def _create(slug: str, data: EventData, actor: User | None, now: datetime) -> EventSaved:
    try:
        event = Event(slug=slug, **_scalar_fields(data), series=_series(data.series), created_at=now)
        _replace_children(event, data)
        db.session.add(event)
        audit.record("event.created", event, actor=actor, now=now, event_id=None, slug=slug)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return EventSaved(event, created=True)


def _update(event_id: int, data: EventData, actor: User | None, now: datetime) -> EventSaved:
    event = lock_event(event_id)
    try:
        changed = audit.changes(event, _scalar_fields(data))
        series = _series(data.series)
        if series is not event.series:
            changed["series"] = [event.series.name if event.series else None, series.name if series else None]
            event.series = series
        calendar_entries = ical.occurrences(event)
        before = EventData.from_event(event)
        _replace_children(event, data)
        for name in ("vat_treatment", "vat_exemption_reason"):
            if getattr(before, name) != getattr(data, name):
                changed[name] = [getattr(before, name), getattr(data, name)]
        if data.discount_codes is not None and before.discount_codes != data.discount_codes:
            changed["discount_codes"] = [len(before.discount_codes), len(data.discount_codes)]
        if data.sessions is not None or data.agenda is not None or data.questions is not None:
            for name in ("sessions", "agenda", "questions"):
                new = getattr(data, name)
                if new is not None and _without_ids(getattr(before, name)) != _without_ids(new):
                    changed[name] = [len(getattr(before, name)), len(new)]
        db.session.flush()
        promoted = promote_from_waitlist(event, now) if "capacity" in changed else []
        notifications.promoted(promoted, now)
        # Sessions to choose changing (their places, say) move nobody's calendar; meetings do.
        meetings_moved = "sessions" in changed and ical.occurrences(event) != calendar_entries
        if (meetings_moved or any(name in changed for name in TIME_AND_PLACE)) and not event.is_cancelled:
            # A higher SEQUENCE makes calendars replace the entry they have.
            event.calendar_sequence += 1
            remaining = {occurrence.suffix for occurrence in ical.occurrences(event)}
            notifications.event_changed(event, now, exclude=promoted,
                                        withdrawn=[o for o in calendar_entries if o.suffix not in remaining])
        if changed:
            event.updated_at = now
            audit.record("event.updated", event, actor=actor, now=now, event_id=event.id, changes=changed,
                         promoted=[r.id for r in promoted])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return EventSaved(event, created=False, changed=changed, promoted=promoted)


# The back office's overview ---------------------------------------------------------------------

#: Past events per page of the archive.
ARCHIVE_PAGE_SIZE = 50


@dataclass
class ArchivePage:
    events: list[Event]
    total: int
    page: int
    pages: int


def coming_events(now: datetime) -> list[Event]:
    """Events that have not ended at ``now`` (drafts too), the next first."""
    return list(db.session.scalars(select(Event).where(Event.ends_at > now).order_by(Event.starts_at, Event.id)))


def past_events(now: datetime, query: str = "", page: int = 1) -> ArchivePage:
    """Events that have ended at ``now``, the latest first, whose title (either language), series,
    venue or city contain every word of ``query``, ignoring case and accents; a page of them."""
    events = list(db.session.scalars(select(Event).where(Event.ends_at <= now).options(selectinload(Event.series))
                                     .order_by(Event.starts_at.desc(), Event.id.desc())))
    words = folded(query).split()
    if words:
        # In Python: SQLite's lower() knows only ASCII, and neither database ignores accents as such.
        def haystack(event: Event) -> str:
            return folded(" ".join((event.title, event.title_en, event.series.name if event.series else "",
                                    event.venue, event.city)))

        events = [event for event in events if all(word in haystack(event) for word in words)]
    pages = max(1, -(-len(events) // ARCHIVE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = events[(page - 1) * ARCHIVE_PAGE_SIZE:page * ARCHIVE_PAGE_SIZE]
    return ArchivePage(shown, total=len(events), page=page, pages=pages)


@dataclass
class Preview:
    """An event as visitors will see it once it is published."""

    event: Event
    #: Why registration would be closed at the moment, the event being published; None when open.
    closed_reason: object
    places_left: int | None


def preview(slug: str, now: datetime) -> Preview:
    """The event ``slug`` as its public page would show it at ``now`` if it were published."""
    event = get_event(slug)
    return Preview(event, registration_closed_reason(event, now, as_published=True), places_left(event))


def get_event(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound(_l("The event does not exist."))
    return event


def set_published(event_id: int, published: bool, *, actor: User | None, now: datetime) -> Event:
    event = lock_event(event_id)
    try:
        if published and event.is_cancelled:
            raise DomainError(_l("A cancelled event cannot be published."))
        if event.published != published:
            event.published = published
            audit.record("event.published" if published else "event.unpublished", event, actor=actor, now=now,
                         event_id=event.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return event


def cancel_event(event_id: int, *, actor: User | None, now: datetime, reason: str = "") -> Event:
    """Call the event off; registration closes and attendees are told (see notifications), and what a
    paid event invoiced is credited."""
    event = lock_event(event_id, before=paid_events.lock_before_cancelling)
    try:
        if event.is_cancelled:
            raise DomainError(_l("The event is already cancelled."))
        event.cancelled_at = now
        event.calendar_sequence += 1
        notifications.event_cancelled(event, now)
        paid_events.event_cancelled(event, now)
        audit.record("event.cancelled", event, actor=actor, now=now, event_id=event.id, reason=reason)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return event


def copy_event(event_id: int, starts_at: datetime, *, actor: User | None, now: datetime) -> Event:
    """A new, unpublished event like this one, moved so that it starts at ``starts_at``.

    Every date (registration window, deadlines, sessions, agenda) moves by the same amount; nothing
    about registrations is copied.
    """
    source = db.session.get(Event, event_id)
    if source is None:
        raise NotFound(_l("The event does not exist."))
    shift = starts_at - source.starts_at
    data = EventData.from_event(source)
    data.published = False

    def moved(value: datetime | None) -> datetime | None:
        return value + shift if value is not None else None

    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_deadline", "cancellation_deadline"):
        setattr(data, name, moved(getattr(data, name)))
    if data.registration_opens_at < now:
        data.registration_opens_at = min(now, data.registration_deadline - timedelta(minutes=1))
    for session in data.sessions:
        session.starts_at, session.ends_at = moved(session.starts_at), moved(session.ends_at)
    for item in data.agenda:
        item.starts_at = moved(item.starts_at)
    copy = save_event(None, data, actor=actor, now=now).event
    copy_texts(source.id, copy.id, now)  # the e-mails' own texts belong to the copy too
    return copy
