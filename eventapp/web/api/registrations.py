"""Registrations of an event in the API: for organisers, and for the volunteers at its door."""
from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...database import utcnow
from ...extensions import db
from ...models import Answer, Event, Registration, RegistrationStatus, Role
from ...services import paid_events
from ...services import sessions as session_service
from ...services.events import get_event
from ...services.staff import DoorForbidden, check_door_access
from . import ApiError, api_user, bp, openapi, require_role


def door_event(slug: str) -> Event:
    """The event, when the caller may see its attendees now (organisers, or its assigned volunteers
    from a day before it starts until a day after it ends)."""
    event = get_event(slug)
    try:
        check_door_access(api_user(), event, utcnow())
    except DoorForbidden as refusal:
        raise ApiError(403, "forbidden", refusal.message) from None
    return event


def registration_json(registration: Registration, invoice_numbers: dict[int, int] | None = None,
                      sessions: dict | None = None) -> dict:
    """A registration as the API shows it; ``invoice_numbers``: {registration id: invoice number};
    ``sessions``: ``sessions.sessions_of_many`` of a list, read once for all of it."""
    organisation = registration.organisation
    if sessions is None:
        sessions = session_service.sessions_of_many([registration])
    return {
        "id": registration.id,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "organisation": {
            "name": organisation.name if organisation is not None else registration.organisation_name,
            "kind": organisation.kind if organisation is not None else None,
            "municipality_code": organisation.municipality_code if organisation is not None else None,
            "org_number": registration.org_number or (organisation.org_number if organisation is not None else None),
        },
        "status": registration.status,
        "checked_in_at": registration.checked_in_at.isoformat() if registration.checked_in_at else None,
        "code": registration.check_in_code,
        "answers": {answer.question.text: answer.value for answer in registration.answers},
        "booking": registration.booking_id,
        "invoice_number": (invoice_numbers or {}).get(registration.id),
        "sessions": [{"id": mine.id, "title": mine.session.title,
                      "checked_in_at": mine.checked_in_at.isoformat() if mine.checked_in_at else None}
                     for mine in sessions.get(registration.id, [])],
    }


@bp.get("/events/<slug>/registrations")
@require_role(Role.ORGANISER, Role.CHECKIN)
def list_registrations(slug: str):
    event = door_event(slug)
    query = (select(Registration).where(Registration.event_id == event.id)
             .options(selectinload(Registration.organisation),
                      selectinload(Registration.answers).joinedload(Answer.question))
             .order_by(Registration.id))
    status = request.args.get("status")
    if status is not None:
        if status not in set(RegistrationStatus):
            raise ApiError(422, "validation_failed", _l("Unknown status."), {"status": [_l("Unknown status.")]})
        query = query.where(Registration.status == status)
    found = list(db.session.scalars(query))
    numbers = paid_events.invoice_numbers_of_event(event)
    sessions = session_service.sessions_of_many(found)
    return jsonify([registration_json(r, numbers, sessions) for r in found])


_NULLABLE_TEXT = {"type": ["string", "null"]}
openapi.add_schemas({"Registration": {
    "type": "object",
    "required": ["id", "first_name", "last_name", "email", "organisation", "status", "checked_in_at", "code"],
    "properties": {
        "id": {"type": "integer"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "email": {"type": "string"},
        "organisation": {"type": "object", "required": ["name", "kind", "municipality_code", "org_number"],
                         "properties": {"name": {"type": "string"}, "kind": _NULLABLE_TEXT,
                                        "municipality_code": _NULLABLE_TEXT, "org_number": _NULLABLE_TEXT}},
        "status": {"type": "string", "enum": [s.value for s in RegistrationStatus]},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
        "code": {"type": "string", "description": "The check-in code on the badge"},
        "answers": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "Answers to the event's own questions, by question"},
        "booking": {"type": ["integer", "null"], "description": "The booking shared by a group booked together"},
        "invoice_number": {"type": ["integer", "null"], "description": "The invoice charging the place, once issued"},
        "sessions": {"type": "array", "description": "The sessions chosen (for a course, all its meetings), "
                                                     "with attendance",
                     "items": {"type": "object", "required": ["id", "title", "checked_in_at"], "properties": {
                         "id": {"type": "integer"}, "title": {"type": "string"},
                         "checked_in_at": {"type": ["string", "null"], "format": "date-time"}}}},
    },
}})
openapi.add_paths({"/events/{slug}/registrations": {"get": {
    "summary": "The event's registrations", "operationId": "listRegistrations",
    "description": "Roles: organiser, or a check-in volunteer assigned to the event.",
    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                   {"name": "status", "in": "query", "required": False,
                    "schema": {"type": "string", "enum": [s.value for s in RegistrationStatus]}}],
    "responses": openapi.responses({200: ("The registrations", {"type": "array",
                                                                "items": openapi.ref("Registration")})},
                                   403, 404, 422)}}})
