"""Events in the API: list, read, and create-or-update with PUT (through services.events.save_event).

PUT on an existing event changes the fields it sends and keeps the others, so a client can send
only what it manages; creating needs at least title, kind, starts_at, ends_at,
registration_opens_at and registration_deadline.
"""
from dataclasses import replace

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...database import utcnow
from ...extensions import db
from ...ids import MAX_ID
from ...models import DiscountCode, Event, EventBilling, EventKind, InvoiceTiming, Role, VatTreatment
from ...services import registration as registrations
from ...services.errors import ValidationFailed
from ...services.events import (
    FEEDBACK_QUESTION_MAX,
    MAX_FEEDBACK_QUESTIONS,
    AgendaData,
    EventData,
    SessionData,
    get_event,
    save_event,
)
from ...services.pricing import DiscountCodeData
from . import api_user, bp, json_body, openapi, require_role
from .fields import MISSING, Reader

MAX_MONEY = 100_000_000  # öre: a million kronor
MAX_CAPACITY = 1_000_000
REQUIRED_FOR_CREATE = ("title", "kind", "starts_at", "ends_at", "registration_opens_at", "registration_deadline")
#: Sent back by clients that PUT what they got: accepted and ignored.
READ_ONLY = {"slug", "cancelled_at", "created_at", "updated_at", "counts"}
#: JSON name -> EventData attribute, where they differ.
RENAMED = {"waitlist": "waitlist_enabled", "vat": "vat_treatment"}


def moment(value):
    return value.isoformat() if value is not None else None


def event_json(event: Event, counts) -> dict:
    """An event as the API shows it."""
    billing = db.session.get(EventBilling, event.id)
    codes = db.session.scalars(select(DiscountCode).where(DiscountCode.event_id == event.id)
                               .order_by(DiscountCode.code))
    return {
        "slug": event.slug, "title": event.title, "title_en": event.title_en, "kind": event.kind,
        "description": event.description, "description_en": event.description_en,
        "theme": event.theme, "organiser_name": event.organiser_name, "organiser_email": event.organiser_email,
        "venue": event.venue, "address": event.address, "city": event.city,
        "starts_at": moment(event.starts_at), "ends_at": moment(event.ends_at),
        "capacity": event.capacity, "waitlist": event.waitlist_enabled,
        "registration_opens_at": moment(event.registration_opens_at),
        "registration_deadline": moment(event.registration_deadline),
        "cancellation_deadline": moment(event.cancellation_deadline),
        "price": event.price, "no_show_fee": event.no_show_fee,
        "charge_late_cancellation": event.charge_late_cancellation, "fee_notice": event.fee_notice,
        "published": event.published, "cancelled_at": moment(event.cancelled_at),
        "vat": billing.vat_treatment if billing else "standard",
        "vat_exemption_reason": billing.vat_exemption_reason if billing else "",
        "invoice_timing": event.invoice_timing, "early_bird_price": event.early_bird_price,
        "early_bird_until": moment(event.early_bird_until),
        "discount_codes": [{"code": c.code, "percent": c.percent, "amount": c.amount, "max_uses": c.max_uses,
                            "valid_until": moment(c.valid_until), "uses": c.uses} for c in codes],
        "send_certificates": event.send_certificates,
        "feedback_questions": list(event.feedback_questions or ()), "feedback_named": event.feedback_named,
        "series": event.series.name if event.series else None,
        "sessions": [{"id": s.id, "title": s.title, "title_en": s.title_en, "starts_at": moment(s.starts_at),
                      "ends_at": moment(s.ends_at), "venue": s.venue, "choosable": s.choosable,
                      "capacity": s.capacity} for s in event.sessions],
        "agenda": [{"starts_at": moment(a.starts_at), "title": a.title, "title_en": a.title_en,
                    "speakers": a.speakers, "description": a.description} for a in event.agenda],
        "counts": {"confirmed": counts["confirmed"], "waitlisted": counts["waitlisted"],
                   "cancelled": counts["cancelled"] + counts["late_cancelled"]},
    }


def event_data_from_json(body: dict, current: EventData | None) -> EventData:
    """The event the body describes: ``current`` with the sent fields changed (or a new one)."""
    reader = Reader(body)
    reader.unknown(set(SCALAR_READERS) | {"series", "sessions", "agenda", "discount_codes"} | READ_ONLY)
    values = {}
    for name, read in SCALAR_READERS.items():
        value = read(reader, name)
        if value is not MISSING:
            values[RENAMED.get(name, name)] = value
    series = reader.text("series", max_length=200, nullable=True)
    if series is not MISSING:
        values["series"] = series
    sessions = _sessions(reader)
    if sessions is not MISSING:
        values["sessions"] = sessions
    agenda = _agenda(reader)
    if agenda is not MISSING:
        values["agenda"] = agenda
    codes = _discount_codes(reader)
    if codes is not MISSING:
        values["discount_codes"] = codes
    if current is None:
        for name in REQUIRED_FOR_CREATE:
            if RENAMED.get(name, name) not in values and name not in reader.errors:
                reader.error(name, _l("Required when creating an event."))
    if reader.errors:
        raise ValidationFailed(reader.errors)
    if current is None:
        return EventData(**values)
    return replace(current, **values)


