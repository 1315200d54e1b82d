"""Public pages: the event list, an event, the registration form and its confirmation."""
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from .. import current_language, form_guard
from ..database import read_without_transaction, utcnow
from ..extensions import db, limiter
from ..forms import RegistrationForm, answers_from, registration_form_for
from ..models import Event, Registration
from ..security import registration_limit
from ..services import questions as question_service
from ..services import registration as registrations
from ..services.errors import DomainError
from .kept_pages import KeptPages, RecentReads

bp = Blueprint("public", __name__)


def published_event_or_404(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug, Event.published.is_(True)))
    if event is None:
        abort(404)
    return event


def published_event_and_confirmed_or_404(slug: str, *, with_questions: bool = False) -> tuple[Event, int]:
    """The event and its number of confirmed registrations (and its questions), read together."""
    found = registrations.published_event_and_confirmed(slug, with_questions=with_questions)
    if found is None:
        abort(404)
    return found


@bp.get("/")
def index():
    read_without_transaction()
    now = utcnow()
    events = list(db.session.scalars(
        select(Event).where(Event.published.is_(True), Event.ends_at > now).order_by(Event.starts_at)
    ))
    counts = registrations.status_counts([e.id for e in events])
    return render_template("public/index.html", events=events, counts=counts, now=now,
                           is_open=registrations.is_registration_open)


@bp.get("/events/<slug>")
def event_page(slug: str):
    read_without_transaction()
    event, confirmed = published_event_and_confirmed_or_404(slug)
    now = utcnow()
    return render_template(
        "public/event.html", event=event, now=now,
        closed_reason=registrations.registration_closed_reason(event, now),
        places_left=registrations.places_left(event, confirmed),
    )


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(registration_limit, methods=["POST"])
def register(slug: str):
    now = utcnow()
    if request.method == "POST":
        return _register_sent(slug, now)
    anonymous = not current_user.is_authenticated and not session.get("_flashes")
    if anonymous:
        kept = _kept_blank_form(slug, now)
        if kept is not None:
            return kept
    read_without_transaction()
    event, snapshot = _read_event_or_404(slug)
    closed_reason = registrations.registration_closed_reason(snapshot, now)
    if anonymous and closed_reason is None:
        return _blank_form(event, snapshot)
    return _form_page(event, registration_form_for(event.questions), closed_reason), 200


def _register_sent(slug: str, now):
    """A sent registration form, checked by what this worker read of the event a moment ago; the
    registration itself is decided on the event as it is stored (``register_attendee``)."""
    snapshot = _recent_event(slug, now)
    closed_reason = registrations.registration_closed_reason(snapshot, now)
    form = registration_form_for(snapshot.questions)
    answers = answers_from(form, snapshot.questions)
    error = None
    if closed_reason is None:
        valid = form.validate_on_submit()
        # Wrong answers are shown together with the form's other complaints, not after them.
        for name, messages in question_service.check_answers(snapshot, answers).items():
            form[name].errors = list(form[name].errors) + [str(m) for m in messages]
            valid = False
        if valid:
            try:
                result = registrations.register_attendee(snapshot.id, attendee_from(form, answers), now, seen=snapshot)
            except DomainError as exc:
                fields = getattr(exc, "errors", None) or {exc.field: [str(exc)]}
                for name, messages in fields.items():
                    if name and name in form:
                        form[name].errors = list(form[name].errors) + [str(m) for m in messages]
                    else:
                        error = str(exc)
            else:
                remembered = session.get("registration", {})
                same = remembered.get("id") == result.registration_id
                token = result.token or (remembered.get("token") if same else None)
                session["registration"] = {"id": result.registration_id, "token": token}
                return redirect(url_for(".registered", slug=slug))
    event, _ = _read_event_or_404(slug)
    return _form_page(event, form, closed_reason, error), 422


def _form_page(event: Event, form: RegistrationForm, closed_reason, error=None) -> str:
    return render_template("public/register.html", event=event, form=form, closed_reason=closed_reason,
                           error=error, places_left=registrations.places_left(event))


