"""Public pages: the event list, an event, the registration form and its confirmation."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from .. import current_language, form_guard
from ..database import utcnow
from ..extensions import db, limiter
from ..forms import RegistrationForm, ResendForm, answers_from, registration_form_for
from ..models import Booking, Event, Registration
from ..security import registration_limit, resend_limit
from ..services import group_booking, questions, self_service, sessions
from ..services import registration as registrations
from ..services.errors import DomainError, ValidationFailed
from .kept_pages import KeptPages

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
    now = utcnow()
    events = list(db.session.scalars(
        select(Event).where(Event.published.is_(True), Event.ends_at > now).order_by(Event.starts_at)
    ))
    counts = registrations.status_counts([e.id for e in events])
    return render_template("public/index.html", events=events, counts=counts, now=now,
                           is_open=registrations.is_registration_open)


@bp.get("/events/<slug>")
def event_page(slug: str):
    event, confirmed = published_event_and_confirmed_or_404(slug)
    now = utcnow()
    return render_template(
        "public/event.html", event=event, now=now,
        closed_reason=registrations.registration_closed_reason(event, now),
        places_left=registrations.places_left(event, confirmed), resend_form=ResendForm(formdata=None),
    )


@bp.route("/events/<slug>/resend", methods=["GET", "POST"])
@limiter.limit(resend_limit, methods=["POST"])
def resend(slug: str):
    """"Lost your confirmation?": the same answer for any address; a registered one gets its link."""
    event = published_event_or_404(slug)
    form = ResendForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("public/resend.html", event=event, form=form), status
    self_service.send_link(event.id, form.email.data, utcnow())
    return render_template("public/link_sent.html", event=event, email=form.email.data, registering=False)


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(registration_limit, methods=["POST"])
def register(slug: str):
    now = utcnow()
    sent = request.method == "POST"
    event, confirmed = published_event_and_confirmed_or_404(slug, with_questions=sent)
    closed_reason = registrations.registration_closed_reason(event, now)
    if not sent:
        if closed_reason is None and not current_user.is_authenticated and not session.get("_flashes"):
            return _blank_form(event, confirmed)
        form = form_for(event)
        form.form_shown.data = form_guard.new_stamp()
        return _form_page(event, form, closed_reason)
    form = form_for(event)
    answers = answers_from(form, event.questions)
    valid = closed_reason is None and form.validate_on_submit()
    # Wrong answers and picks are shown together with the form's other complaints, not after them.
    wrong_answers = questions.check_answers(event, answers)
    picked = _picked_sessions(form, event)
    if isinstance(picked, dict):
        wrong_answers = {**wrong_answers, **picked}
    _put_beside_fields(form, wrong_answers)
    if not valid or wrong_answers:
        return _form_page(event, form, closed_reason), 422
    booking = booking_from(form, answers, picked)
    if group_booking.is_booking(event, booking):
        try:
            booked = group_booking.book(event.id, booking, now)
        except DomainError as error:
            return _form_page(event, form, None, _shown_beside_fields(form, error)), 422
        _say_full_sessions(booked.full_sessions)
        if not booked.created and (session.get("booking") or {}).get("id") != booked.booking_id:
            # The same booking was made before, in another browser: nothing of it is shown here; the
            # booker's own address gets its link, as a person registering again does.
            self_service.send_link(event.id, form.email.data, now)
            session["registration"] = {"id": None, "event": event.id, "link_sent_to": form.email.data}
            return redirect(url_for(".registered", slug=slug))
        session["booking"] = {"id": booked.booking_id}
        return redirect(url_for(".booked", slug=slug))
    try:
        result = registrations.register_attendee(event.id, booking.booker, now)
    except DomainError as error:
        return _form_page(event, form, None, _shown_beside_fields(form, error)), 422
    _say_full_sessions(result.full_sessions)
    remembered = session.get("registration", {})
    same = remembered.get("id") == result.registration_id
    if not result.created and not same:
        # The address is registered already, by someone else as far as this session knows: nothing
        # of theirs is shown; the address itself gets its link.
        self_service.send_link(event.id, form.email.data, now)
        session["registration"] = {"id": None, "event": event.id, "link_sent_to": form.email.data}
        return redirect(url_for(".registered", slug=slug))
    token = result.token or (remembered.get("token") if same else None)
    session["registration"] = {"id": result.registration_id, "token": token}
    return redirect(url_for(".registered", slug=slug))


def _say_full_sessions(titles: list[str]) -> None:
    for title in titles:
        flash(_("%(session)s filled up while you registered: your registration is stored without it. You can "
                "pick another session from your personal link.", session=title), "warning")


def form_for(event: Event, *, full: set[int] | None = None) -> RegistrationForm:
    """The event's registration form: its questions and its sessions to choose."""
    choosable = event.choosable_sessions
    if choosable and full is None:
        full = sessions.full_sessions(event)
    return registration_form_for(event.questions, choosable, full or frozenset())


