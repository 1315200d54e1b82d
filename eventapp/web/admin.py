"""The organisers' back office: the dashboard and managing events. Attendee lists, exports and
statistics are in ``admin_attendees``, on the same blueprint."""
import re
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..database import utcnow
from ..extensions import db
from ..forms import CancelEventForm, ConfirmForm, CopyEventForm, EventForm
from ..localtime import STOCKHOLM, end_of_day, local_date
from ..models import Event, Role
from ..services import events as event_service
from ..services import questions as question_service
from ..services import registration as registrations
from ..services.errors import DomainError, NotFound, ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_organiser():
    if not current_user.has_role(Role.ORGANISER):
        abort(403)


def event_or_404(slug: str) -> Event:
    try:
        return event_service.get_event(slug)
    except NotFound:
        abort(404)


@bp.get("/")
def dashboard():
    events = list(db.session.scalars(select(Event).order_by(Event.starts_at.desc())))
    counts = registrations.status_counts([e.id for e in events])
    return render_template("admin/dashboard.html", events=events, counts=counts)


# Between the form's local wall-clock times and the service's UTC -----------------------------------


def to_utc(local: datetime | None) -> datetime | None:
    return local.replace(tzinfo=STOCKHOLM).astimezone(UTC) if local is not None else None


def to_local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(STOCKHOLM).replace(tzinfo=None) if moment is not None else None


def last_day(deadline: datetime | None):
    """The last day a midnight deadline leaves open."""
    return local_date(deadline - timedelta(microseconds=1)) if deadline is not None else None


