"""An event's change log told in words: "Anna Berg cancelled late, a fee may be charged", when (local
time) and by whom, in the reader's language; the audit log's stable codes stay out of sight."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..formatting import format_datetime, format_money
from ..models import AuditEntry, Event, EventKind, Invoice, Registration, RegistrationStatus, User

#: The changed fields a reader is told about, by name; other fields count as "other details".
FIELD_LABELS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "email": _l("E-mail"),
    "organisation_name": _l("Organisation"), "job_title": _l("Job title"), "phone": _l("Phone"),
    "dietary": _l("Dietary needs"), "org_number": _l("Organisation number"),
    "invoice_reference": _l("Invoice reference"), "invoice_address": _l("Invoice address"),
    "peppol_id": _l("Peppol ID"), "organiser_note": _l("Note"),
    "title": _l("Title"), "kind": _l("Kind of event"), "starts_at": _l("Starts"), "ends_at": _l("Ends"),
    "registration_opens_at": _l("Registration opens"), "registration_deadline": _l("Registration deadline"),
    "cancellation_deadline": _l("Cancellation deadline"), "venue": _l("Venue"), "address": _l("Address"),
    "city": _l("City"), "description": _l("Description"), "theme": _l("Theme"),
    "organiser_name": _l("Organiser"), "organiser_email": _l("Organiser's e-mail"), "capacity": _l("Places"),
    "waitlist_enabled": _l("Waiting list"), "price": _l("Price"), "no_show_fee": _l("No-show fee"),
    "charge_late_cancellation": _l("Charge late cancellations"), "fee_notice": _l("Text about the fee"),
    "published": _l("Published"), "reminder_days": _l("Reminder, days before"), "series": _l("Series"),
    "sent_on": _l("Sent on"), "send_certificates": _l("Certificates of attendance by e-mail"),
    "thank_you_hours": _l("Thank-you, hours after the end"), "material_url": _l("Link to the material"),
    "title_en": _l("Title in English"), "description_en": _l("Description in English"),
    "agenda": _l("Programme"), "sessions": _l("Meetings"), "questions": _l("Questions on the registration form"),
}
MONEY_FIELDS = {"price", "no_show_fee"}
#: Long texts are not repeated in the log: that they changed is enough.
LONG_FIELDS = {"description", "description_en", "dietary", "organiser_note", "fee_notice", "invoice_address",
               "agenda", "sessions", "questions"}


@dataclass
class HistoryLine:
    at: datetime
    who: str
    what: str
    details: list[str] = field(default_factory=list)


@dataclass
class _Context:
    entry: AuditEntry
    event: Event
    name: str

    def detail(self, key: str, default=None):
        return (self.entry.details or {}).get(key, default)


def event_history(event_id: int, limit: int = 500, *, registration_id: int | None = None) -> list[HistoryLine]:
    """The event's changes (or one registration's), newest first, each in a sentence with who made it."""
    event = db.session.get(Event, event_id)
    query = select(AuditEntry).where(AuditEntry.event_id == event_id)
    if registration_id is not None:
        query = query.where(AuditEntry.target_type == "registration", AuditEntry.target_id == registration_id)
    entries = list(db.session.scalars(
        query.options(joinedload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
    ids = {e.target_id for e in entries if e.target_type == "registration"}
    names = dict(db.session.execute(select(Registration.id, Registration.first_name + " " + Registration.last_name)
                                    .where(Registration.id.in_(ids))).all()) if ids else {}
    numbers = _invoice_numbers(entries)
    lines = []
    for entry in entries:
        name = names.get(entry.target_id, "") if entry.target_type == "registration" else \
            str(numbers.get(entry.target_id, "")) if entry.target_type == "invoice" else ""
        context = _Context(entry, event, name.strip() or _("a registration since erased"))
        tell = SENTENCES.get(entry.action)
        what = tell(context) if tell else _("A change was recorded.")
        lines.append(HistoryLine(at=entry.at, who=_who(entry), what=what, details=_details(entry)))
    return lines


def _invoice_numbers(entries: list[AuditEntry]) -> dict[int, int]:
    ids = {e.target_id for e in entries if e.target_type == "invoice"}
    return dict(db.session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids))).all()) if ids else {}


def _who(entry: AuditEntry) -> str:
    if entry.actor is not None:
        return _person(entry.actor)
    if entry.action in ("registration.cancelled", "registration.self_updated"):
        return _("The attendee")
    return _("Automatically")


def _person(user: User) -> str:
    return user.name or user.email


def _cancelled(c: _Context) -> str:
    by_attendee = c.entry.actor is None
    if not c.detail("late"):
        return _("%(name)s cancelled.", name=c.name) if by_attendee else \
            _("The registration of %(name)s was cancelled.", name=c.name)
    if c.event.charge_late_cancellation and c.event.no_show_fee:
        return _("%(name)s cancelled late, a fee may be charged.", name=c.name) if by_attendee else \
            _("The registration of %(name)s was cancelled late, a fee may be charged.", name=c.name)
    return _("%(name)s cancelled late.", name=c.name) if by_attendee else \
        _("The registration of %(name)s was cancelled late.", name=c.name)


def _promoted(c: _Context) -> str:
    if c.detail("capacity"):
        return _("%(name)s got a place from the waiting list; the places were raised to %(num)s.", name=c.name,
                 num=c.detail("capacity"))
    return _("%(name)s got a place from the waiting list.", name=c.name)


def _added(c: _Context) -> str:
    if c.detail("status") == RegistrationStatus.WAITLISTED:
        return _("%(name)s was added to the waiting list.", name=c.name)
    return _("%(name)s was added.", name=c.name)


SENTENCES: dict[str, Callable[[_Context], str]] = {
    "registration.cancelled": _cancelled,
    "registration.promoted": _promoted,
    "registration.added": _added,
    "registration.updated": lambda c: _("The registration of %(name)s was changed.", name=c.name),
    "registration.buyer_updated": lambda c: _("The invoice details of %(name)s were changed.", name=c.name),
    "registration.checked_in": lambda c: _("%(name)s was checked in.", name=c.name),
    "registration.check_in_undone": lambda c: _("The check-in of %(name)s was undone.", name=c.name),
    "registration.walk_in": lambda c: _("%(name)s was registered at the door and checked in.", name=c.name),
    "groups.moved": lambda c: _("%(name)s was moved to another group.", name=c.name),
    "groups.proposed": lambda c: _("Groups were proposed."),
    "groups.named": lambda c: _("Group %(num)s got a name or a conversation leader.", num=c.detail("group", "")),
    "no_show.waived": lambda c: _("The no-show fee of %(name)s was waived: %(reason)s", name=c.name,
                                  reason=c.detail("reason", "")),
    "no_show.approved": lambda c: _("The no-show list was approved."),
    "billing.vat_changed": lambda c: _("The VAT treatment was changed."),
    "privacy.erased": lambda c: _("The personal data of a registration was erased."),
    "privacy.exported": lambda c: _("The personal data of %(name)s was exported.", name=c.name),
    "event.created": lambda c: _("The event was created."),
    "event.updated": lambda c: _("The event was changed."),
    "event.published": lambda c: _("The event was published."),
    "event.unpublished": lambda c: _("The event was unpublished."),
    "event.cancelled": lambda c: _("The event was cancelled.") if not c.detail("reason") else
    _("The event was cancelled: %(reason)s", reason=c.detail("reason")),
    "badges.printed": lambda c: ngettext("%(num)d name badge was printed.", "%(num)d name badges were printed.",
                                         int(c.detail("count", 0) or 0)),
    "badges.logo_set": lambda c: _("A logo for the name badges was uploaded."),
    "badges.logo_removed": lambda c: _("The logo was taken off the name badges."),
    "checkin.volunteer_assigned": lambda c: _("%(email)s may check people in at this event.",
                                              email=c.detail("volunteer", "")),
    "checkin.volunteer_unassigned": lambda c: _("%(email)s may no longer check people in at this event.",
                                                email=c.detail("volunteer", "")),
    "invoice.issued": lambda c: _("Invoice %(number)s was issued.", number=c.name),
    "invoice.credited": lambda c: _("Invoice %(number)s was credited with credit note %(note)s.", number=c.name,
                                    note=c.detail("credit_note", "")),
    "invoice.email_queued": lambda c: _("Invoice %(number)s is to be e-mailed to %(email)s.", number=c.name,
                                        email=c.detail("recipient", "")),
    "invoice.sent": lambda c: _("Invoice %(number)s was sent.", number=c.name),
    "message.sent": lambda c: ngettext("The message “%(subject)s” was sent to %(num)d person.",
                                       "The message “%(subject)s” was sent to %(num)d people.",
                                       int(c.detail("recipients", 0) or 0), subject=c.detail("subject", "")),
    "message.scheduled": lambda c: _("The message “%(subject)s” was scheduled for %(date)s.",
                                     subject=c.detail("subject", ""), date=_value("send_at", c.detail("send_at"))),
    "message.cancelled": lambda c: _("The scheduled message “%(subject)s” was called off.",
                                     subject=c.detail("subject", "")),
    "registration.self_updated": lambda c: _("%(name)s changed their registration.", name=c.name),
    "email_text.saved": lambda c: _("The text of an automatic e-mail was changed."),
    "email_text.reset": lambda c: _("An automatic e-mail was set back to its default text."),
    "invoice.payment": lambda c: _("A payment of invoice %(number)s was recorded.", number=c.name),
}


def _details(entry: AuditEntry) -> list[str]:
    """The changed fields as "Label: old → new", for the fields a reader knows by name."""
    changes = (entry.details or {}).get("changes") or {}
    lines, others = [], 0
    for name, pair in changes.items():
        if name.startswith("answer:"):
            lines.append(_("The answer to “%(question)s” was changed.", question=name.removeprefix("answer:")))
            continue
        label = FIELD_LABELS.get(name)
        if label is None or not isinstance(pair, list | tuple) or len(pair) != 2:
            others += 1
        elif name in LONG_FIELDS:
            lines.append(_("%(field)s was changed.", field=label))
        else:
            lines.append(f"{label}: {_value(name, pair[0])} → {_value(name, pair[1])}")
    if others:
        lines.append(ngettext("%(num)d other detail was changed.", "%(num)d other details were changed.", others))
    return lines


def _value(name: str, value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in MONEY_FIELDS and isinstance(value, int):
        return format_money(value)
    if name == "kind" and value in set(EventKind):
        return str(EventKind(value).label)
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