def _text(max_length: int, **options):
    return lambda reader, name: reader.text(name, max_length=max_length, **options)


SCALAR_READERS = {
    "title": _text(200), "title_en": _text(200), "kind": _text(20), "description": _text(20_000, multiline=True),
    "description_en": _text(20_000, multiline=True),
    "theme": _text(200), "organiser_name": _text(200), "organiser_email": _text(254),
    "venue": _text(200), "address": _text(200), "city": _text(100),
    "fee_notice": _text(2_000, multiline=True),
    "starts_at": lambda r, n: r.moment(n), "ends_at": lambda r, n: r.moment(n),
    "registration_opens_at": lambda r, n: r.moment(n), "registration_deadline": lambda r, n: r.moment(n),
    "cancellation_deadline": lambda r, n: r.moment(n, nullable=True),
    "capacity": lambda r, n: r.integer(n, minimum=1, maximum=MAX_CAPACITY, nullable=True),
    "price": lambda r, n: r.integer(n, minimum=0, maximum=MAX_MONEY),
    "no_show_fee": lambda r, n: r.integer(n, minimum=0, maximum=MAX_MONEY),
    "waitlist": lambda r, n: r.boolean(n), "charge_late_cancellation": lambda r, n: r.boolean(n),
    "send_certificates": lambda r, n: r.boolean(n),
    "vat": _text(20), "vat_exemption_reason": _text(200), "invoice_timing": _text(20),
    "early_bird_price": lambda r, n: r.integer(n, minimum=0, maximum=MAX_MONEY, nullable=True),
    "early_bird_until": lambda r, n: r.moment(n, nullable=True),
    "published": lambda r, n: r.boolean(n),
    "feedback_named": lambda r, n: r.boolean(n),
    "feedback_questions": lambda r, n: _texts(r, n, max_items=MAX_FEEDBACK_QUESTIONS,
                                              max_length=FEEDBACK_QUESTION_MAX),
}


def _discount_codes(reader: Reader):
    items = reader.objects("discount_codes", max_items=200)
    if items is MISSING:
        return MISSING
    codes = []
    for number, item in enumerate(items or []):
        sub = Reader(item, prefix=f"discount_codes[{number}].")
        sub.unknown({"code", "percent", "amount", "max_uses", "valid_until", "uses"})
        values = {"code": sub.text("code", max_length=40),
                  "percent": sub.integer("percent", minimum=1, maximum=100, nullable=True),
                  "amount": sub.integer("amount", minimum=1, maximum=MAX_MONEY, nullable=True),
                  "max_uses": sub.integer("max_uses", minimum=1, maximum=MAX_CAPACITY, nullable=True),
                  "valid_until": sub.moment("valid_until", nullable=True)}
        if item.get("code") is None and sub.prefix + "code" not in sub.errors:
            sub.error("code", _l("Required."))
        reader.errors.update(sub.errors)
        if not sub.errors:
            codes.append(DiscountCodeData(**{name: None if value is MISSING else value
                                             for name, value in values.items()}))
    return codes
def _texts(reader: Reader, name: str, *, max_items: int, max_length: int):
    """A list of one-line texts, each tidied to single spaces."""
    value = reader.body.get(name, MISSING)
    if value is MISSING:
        return value
    if not isinstance(value, list) or len(value) > max_items:
        return reader.error(name, _l("A list of at most %(max)d texts.", max=max_items))
    item = Reader({"item": None})
    texts = []
    for text in value:
        item.body["item"] = text
        checked = item.text("item", max_length=max_length)
        if checked is MISSING:
            return reader.error(name, item.errors["item"][0])
        texts.append(" ".join(checked.split()))
    return [text for text in texts if text]


