"""Check-in through the API: a scanner app posts the badge's code, or deletes it to undo."""
from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ...database import utcnow
from ...ids import MAX_ID, parse_id
from ...models import Role
from ...services import checkin, grouping
from ...services.errors import NotFound, ValidationFailed
from . import api_user, bp, json_body, openapi, require_role
from .fields import MISSING, Reader
from .registrations import door_event, registration_json


def _counts(event_id: int) -> dict:
    counts = checkin.door_counts(event_id)
    return {"checked_in": counts.checked_in, "expected": counts.expected}


def _group(registration_id: int) -> dict | None:
    """The group or table the person sits at, for the volunteer to send them there."""
    group = grouping.seat_of(registration_id)
    if group is None:
        return None
    return {"number": group.number, "name": group.name, "label": group.label, "leader": group.leader}


@bp.get("/events/<slug>/checkins")
@require_role(Role.ORGANISER, Role.CHECKIN)
def checkin_counts(slug: str):
    """Checked in of expected: at the event, or at one meeting or session (``?session=<id>``)."""
    event = door_event(slug)
    raw = request.args.get("session", "")
    if not raw:
        return jsonify(_counts(event.id))
    session = next((s for s in event.sessions if s.id == parse_id(raw)), None)
    if session is None:
        raise NotFound(_l("This event has no meeting or session number %(id)s.", id=raw[:20]), field="session")
    counts = checkin.door_counts(event.id, session)
    return jsonify({"checked_in": counts.checked_in, "expected": counts.expected})


@bp.post("/events/<slug>/checkins")
@require_role(Role.ORGANISER, Role.CHECKIN)
def create_checkin(slug: str):
    event = door_event(slug)
    reader = Reader(json_body())
    code = reader.text("code", max_length=200)
    session = reader.integer("session", minimum=1, maximum=MAX_ID, nullable=True)
    if code is MISSING and not reader.errors:
        reader.error("code", _l("Scan the badge or type its code."))
    if reader.errors:
        raise ValidationFailed(reader.errors)
    result = checkin.check_in_by_code(event.id, code, actor=api_user(), now=utcnow(),
                                      session_id=None if session is MISSING else session)
    body = {"registration": registration_json(result.registration), "already_checked_in": result.already,
            "message": result.message, "counts": _counts(event.id),
            "session": result.session.id if result.session is not None else None,
            "group": _group(result.registration.id)}
    return jsonify(body), (200 if result.already else 201)


@bp.delete("/events/<slug>/checkins/<code>")
@require_role(Role.ORGANISER, Role.CHECKIN)
def delete_checkin(slug: str, code: str):
    """Undo the check-in of the badge with this code (``?session=<id>``: to that meeting only)."""
    event = door_event(slug)
    registration_id = checkin.registration_for_code(code)
    session = request.args.get("session", "")
    session_id = parse_id(session)
    if session and session_id is None:
        raise ValidationFailed({"session": [_l("A meeting's or session's id is a whole number.")]})
    registration = checkin.undo_check_in(event.id, registration_id, actor=api_user(), now=utcnow(),
                                         session_id=session_id)
    return jsonify({"registration": registration_json(registration), "counts": _counts(event.id)})


_COUNTS = {"type": "object", "required": ["checked_in", "expected"], "properties": {
    "checked_in": {"type": "integer", "minimum": 0},
    "expected": {"type": "integer", "minimum": 0, "description": "Confirmed registrations"}}}
_CHECKIN = {"type": "object", "required": ["registration", "already_checked_in", "message", "counts"], "properties": {
    "registration": openapi.ref("Registration"), "already_checked_in": {"type": "boolean"},
    "message": {"type": "string"}, "counts": openapi.ref("DoorCounts"),
    "session": {"type": ["integer", "null"], "description": "The meeting or session checked in to"},
    "group": {"description": "The group or table the person sits at; null when none", "oneOf": [
        {"type": "null"}, {"type": "object", "required": ["number", "name", "label", "leader"], "properties": {
            "number": {"type": "integer", "minimum": 1}, "name": {"type": "string"},
            "label": {"type": "string", "description": "As on the badge, e.g. \"Grupp 3: Skola\""},
            "leader": {"type": "string", "description": "The table's host or conversation leader"}}}]}}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_DOOR = "Roles: organiser, or a check-in volunteer assigned to the event."
openapi.add_schemas({"DoorCounts": _COUNTS, "Checkin": _CHECKIN})
openapi.add_paths({
    "/events/{slug}/checkins": {
        "get": {"summary": "Checked in of expected", "operationId": "getCheckinCounts",
                "parameters": [_SLUG, {"name": "session", "in": "query", "required": False,
                                       "schema": {"type": "integer"},
                                       "description": "At this meeting or session: of those expected at it"}],
                "description": _DOOR,
                "responses": openapi.responses({200: ("The counts", openapi.ref("DoorCounts"))}, 403, 404)},
        "post": {"summary": "Check in by the badge's code", "operationId": "createCheckin", "parameters": [_SLUG],
                 "description": _DOOR + " Checking in twice is harmless: 200 with already_checked_in. The code "
                                "may be lower case, with spaces, or the end of a URL. With `session` (a "
                                "meeting's or chosen session's id): checked in to that meeting, while its "
                                "check-in is open (from an hour before it starts).",
                 "requestBody": {"required": True, "content": openapi.json_content({
                     "type": "object", "required": ["code"], "additionalProperties": False,
                     "properties": {"code": {"type": "string", "maxLength": 200},
                                    "session": {"type": ["integer", "null"], "minimum": 1,
                                                "description": "The meeting or session checked in to"}}})},
                 "responses": openapi.responses({200: ("Already checked in; nothing changed", openapi.ref("Checkin")),
                                                 201: ("Checked in", openapi.ref("Checkin"))},
                                                400, 403, 404, 409, 422)},
    },
    "/events/{slug}/checkins/{code}": {"delete": {
        "summary": "Undo a check-in", "operationId": "deleteCheckin", "description": _DOOR,
        "parameters": [_SLUG, {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "session", "in": "query", "required": False, "schema": {"type": "integer"},
                        "description": "Undo the check-in to this meeting or session only"}],
        "responses": openapi.responses({200: ("Not checked in (any more)", {
            "type": "object", "required": ["registration", "counts"],
            "properties": {"registration": openapi.ref("Registration"), "counts": openapi.ref("DoorCounts")}})},
            403, 404, 409, 422)}},
})
