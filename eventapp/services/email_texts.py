"""An event's own texts of its automatic e-mails: confirmation, waiting list, promoted, reminder and
the thank-you after the event, in Swedish and English.

The organiser's text replaces the e-mail's opening paragraph; the greeting, when and where, the
personal link and the fee's terms stay, so no text can leave out what the rules say. A text is
checked when it is saved (``merge_fields.check_text``), so writing an e-mail with it never fails.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..database import begin_write
from ..extensions import db
from ..models import EmailText, Event, Registration, RegistrationStatus, User
from . import audit, merge_fields, notifications
from .errors import NotFound, ValidationFailed
from .thank_you import MAX_HOURS

KINDS = notifications.OWN_TEXT_KINDS
LANGUAGES = ("sv", "en")
KIND_LABELS = {
    "confirmation": _l("Confirmation"),
    "waitlisted": _l("On the waiting list"),
    "promoted": _l("A place from the waiting list"),
    "reminder": _l("Reminder before the event"),
    "thank_you": _l("Thank-you after the event"),
}
LANGUAGE_LABELS = {"sv": _l("Swedish"), "en": _l("English")}


@dataclass
class Text:
    kind: str
    language: str
    subject: str
    body: str
    #: The event's own (False: the default).
    own: bool

    @property
    def label(self):
        return KIND_LABELS[self.kind]

    @property
    def language_label(self):
        return LANGUAGE_LABELS[self.language]


def default_text(kind: str, language: str) -> tuple[str, str]:
    """(subject, opening paragraph) of the default e-mail, written with merge fields."""
    with force_locale(language):
        subject = notifications.SUBJECTS[kind]() % {"title": "{event}"}
        body = {
            "confirmation": lambda: _("Your place at %(title)s is confirmed. The calendar invitation is attached: "
                                      "open it to put the event in your calendar.", title="{event}"),
            "waitlisted": lambda: _("%(title)s is fully booked, so you are on the waiting list. We e-mail you as "
                                    "soon as a place becomes free.", title="{event}"),
            "promoted": lambda: _("Good news: a place at %(title)s has become free and it is yours. Your "
                                  "registration is confirmed and the calendar invitation is attached.",
                                  title="{event}"),
            "reminder": lambda: _("A reminder: %(title)s is coming up soon.", title="{event}"),
            "thank_you": lambda: _("Thank you for coming to %(title)s.", title="{event}"),
        }[kind]()
    return subject, body


def check_kind(kind: str, language: str) -> None:
    if kind not in KINDS or language not in LANGUAGES:
        raise NotFound(_l("There is no such e-mail."))


def text_of(event_id: int, kind: str, language: str) -> Text:
    """The text the event's e-mail of ``kind`` in ``language`` has now: its own, or the default."""
    check_kind(kind, language)
    own = notifications.own_email_text(event_id, kind, language)
    if own is not None:
        return Text(kind, language, own.subject, own.body, own=True)
    return Text(kind, language, *default_text(kind, language), own=False)


def texts_of(event_id: int) -> list[Text]:
    """Every automatic e-mail's text of the event, in both languages."""
    own = {(t.kind, t.language): t for t in db.session.scalars(select(EmailText).where(EmailText.event_id == event_id))}
    texts = []
    for kind in KINDS:
        for language in LANGUAGES:
            if (kind, language) in own:
                found = own[kind, language]
                texts.append(Text(kind, language, found.subject, found.body, own=True))
            else:
                texts.append(Text(kind, language, *default_text(kind, language), own=False))
    return texts


def save_text(event_id: int, kind: str, language: str, subject: str, body: str, *, actor: User | None,
              now: datetime) -> Text:
    """Store the event's own text; refused with each message beside its field when it would not work."""
    check_kind(kind, language)
    errors = merge_fields.check_text(subject, body)
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    try:
        if db.session.get(Event, event_id) is None:
            raise NotFound(_l("The event does not exist."))
        own = notifications.own_email_text(event_id, kind, language)
        if own is None:
            own = EmailText(event_id=event_id, kind=kind, language=language)
            db.session.add(own)
        own.subject, own.body, own.updated_at = subject.strip(), body.strip(), now
        audit.record("email_text.saved", own, actor=actor, now=now, kind=kind, language=language)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return text_of(event_id, kind, language)


def reset_text(event_id: int, kind: str, language: str, *, actor: User | None, now: datetime) -> Text:
    """Back to the default text."""
    check_kind(kind, language)
    begin_write()
    try:
        own = notifications.own_email_text(event_id, kind, language)
        if own is not None:
            audit.record("email_text.reset", own, actor=actor, now=now, kind=kind, language=language)
            db.session.delete(own)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return text_of(event_id, kind, language)


def preview(event: Event, kind: str, language: str, subject: str, body: str, now: datetime) -> tuple[str, str]:
    """(subject, text) of the e-mail with this text, as a made-up attendee gets it."""
    check_kind(kind, language)
    sample = Registration(id=0, event_id=event.id, first_name="Anna", last_name="Andersson",
                          email="anna.andersson@example.org", language=language,
                          status=RegistrationStatus.CONFIRMED)
    with force_locale(language):
        shown_subject, text, _html = notifications.render(
            kind, sample, event, now, link=None, own_subject=subject, own_text=body,
            sample_link=notifications.sample_link())
    return shown_subject, text


def set_thank_you(event_id: int, hours: int | None, material_url: str, *, actor: User | None,
                  now: datetime) -> dict:
    """When the thank-you goes out (hours after the end; None: not at all) and the material's link."""
    errors: dict[str, list] = {}
    if hours is not None and not 0 <= hours <= MAX_HOURS:
        errors["thank_you_hours"] = [_l("Enter a number from %(min)s to %(max)s.", min=0, max=MAX_HOURS)]
    material_url = (material_url or "").strip()
    if material_url and (not material_url.startswith(("https://", "http://")) or len(material_url) > 500
                         or any(c.isspace() or ord(c) < 32 for c in material_url)):
        errors["material_url"] = [_l("Enter a web address beginning with https://.")]
    if errors:
        raise ValidationFailed(errors)
    begin_write()
    try:
        event = db.session.get(Event, event_id)
        if event is None:
            raise NotFound(_l("The event does not exist."))
        changed = audit.changes(event, {"thank_you_hours": hours, "material_url": material_url})
        if changed:
            audit.record("event.updated", event, actor=actor, now=now, event_id=event.id, changes=changed)
        db.session.commit()
        return changed
    except Exception:
        db.session.rollback()
        raise


def copy_texts(source_id: int, target_id: int, now: datetime) -> None:
    """Give a copied event the source's own e-mail texts and its thank-you's timing (not its material)."""
    begin_write()
    try:
        source, target = db.session.get(Event, source_id), db.session.get(Event, target_id)
        target.thank_you_hours = source.thank_you_hours
        for own in db.session.scalars(select(EmailText).where(EmailText.event_id == source_id)).all():
            db.session.add(EmailText(event_id=target_id, kind=own.kind, language=own.language, subject=own.subject,
                                     body=own.body, updated_at=now))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