def _sessions(reader: Reader):
    items = reader.objects("sessions", max_items=100)
    if items is MISSING or items is None:
        return MISSING
    sessions = []
    for number, item in enumerate(items):
        sub = Reader(item, prefix=f"sessions[{number}].")
        sub.unknown({"id", "title", "title_en", "starts_at", "ends_at", "venue", "choosable", "capacity"})
        values = {"title": sub.text("title", max_length=200), "starts_at": sub.moment("starts_at"),
                  "ends_at": sub.moment("ends_at"), "venue": sub.text("venue", max_length=200),
                  "title_en": sub.text("title_en", max_length=200), "choosable": sub.boolean("choosable"),
                  "capacity": sub.integer("capacity", minimum=1, maximum=MAX_CAPACITY, nullable=True),
                  "id": sub.integer("id", minimum=1, maximum=MAX_ID, nullable=True)}
        for name in ("title", "starts_at", "ends_at"):
            if item.get(name) is None and sub.prefix + name not in sub.errors:
                sub.error(name, _l("Required."))
        reader.errors.update(sub.errors)
        if not sub.errors:
            sessions.append(SessionData(values["title"], values["starts_at"], values["ends_at"],
                                        "" if values["venue"] is MISSING else values["venue"],
                                        "" if values["title_en"] is MISSING else values["title_en"],
                                        choosable=values["choosable"] is True,
                                        capacity=_places(values),
                                        id=None if values["id"] is MISSING else values["id"]))
    return sessions


def _places(values: dict) -> int | None:
    """A session's places: only a session to choose has places of its own."""
    return None if values["capacity"] is MISSING or values["choosable"] is not True else values["capacity"]


def _agenda(reader: Reader):
    items = reader.objects("agenda", max_items=200)
    if items is MISSING or items is None:
        return MISSING
    agenda = []
    for number, item in enumerate(items):
        sub = Reader(item, prefix=f"agenda[{number}].")
        sub.unknown({"title", "title_en", "starts_at", "speakers", "description"})
        values = {"title": sub.text("title", max_length=200), "starts_at": sub.moment("starts_at"),
                  "title_en": sub.text("title_en", max_length=200),
                  "speakers": sub.text("speakers", max_length=500),
                  "description": sub.text("description", max_length=5_000, multiline=True)}
        for name in ("title", "starts_at"):
            if item.get(name) is None and sub.prefix + name not in sub.errors:
                sub.error(name, _l("Required."))
        reader.errors.update(sub.errors)
        if not sub.errors:
            agenda.append(AgendaData(values["starts_at"], values["title"],
                                     "" if values["speakers"] is MISSING else values["speakers"],
                                     "" if values["description"] is MISSING else values["description"],
                                     "" if values["title_en"] is MISSING else values["title_en"]))
    return agenda


@bp.get("/events")
@require_role(Role.ORGANISER, Role.FINANCE)
def list_events():
    events = list(db.session.scalars(select(Event).order_by(Event.starts_at, Event.id)))
    counts = registrations.status_counts([e.id for e in events])
    return jsonify([event_json(e, counts[e.id]) for e in events])


@bp.get("/events/<slug>")
@require_role(Role.ORGANISER, Role.FINANCE)
def show_event(slug: str):
    event = get_event(slug)
    return jsonify(event_json(event, registrations.status_counts([event.id])[event.id]))


@bp.put("/events/<slug>")
@require_role(Role.ORGANISER)
def put_event(slug: str):
    body = json_body()
    existing = db.session.scalar(select(Event).where(Event.slug == slug))
    data = event_data_from_json(body, EventData.from_event(existing) if existing is not None else None)
    saved = save_event(slug, data, actor=api_user(), now=utcnow())
    event = saved.event
    response = jsonify(event_json(event, registrations.status_counts([event.id])[event.id]))
    response.status_code = 201 if saved.created else 200
    return response


_MOMENT = {"type": "string", "format": "date-time", "description": "ISO 8601 with a UTC offset"}


def _string(max_length: int) -> dict:
    return {"type": "string", "maxLength": max_length}