def _picked_sessions(form: RegistrationForm, event: Event) -> tuple[int, ...] | dict:
    """The ids of the sessions picked, or {field: messages} when a pick cannot be had (nothing is
    stored then, and the rest of the form is kept)."""
    if "sessions" not in form:
        return ()
    try:
        ids = sessions.session_ids(form.sessions.data)
        return tuple(s.id for s in sessions.check_picks(event, ids))
    except ValidationFailed as refused:
        return refused.errors


def _shown_beside_fields(form: RegistrationForm, error: DomainError) -> str | None:
    """Put the error's messages beside their fields; the message that belongs to none, if any."""
    fields = getattr(error, "errors", None) or {error.field: [str(error)]}
    return str(error) if _put_beside_fields(form, fields) else None


def _put_beside_fields(form: RegistrationForm, errors: dict[str | None, list]) -> bool:
    """Add ``errors`` ({field name: messages}) to the form's fields; whether any belongs to none."""
    unplaced = False
    for name, messages in errors.items():
        field = form.field_named(name) if name else None
        if field is not None and field.type != "FieldList":
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            unplaced = True
    return unplaced


def colleague_rows_asked() -> int:
    """The colleague rows the page's address asks for (``?colleagues=N``), 0 to the most a booking takes."""
    asked = request.args.get("colleagues", "")
    return min(int(asked), group_booking.MAX_COLLEAGUES) if asked.isascii() and asked.isdigit() and len(asked) < 4 \
        else 0


def with_colleague_rows(form: RegistrationForm, asked: int) -> RegistrationForm:
    """The form with the colleague rows asked for, and one empty row after those filled in; none for a
    person registering alone, so that the form stays as short as it was."""
    filled = len(form.filled_colleagues())
    wanted = min(max(asked, filled + 1 if filled else 0), group_booking.MAX_COLLEAGUES)
    while len(form.colleagues.entries) < wanted:
        form.colleagues.append_entry()
    return form


def _form_page(event: Event, form: RegistrationForm, closed_reason, error=None) -> str:
    with_colleague_rows(form, colleague_rows_asked())
    return render_template("public/register.html", event=event, form=form, closed_reason=closed_reason,
                           error=error, places_left=registrations.places_left(event))


#: The blank registration form as anonymous visitors see it while registration is open.
_blank_forms = KeptPages()


def _blank_form(event: Event, confirmed: int) -> str:
    """The blank form, rendered once per version of the event and kept (see ``KeptPages``)."""
    left = registrations.places_left(event, confirmed)
    own = {"csrf_token": generate_csrf(), "form_shown": form_guard.new_stamp()}
    asked = colleague_rows_asked()
    full = sessions.full_sessions(event)

    def render() -> str:
        form = with_colleague_rows(form_for(event, full=full), asked)
        form.form_shown.data = own["form_shown"]
        return render_template("public/register.html", event=event, form=form, closed_reason=None, error=None,
                               places_left=left)

    # Everything the page shows: the event (any change to it, its meetings or questions moves its
    # updated_at), the language, whether it is full, and the query string (the language links).
    key = (event.id, event.updated_at, current_language(), left == 0, tuple(sorted(full)), request.query_string)
    return _blank_forms.page(key, render, own=own)


def attendee_from(form: RegistrationForm, answers: dict[int, str], picked: tuple[int, ...] = ()
                  ) -> registrations.Attendee:
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
        sessions=picked,
    )


def booking_from(form: RegistrationForm, answers: dict[int, str], picked: tuple[int, ...] = ()
                 ) -> group_booking.BookingRequest:
    colleagues = [group_booking.Colleague(row.first_name.data or "", row.last_name.data or "", row.email.data or "",
                                          row.job_title.data or "", row.dietary.data or "", field=row.email.name)
                  for row in form.filled_colleagues()]
    return group_booking.BookingRequest(attendee_from(form, answers, picked), colleagues,
                                        booker_attending=not form.booker_not_attending.data,
                                        discount_code=form.discount_code.data or "")


@bp.get("/events/<slug>/booked")
def booked(slug: str):
    event = published_event_or_404(slug)
    remembered = session.get("booking") or {}
    booking = db.session.get(Booking, remembered["id"]) if remembered.get("id") else None
    if booking is None or booking.event_id != event.id:
        return redirect(url_for(".event_page", slug=slug))
    return render_template("public/booked.html", event=event, booking=booking,
                           people=group_booking.members(booking))


@bp.get("/events/<slug>/registered")
def registered(slug: str):
    event = published_event_or_404(slug)
    remembered = session.get("registration") or {}
    if remembered.get("link_sent_to") and remembered.get("event") == event.id:
        return render_template("public/link_sent.html", event=event, email=remembered["link_sent_to"],
                               registering=True)
    registration = db.session.get(Registration, remembered["id"]) if remembered.get("id") else None
    if registration is None or registration.event_id != event.id:
        return redirect(url_for(".event_page", slug=slug))
    return render_template("public/registered.html", event=event, registration=registration,
                           token=remembered.get("token"),
                           position=registrations.waitlist_position(registration))
