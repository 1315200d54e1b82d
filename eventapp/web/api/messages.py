"""Writing to an event's attendees through the API: the message is queued, delivered by the worker."""
from flask import jsonify
from flask_babel import lazy_gettext as _l

from ...database import utcnow
from ...models import Audience, Role
from ...services import messages
from ...services.errors import ValidationFailed
from ...services.events import get_event
from ...services.merge_fields import MAX_BODY, MAX_SUBJECT
from . import api_user, bp, json_body, openapi, require_role
from .fields import MISSING, Reader

#: What ``to`` may say in the API (a selection is the attendee list's, in the web pages).
GROUPS = [audience.value for audience in Audience if audience != Audience.SELECTION]


@bp.post("/events/<slug>/messages")
@require_role(Role.ORGANISER)
def create_message(slug: str):
    event = get_event(slug)
    reader = Reader(json_body())
    reader.unknown({"subject", "body", "to", "send_at"})
    subject = reader.text("subject", max_length=MAX_SUBJECT)
    body = reader.text("body", max_length=MAX_BODY, multiline=True)
    to = reader.text("to", max_length=20)
    send_at = reader.moment("send_at", nullable=True)
    if to is not MISSING and to not in GROUPS:
        reader.error("to", _l("One of: %(choices)s.", choices=", ".join(GROUPS)))
    for name, value in (("subject", subject), ("body", body), ("to", to)):
        if value is MISSING and name not in reader.errors:
            reader.error(name, _l("Required."))
    if reader.errors:
        raise ValidationFailed(reader.errors)
    draft = messages.Draft(subject=subject, body=body, audience=to,
                           send_at=None if send_at in (MISSING, None) else send_at)
    outcome = messages.send_message(event.id, draft, actor=api_user(), now=utcnow())
    answer = {"queued": outcome.queued, "id": outcome.message.id, "status": outcome.message.status,
              "send_at": outcome.message.send_at.isoformat()}
    return jsonify(answer), 202


_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
openapi.add_paths({"/events/{slug}/messages": {"post": {
    "summary": "Write to the event's attendees", "operationId": "createMessage", "parameters": [_SLUG],
    "description": "Role: organiser. Each recipient gets the message once, through the outbox. Merge fields in "
                   "subject and body: {first_name}, {last_name}, {event}, {starts}, {link} (the personal link; "
                   "body only). Without send_at it is queued at once; with it, at that time.",
    "requestBody": {"required": True, "content": openapi.json_content({
        "type": "object", "required": ["subject", "body", "to"], "additionalProperties": False,
        "properties": {"subject": {"type": "string", "maxLength": MAX_SUBJECT},
                       "body": {"type": "string", "maxLength": MAX_BODY},
                       "to": {"type": "string", "enum": GROUPS},
                       "send_at": {"type": ["string", "null"], "format": "date-time"}}})},
    "responses": openapi.responses({202: ("Queued (or scheduled: queued is 0)", {
        "type": "object", "required": ["queued", "id", "status", "send_at"],
        "properties": {"queued": {"type": "integer", "minimum": 0}, "id": {"type": "integer"},
                       "status": {"type": "string", "enum": ["queued", "scheduled"]},
                       "send_at": {"type": "string", "format": "date-time"}}})}, 403, 404, 422)}}})