EVENT_FIELDS = {
    "title": _string(200), "kind": {"type": "string", "enum": [k.value for k in EventKind]},
    "title_en": {**_string(200), "description": "The title in English; empty for none"},
    "description": _string(20_000), "description_en": _string(20_000), "theme": _string(200),
    "organiser_name": _string(200),
    "organiser_email": _string(254), "venue": _string(200), "address": _string(200), "city": _string(100),
    "starts_at": _MOMENT, "ends_at": _MOMENT, "registration_opens_at": _MOMENT,
    "registration_deadline": {**_MOMENT, "description": "The first instant at which registration is closed"},
    "cancellation_deadline": {"type": ["string", "null"], "format": "date-time",
                              "description": "Cancelling before this is free; null: the registration deadline"},
    "capacity": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_CAPACITY,
                 "description": "Confirmed places; null for no limit"},
    "waitlist": {"type": "boolean"},
    "price": {"type": "integer", "minimum": 0, "maximum": MAX_MONEY, "description": "öre"},
    "no_show_fee": {"type": "integer", "minimum": 0, "maximum": MAX_MONEY, "description": "öre"},
    "charge_late_cancellation": {"type": "boolean"}, "fee_notice": _string(2_000), "published": {"type": "boolean"},
    "vat": {"type": "string", "enum": [v.value for v in VatTreatment],
            "description": "VAT on the price and fees: 25 %, or outside the scope of VAT (give the reason)"},
    "vat_exemption_reason": {**_string(200), "description": "Printed on invoices outside the scope of VAT"},
    "invoice_timing": {"type": "string", "enum": [t.value for t in InvoiceTiming],
                       "description": "When a paid event's bookings are invoiced"},
    "early_bird_price": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_MONEY,
                         "description": "öre, excluding VAT, for bookings made before early_bird_until"},
    "early_bird_until": {"type": ["string", "null"], "format": "date-time"},
    "discount_codes": {"type": ["array", "null"], "maxItems": 200, "items": {
        "type": "object", "additionalProperties": False, "required": ["code"],
        "description": "Either percent or amount (öre per person, excluding VAT)",
        "properties": {"code": {"type": "string", "pattern": "^[A-Za-z0-9]{1,40}$"},
                       "percent": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
                       "amount": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_MONEY},
                       "max_uses": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_CAPACITY},
                       "valid_until": {"type": ["string", "null"], "format": "date-time"},
                       "uses": {"type": "integer", "minimum": 0, "readOnly": True,
                                "description": "Bookings that used it (ignored when sent)"}}}},
    "send_certificates": {"type": "boolean", "description": "E-mail certificates of attendance after the event"},
    "feedback_questions": {"type": "array", "maxItems": MAX_FEEDBACK_QUESTIONS, "items": _string(FEEDBACK_QUESTION_MAX),
                           "description": "The feedback form's own questions, each rated 1-5"},
    "feedback_named": {"type": "boolean", "description": "The organiser sees who gave which feedback"},
    "series": {"type": ["string", "null"], "maxLength": 200, "description": "The series' name; a new name creates it"},
    "sessions": {"type": ["array", "null"], "maxItems": 100, "items": {
        "type": "object", "additionalProperties": False, "required": ["title", "starts_at", "ends_at"],
        "properties": {"id": {"type": ["integer", "null"], "description": "The session's id (read; send it "
                                                                 "back to keep the session's picks and attendance)"},
                       "title": _string(200), "title_en": _string(200), "starts_at": _MOMENT, "ends_at": _MOMENT,
                       "venue": _string(200),
                       "choosable": {"type": "boolean", "description": "Picked by attendees on the form (a "
                                                                       "workshop); false: a meeting for all"},
                       "capacity": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_CAPACITY,
                                    "description": "Places of a choosable session; null for no limit"}}}},
    "agenda": {"type": ["array", "null"], "maxItems": 200, "items": {
        "type": "object", "additionalProperties": False, "required": ["title", "starts_at"],
        "properties": {"title": _string(200), "title_en": _string(200), "starts_at": _MOMENT,
                       "speakers": _string(500), "description": _string(5_000)}}},
}

_COUNT = {"type": "integer", "minimum": 0}
openapi.add_schemas({
    "EventInput": {"type": "object", "additionalProperties": False, "properties": {
        **EVENT_FIELDS, **{name: {} for name in sorted(READ_ONLY)}},
        "description": "Creating needs " + ", ".join(REQUIRED_FOR_CREATE) + "; an update changes only the "
                       "fields sent. Read-only fields (" + ", ".join(sorted(READ_ONLY)) + ") are ignored."},
    "Event": {"type": "object", "required": ["slug", *EVENT_FIELDS], "properties": {
        "slug": {"type": "string"}, **EVENT_FIELDS,
        "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
        "counts": {"type": "object", "required": ["confirmed", "waitlisted", "cancelled"],
                   "properties": {"confirmed": _COUNT, "waitlisted": _COUNT, "cancelled": _COUNT}}}},
})
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "Lower-case letters, digits and hyphens"}
openapi.add_paths({
    "/events": {"get": {
        "summary": "All events", "operationId": "listEvents", "description": "Roles: organiser, finance.",
        "responses": openapi.responses({200: ("The events", {"type": "array", "items": openapi.ref("Event")})},
                                       403)}},
    "/events/{slug}": {
        "get": {"summary": "An event", "operationId": "getEvent", "parameters": [_SLUG],
                "description": "Roles: organiser, finance.",
                "responses": openapi.responses({200: ("The event", openapi.ref("Event"))}, 403, 404)},
        "put": {"summary": "Create or update an event", "operationId": "putEvent", "parameters": [_SLUG],
                "description": "Role: organiser. Goes through the same checks as the back office.",
                "requestBody": {"required": True, "content": openapi.json_content(openapi.ref("EventInput"))},
                "responses": openapi.responses({200: ("Updated", openapi.ref("Event")),
                                                201: ("Created", openapi.ref("Event"))}, 400, 403, 422)},
    },
})