def agenda_text(event: Event) -> str:
    """The programme as the form shows it: "08:30 | Title | Speakers" per line."""
    lines = []
    for item in event.agenda:
        parts = [to_local(item.starts_at).strftime("%H:%M"), item.title]
        if item.speakers:
            parts.append(item.speakers)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_agenda(text: str, day) -> list[event_service.AgendaData]:
    """Lines "08:30 | Title | Speakers" on the event's first day; raises ValueError with the line number."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        try:
            clock = datetime.strptime(parts[0].replace(".", ":"), "%H:%M").time()
        except ValueError:
            raise ValueError(number) from None
        if len(parts) < 2 or not parts[1] or len(parts[1]) > 200 or len(" ".join(parts[2:])) > 500:
            raise ValueError(number)
        starts = datetime.combine(day, clock).replace(tzinfo=STOCKHOLM).astimezone(UTC)
        items.append(event_service.AgendaData(starts, parts[1], " | ".join(parts[2:])))
    return items


MEETING_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}[:.]\d{2})\s*[-–]\s*(\d{1,2}[:.]\d{2})$")


def sessions_text(event: Event) -> str:
    """The meetings as the form shows them: "2027-02-03 13:00–14:00 | Title | Venue" per line."""
    lines = []
    for meeting in event.sessions:
        starts, ends = to_local(meeting.starts_at), to_local(meeting.ends_at)
        parts = [f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}", meeting.title]
        if meeting.venue:
            parts.append(meeting.venue)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_sessions(text: str) -> list[event_service.SessionData]:
    """Lines "2027-02-03 13:00–14:00 | Title | Venue"; raises ValueError with the line number."""
    meetings = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        match = MEETING_RE.match(parts[0])
        if not match or len(parts) < 2 or not parts[1] or len(parts[1]) > 200 or len(parts) > 3 \
                or len(parts[-1]) > 200:
            raise ValueError(number)
        day, start, end = match.groups()
        try:
            starts = datetime.strptime(f"{day} {start.replace('.', ':')}", "%Y-%m-%d %H:%M")
            ends = datetime.strptime(f"{day} {end.replace('.', ':')}", "%Y-%m-%d %H:%M")
        except ValueError:
            raise ValueError(number) from None
        meetings.append(event_service.SessionData(parts[1], to_utc(starts), to_utc(ends),
                                                  parts[2] if len(parts) > 2 else ""))
    return meetings


def questions_text(event: Event) -> str:
    """The questions as the form shows them: "* Question | choice | choice" per line."""
    return "\n".join(("* " if q.required else "") + " | ".join([q.text, *q.choices]) for q in event.questions)


def parse_questions(text: str) -> list[question_service.QuestionData]:
    questions = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        required = line.startswith("*")
        parts = [part.strip() for part in line.lstrip("*").split("|")]
        questions.append(question_service.QuestionData(parts[0], [p for p in parts[1:] if p], required))
    return questions


def form_for(event: Event) -> EventForm:
    form = EventForm(obj=event)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at"):
            form[name].data = to_local(getattr(event, name))
        form.last_registration_day.data = last_day(event.registration_deadline)
        form.last_cancellation_day.data = last_day(event.cancellation_deadline)
        form.price.data = event.price
        form.no_show_fee.data = event.no_show_fee
        form.series.data = event.series.name if event.series else ""
        form.agenda.data = agenda_text(event)
        form.sessions.data = sessions_text(event)
        form.questions.data = questions_text(event)
    return form


def posted_text(field) -> str | None:
    """A text area's posted value; None when it was not sent (the event's own list is then kept)."""
    return field.data if isinstance(field.data, str) else None


def event_data(form: EventForm, now: datetime) -> event_service.EventData:
    starts_at = to_utc(form.starts_at.data)
    agenda = sessions = questions = None
    if posted_text(form.agenda) is not None:
        try:
            agenda = parse_agenda(form.agenda.data, form.starts_at.data.date())
        except ValueError as error:
            raise ValidationFailed({"agenda": [_("Line %(num)s: write a time, a title and optionally speakers, "
                                                 "like 08:30 | Welcome | Anna Andersson.",
                                                 num=error.args[0])]}) from None
    if posted_text(form.sessions) is not None:
        try:
            sessions = parse_sessions(form.sessions.data)
        except ValueError as error:
            raise ValidationFailed({"sessions": [_("Line %(num)s: write a date, the times and a title, like "
                                                   "2027-02-03 13:00–14:00 | Meeting 1 | Room 2.",
                                                   num=error.args[0])]}) from None
    if posted_text(form.questions) is not None:
        questions = parse_questions(form.questions.data)
    return event_service.EventData(
        title=form.title.data, kind=form.kind.data, series=form.series.data or None, theme=form.theme.data or "",
        description=form.description.data or "", organiser_name=form.organiser_name.data or "",
        organiser_email=form.organiser_email.data or "", venue=form.venue.data or "",
        address=form.address.data or "", city=form.city.data or "",
        starts_at=starts_at, ends_at=to_utc(form.ends_at.data),
        registration_opens_at=to_utc(form.registration_opens_at.data) or now,
        registration_deadline=end_of_day(form.last_registration_day.data),
        cancellation_deadline=end_of_day(form.last_cancellation_day.data) if form.last_cancellation_day.data
        else None,
        capacity=form.capacity.data, waitlist_enabled=form.waitlist_enabled.data,
        price=form.price.data or 0, no_show_fee=form.no_show_fee.data or 0,
        charge_late_cancellation=form.charge_late_cancellation.data, fee_notice=form.fee_notice.data or "",
        agenda=agenda, sessions=sessions, questions=questions,
        reminder_days=form.reminder_days.data if form.reminder_days.data is not None else 2,
    )


def show_errors(form, error: DomainError) -> str | None:
    """Put a service's complaints beside the form's fields; return what belongs to no field."""
    fields = error.errors if isinstance(error, ValidationFailed) else {error.field: [str(error)]}
    loose = []
    aliases = {"registration_deadline": "last_registration_day", "cancellation_deadline": "last_cancellation_day"}
    for name, messages in fields.items():
        name = aliases.get(name, name)
        if name and name in form:
            form[name].errors = list(form[name].errors) + [str(m) for m in messages]
        else:
            loose.extend(str(m) for m in messages)
    return " ".join(loose) or None


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm()
    if request.method == "GET":
        form.waitlist_enabled.data = True
        form.charge_late_cancellation.data = True
        form.organiser_name.data = ""
    error = None
    if form.validate_on_submit():
        now = utcnow()
        try:
            saved = event_service.save_event(None, event_data(form, now), actor=current_user, now=now)
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("The event was created. It is not published yet."), "success")
            return redirect(url_for(".event_overview", slug=saved.event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/event_form.html", form=form, event=None, error=error), status


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
def edit_event(slug: str):
    event = event_or_404(slug)
    form = form_for(event)
    error = None
    if form.validate_on_submit():
        now = utcnow()
        try:
            data = event_data(form, now)
            data.published = event.published
            if form.registration_opens_at.data is None:
                data.registration_opens_at = event.registration_opens_at
            saved = event_service.save_event(slug, data, actor=current_user, now=now)
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("Your changes were saved.") if saved.changed else _("Nothing was changed."), "success")
            if saved.promoted:
                flash(_("%(num)d people moved up from the waiting list.", num=len(saved.promoted)), "success")
            return redirect(url_for(".event_overview", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/event_form.html", form=form, event=event, error=error), status


@bp.get("/events/<slug>")
def event_overview(slug: str):
    event = event_or_404(slug)
    counts = registrations.status_counts([event.id])[event.id]
    return render_template("admin/event.html", event=event, counts=counts, form=ConfirmForm())


@bp.route("/events/<slug>/copy", methods=["GET", "POST"])
def copy_event(slug: str):
    event = event_or_404(slug)
    form = CopyEventForm()
    if request.method == "GET":
        form.starts_at.data = to_local(event.starts_at + timedelta(weeks=4))
    error = None
    if form.validate_on_submit():
        now = utcnow()
        try:
            copy = event_service.copy_event(event.id, to_utc(form.starts_at.data), actor=current_user, now=now)
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("The copy was created. Check it and publish it when it is ready."), "success")
            return redirect(url_for(".edit_event", slug=copy.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/event_copy.html", form=form, event=event, error=error), status


@bp.post("/events/<slug>/publish")
def publish_event(slug: str):
    return _set_published(slug, True)


@bp.post("/events/<slug>/unpublish")
def unpublish_event(slug: str):
    return _set_published(slug, False)


def _set_published(slug: str, publish: bool):
    event = event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        event_service.set_published(event.id, publish, actor=current_user, now=utcnow())
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The event is published.") if publish else _("The event is no longer published."), "success")
    return redirect(url_for(".event_overview", slug=slug))


@bp.route("/events/<slug>/cancel", methods=["GET", "POST"])
def cancel_event(slug: str):
    event = event_or_404(slug)
    form = CancelEventForm()
    error = None
    if form.validate_on_submit():
        try:
            event_service.cancel_event(event.id, actor=current_user, now=utcnow(), reason=form.reason.data or "")
        except DomainError as exc:
            error = str(exc)
        else:
            flash(_("The event is cancelled."), "success")
            return redirect(url_for(".event_overview", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/event_cancel.html", form=form, event=event, error=error), status


from . import admin_attendees, admin_groups  # noqa: E402, F401  (their views belong to this blueprint)
