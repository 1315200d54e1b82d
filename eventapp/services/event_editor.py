"""The back office's event editor: an event as the organiser writes it, and back.

The editor speaks in local (Stockholm) wall-clock times and the last day of a period, and
writes the programme, a course's meetings and the form's questions as rows. This module turns what
it sends into ``events.EventData`` (UTC, deadlines as instants) and an event into the values it
shows. Complaints are keyed by the editor's field names, a row's as ``<list>-<row>-<part>``
(``agenda-0-title``), or the list's own name for the list as a whole.
"""
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..localtime import STOCKHOLM, end_of_day, local_date
from ..models import Event, EventBilling, InvoiceTiming, User, VatTreatment
from . import events as event_service
from . import pricing
from . import questions as question_service
from .errors import ValidationFailed

#: The service's names of the editor's fields, where they differ.
FIELD_OF = {"registration_deadline": "last_registration_day", "cancellation_deadline": "last_cancellation_day",
            "vat": "vat_treatment", "early_bird_until": "last_early_bird_day"}


def to_utc(local: datetime | None) -> datetime | None:
    """A Stockholm wall-clock time as an aware UTC instant."""
    return local.replace(tzinfo=STOCKHOLM).astimezone(UTC) if local is not None else None


def to_local(moment: datetime | None) -> datetime | None:
    """An instant as a naive Stockholm wall-clock time."""
    return moment.astimezone(STOCKHOLM).replace(tzinfo=None) if moment is not None else None


def last_day(deadline: datetime | None) -> date | None:
    """The last day a midnight deadline leaves open."""
    return local_date(deadline - timedelta(microseconds=1)) if deadline is not None else None


# The rows ------------------------------------------------------------------------------------------


@dataclass
class ProgrammeRow:
    """An item of the day's programme, at a time on the event's first day."""

    starts: time | None = None
    title: str = ""
    title_en: str = ""
    speakers: str = ""


@dataclass
class MeetingRow:
    """One of a course's meetings, or a session attendees choose (with its places)."""

    day: date | None = None
    starts: time | None = None
    ends: time | None = None
    title: str = ""
    title_en: str = ""
    venue: str = ""
    choosable: bool = False
    capacity: int | None = None
    id: str = ""


@dataclass
class QuestionRow:
    """A question of the registration form; its choices one per line."""

    id: str = ""
    kind: str = ""
    text: str = ""
    text_en: str = ""
    help_text: str = ""
    help_text_en: str = ""
    choices: str = ""
    choices_en: str = ""
    required: bool = False


def _row(kind: type, values: Mapping):
    """A row of ``kind`` from the editor's values for it (parts it does not know are left out)."""
    names = {f.name for f in fields(kind)}
    return kind(**{name: value for name, value in values.items() if name in names and value is not None})


def _blank(row) -> bool:
    return not any(value for name, value in vars(row).items()
                   if name not in ("kind", "id", "required", "choosable", "capacity"))


class _Complaints:
    def __init__(self):
        self.errors: dict[str, list] = {}

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(message)


def _programme(rows: Sequence[ProgrammeRow], first_day: date, complaints: _Complaints) -> list:
    items = []
    for index, row in enumerate(rows):
        if _blank(row):
            continue
        if row.starts is None:
            complaints.add(f"agenda-{index}-starts", _l("Enter a time like 08:30."))
        if not row.title.strip():
            complaints.add(f"agenda-{index}-title", _l("Enter a title."))
        if row.starts is not None and row.title.strip():
            starts = to_utc(datetime.combine(first_day, row.starts))
            items.append(event_service.AgendaData(starts, row.title, row.speakers, title_en=row.title_en))
    return items