#: The blank registration form as anonymous visitors see it while registration is open.
_blank_forms = KeptPages()
#: What this worker last read of each event's registration (``PUBLIC_EVENT_SECONDS``).
_recent_events = RecentReads()


def _read_event_or_404(slug: str) -> tuple[Event, registrations.EventSnapshot]:
    """The published event as it is stored and its snapshot, which this worker keeps for a moment."""
    found = registrations.published_event_snapshot(slug)
    if found is None:
        abort(404)
    _recent_events.keep(slug, found[1])
    return found


def _recent_open_event(slug: str, now) -> registrations.EventSnapshot | None:
    """What this worker read of the event within PUBLIC_EVENT_SECONDS, when that says registration
    is open; None otherwise (a snapshot saying closed is not trusted: registration may just have opened)."""
    snapshot = _recent_events.get(slug, current_app.config["PUBLIC_EVENT_SECONDS"])
    if snapshot is None or registrations.registration_closed_reason(snapshot, now) is not None:
        return None
    return snapshot


def _recent_event(slug: str, now) -> registrations.EventSnapshot:
    """``_recent_open_event``, or the event read now; 404 when unknown."""
    return _recent_open_event(slug, now) or _read_event_or_404(slug)[1]


def _kept_blank_form(slug: str, now) -> str | None:
    """The kept blank form, by what this worker read of the event a moment ago; None when it read
    nothing lately, the event is not open for registration or its form is not kept."""
    snapshot = _recent_open_event(slug, now)
    return None if snapshot is None else _blank_forms.find(_blank_form_key(snapshot), _own_values())


def _blank_form(event: Event, snapshot: registrations.EventSnapshot) -> str:
    left = registrations.places_left(snapshot, snapshot.confirmed)
    own = _own_values()

    def render() -> str:
        form = registration_form_for(event.questions)
        form.form_shown.data = own["form_shown"]
        return render_template("public/register.html", event=event, form=form, closed_reason=None, error=None,
                               places_left=left)

    return _blank_forms.page(_blank_form_key(snapshot), render, own=own)


def _blank_form_key(snapshot: registrations.EventSnapshot) -> tuple:
    # Everything the page shows: the event (any change to it, its meetings or questions moves its
    # version), the language, whether it is full, and the query string (the language links).
    full = registrations.places_left(snapshot, snapshot.confirmed) == 0
    return snapshot.id, snapshot.version, current_language(), full, request.query_string


def _own_values() -> dict[str, str]:
    """The visitor's own values on a kept form: their CSRF token and the signed time it was shown."""
    if "blank_form_own" not in g:
        g.blank_form_own = {"csrf_token": generate_csrf(), "form_shown": form_guard.new_stamp()}
    return g.blank_form_own


def attendee_from(form: RegistrationForm, answers: dict[int, str]) -> registrations.Attendee:
    return registrations.Attendee(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        organisation=form.organisation.data,
        organisation_kind=form.organisation_kind.data or None,
        job_title=form.job_title.data or "",
        phone=form.phone.data or "",
        dietary=form.dietary.data or "",
        org_number=form.org_number.data or "",
        invoice_reference=form.invoice_reference.data or "",
        language=current_language(),
        invoice_street=form.invoice_street.data or "",
        invoice_postcode=form.invoice_postcode.data or "",
        invoice_city=form.invoice_city.data or "",
        invoice_address=form.invoice_address.data or "",
        peppol_id=form.peppol_id.data or "",
        answers=answers,
    )


@bp.get("/events/<slug>/registered")
def registered(slug: str):
    event = published_event_or_404(slug)
    remembered = session.get("registration") or {}
    registration = db.session.get(Registration, remembered["id"]) if remembered.get("id") else None
    if registration is None or registration.event_id != event.id:
        return redirect(url_for(".event_page", slug=slug))
    return render_template("public/registered.html", event=event, registration=registration,
                           token=remembered.get("token"),
                           position=registrations.waitlist_position(registration))