def _meetings(rows: Sequence[MeetingRow], complaints: _Complaints) -> list:
    found = []
    for index, row in enumerate(rows):
        if _blank(row):
            continue
        name = f"sessions-{index}-"
        if row.day is None:
            complaints.add(name + "day", _l("Enter a date like 2027-02-01."))
        for part in ("starts", "ends"):
            if getattr(row, part) is None:
                complaints.add(name + part, _l("Enter a time like 08:30."))
        if row.starts is not None and row.ends is not None and row.ends <= row.starts:
            complaints.add(name + "ends", _l("The meeting must end after it starts."))
        if not row.title.strip():
            complaints.add(name + "title", _l("Enter a title."))
        if row.day and row.starts and row.ends and row.ends > row.starts and row.title.strip():
            found.append(event_service.SessionData(
                row.title, to_utc(datetime.combine(row.day, row.starts)), to_utc(datetime.combine(row.day, row.ends)),
                row.venue, title_en=row.title_en, choosable=bool(row.choosable),
                capacity=row.capacity if row.choosable else None,
                id=int(row.id) if row.id.isascii() and row.id.isdigit() else None))
    return found


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _questions(rows: Sequence[QuestionRow], complaints: _Complaints) -> list[question_service.QuestionData]:
    asked, places = [], []
    for index, row in enumerate(rows):
        if _blank(row):
            continue
        asked.append(question_service.QuestionData(
            row.text, _lines(row.choices), row.required, kind=row.kind, text_en=row.text_en,
            help_text=row.help_text, help_text_en=row.help_text_en, choices_en=_lines(row.choices_en),
            id=int(row.id) if row.id.isascii() and row.id.isdigit() else None))
        places.append(index)
    for problem in question_service.problems(asked):
        name = "questions" if problem.index is None else f"questions-{places[problem.index]}-{problem.part}"
        complaints.add(name, problem.message)
    return asked


#: A discount code as the editor writes it: "MEDLEM 20 %" or "PARTNER 500 kr", optionally "max 50" uses.
CODE_LINE = re.compile(r"^(\w+)[\s;:,]+(\d+(?:[.,]\d{1,2})?)\s*(%|kr)(?:[\s;:,]+(?:max\s*)?(\d+))?$", re.IGNORECASE)


def discount_codes(text: str, complaints: "_Complaints") -> list[pricing.DiscountCodeData]:
    """The editor's discount codes, one per line."""
    codes = []
    for number, line in enumerate(_lines(text), start=1):
        match = CODE_LINE.fullmatch(" ".join(line.split()))
        if match is None:
            complaints.add("discount_codes", _l("Line %(num)d: write a code like MEDLEM 20 %% or PARTNER 500 kr, "
                                                "and max 50 to limit its uses.", num=number))
            continue
        code, figure, unit, uses = match.groups()
        figure = figure.replace(",", ".")
        percent = int(float(figure)) if unit == "%" else None
        amount = round(float(figure) * 100) if unit.lower() == "kr" else None
        codes.append(pricing.DiscountCodeData(code, percent, amount, int(uses) if uses else None))
    return codes


def code_lines(codes: list[pricing.DiscountCodeData]) -> str:
    """The event's discount codes as the editor writes them."""
    lines = []
    for code in codes:
        figure = f"{code.percent} %" if code.percent is not None else f"{code.amount / 100:g} kr"
        lines.append(f"{code.code} {figure}" + (f" max {code.max_uses}" if code.max_uses is not None else ""))
    return "\n".join(lines)


# The editor's values and the event -----------------------------------------------------------------


def event_data(values: Mapping, now: datetime, *, current: Event | None = None) -> event_service.EventData:
    """The event the editor's ``values`` describe (its fields by name; the rows of ``agenda``,
    ``sessions`` and ``questions`` as mappings of their parts); ValidationFailed for rows that
    cannot be read. ``current``: the event being edited, whose publishing and (when left empty)
    opening of registration stay as they are."""
    complaints = _Complaints()
    starts_at = to_utc(values["starts_at"])
    agenda = _programme([_row(ProgrammeRow, row) for row in values.get("agenda") or ()],
                       values["starts_at"].date(), complaints)
    sessions = _meetings([_row(MeetingRow, row) for row in values.get("sessions") or ()], complaints)
    asked = _questions([_row(QuestionRow, row) for row in values.get("questions") or ()], complaints)
    codes = discount_codes(values.get("discount_codes") or "", complaints)
    if complaints.errors:
        raise ValidationFailed(complaints.errors)
    opens = to_utc(values.get("registration_opens_at"))
    if opens is None:
        opens = current.registration_opens_at if current is not None else now
    text = {name: values.get(name) or "" for name in (
        "title", "title_en", "theme", "description", "description_en", "organiser_name", "organiser_email",
        "venue", "address", "city", "fee_notice")}
    return event_service.EventData(
        **text, kind=values["kind"], series=values.get("series") or None,
        starts_at=starts_at, ends_at=to_utc(values["ends_at"]), registration_opens_at=opens,
        registration_deadline=end_of_day(values["last_registration_day"]),
        cancellation_deadline=end_of_day(values["last_cancellation_day"]) if values.get("last_cancellation_day")
        else None,
        capacity=values.get("capacity"), waitlist_enabled=bool(values.get("waitlist_enabled")),
        price=values.get("price") or 0, no_show_fee=values.get("no_show_fee") or 0,
        charge_late_cancellation=bool(values.get("charge_late_cancellation")),
        send_certificates=bool(values.get("send_certificates")),
        reminder_days=values["reminder_days"] if values.get("reminder_days") is not None else 2,
        published=current.published if current is not None else False,
        agenda=agenda, sessions=sessions, questions=asked,
        vat_treatment=values.get("vat_treatment") or VatTreatment.STANDARD,
        vat_exemption_reason=values.get("vat_exemption_reason") or "",
        invoice_timing=values.get("invoice_timing") or InvoiceTiming.ON_REGISTRATION,
        early_bird_price=values.get("early_bird_price"),
        early_bird_until=end_of_day(values["last_early_bird_day"]) if values.get("last_early_bird_day") else None,
        discount_codes=codes,
        feedback_questions=_feedback_questions(values.get("feedback_questions") or ""),
        feedback_named=bool(values.get("feedback_named")),
    )


def _feedback_questions(text: str) -> list[str]:
    """The feedback questions the organiser wrote one per line."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def save(slug: str | None, values: Mapping, *, actor: User | None, now: datetime) -> event_service.EventSaved:
    """Create (``slug`` None) or update the event as the editor's ``values`` describe it.

    ValidationFailed (or another DomainError) with the complaints keyed by the editor's field names;
    nothing is stored then.
    """
    current = event_service.get_event(slug) if slug is not None else None
    data = event_data(values, now, current=current)
    try:
        return event_service.save_event(slug, data, actor=actor, now=now)
    except ValidationFailed as refused:
        raise ValidationFailed({FIELD_OF.get(name, name): messages
                                for name, messages in refused.errors.items()}) from None


def values_of(event: Event) -> dict:
    """The editor's values of ``event``: what ``event_data`` would turn back into it."""
    billing = db.session.get(EventBilling, event.id)
    values = {name: getattr(event, name) for name in (
        "title", "title_en", "kind", "theme", "description", "description_en", "organiser_name",
        "organiser_email", "venue", "address", "city", "capacity", "waitlist_enabled", "charge_late_cancellation",
        "fee_notice", "reminder_days", "send_certificates", "feedback_named")}
    values.update(
        series=event.series.name if event.series else "",
        starts_at=to_local(event.starts_at), ends_at=to_local(event.ends_at),
        registration_opens_at=to_local(event.registration_opens_at),
        last_registration_day=last_day(event.registration_deadline),
        last_cancellation_day=last_day(event.cancellation_deadline),
        price=event.price, no_show_fee=event.no_show_fee,
        vat_treatment=billing.vat_treatment if billing else VatTreatment.STANDARD,
        vat_exemption_reason=billing.vat_exemption_reason if billing else "",
        invoice_timing=event.invoice_timing, early_bird_price=event.early_bird_price,
        last_early_bird_day=last_day(event.early_bird_until), discount_codes=code_lines(pricing.codes_of(event)),
        feedback_questions="\n".join(event.feedback_questions or ()),
        agenda=[vars(ProgrammeRow(to_local(item.starts_at).time(), item.title, item.title_en, item.speakers))
                for item in event.agenda],
        sessions=[vars(MeetingRow(to_local(meeting.starts_at).date(), to_local(meeting.starts_at).time(),
                                  to_local(meeting.ends_at).time(), meeting.title, meeting.title_en, meeting.venue,
                                  meeting.choosable, meeting.capacity, str(meeting.id)))
                  for meeting in event.sessions],
        questions=[vars(QuestionRow(str(q.id), q.kind, q.text, q.text_en, q.help_text, q.help_text_en,
                                    "\n".join(q.choices), "\n".join(q.choices_en), q.required))
                   for q in event.questions],
    )
    return values


def new_event_values() -> dict:
    """The editor's values of a new event."""
    return {"waitlist_enabled": True, "charge_late_cancellation": True, "reminder_days": 2, "price": 0,
            "no_show_fee": 0}

