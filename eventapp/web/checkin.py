"""Check-in at the door (/checkin/<slug>): made for a phone, works without JavaScript.

Every action is a plain form post with its CSRF token that redirects back to the door page. The
page's script (static/checkin.js) sends the same forms in the background with
``Accept: application/json`` and gets the same outcome as JSON, with the rendered panels to show.
"""
from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import current_language
from ..database import utcnow
from ..extensions import db
from ..forms import AssignVolunteerForm, CheckinCodeForm, ConfirmForm, WalkInForm
from ..ids import parse_id
from ..models import Event, EventSession, Registration, Role
from ..security import allow_camera
from ..services import checkin, grouping, staff
from ..services.errors import DomainError
from ..services.events import get_event
from ..services.registration import Attendee
from . import ERROR_TITLES

bp = Blueprint("checkin", __name__, url_prefix="/checkin")
bp.after_request(allow_camera)  # the door page scans badges with the camera; no other page may use it


@bp.before_request
@login_required
def require_door_staff():
    if not current_user.has_role(Role.ORGANISER, Role.CHECKIN):
        abort(403)


def door_or_403(slug: str) -> Event:
    """The event, if the current user may work its door now; a 403 that says why otherwise."""
    try:
        event = get_event(slug)
    except DomainError:
        abort(404)
    try:
        staff.check_door_access(current_user, event, utcnow())
    except staff.DoorForbidden as refusal:
        abort(make_response(render_template("errors/error.html", title=ERROR_TITLES[403], message=str(refusal),
                                            code=403), 403))
    return event


def wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@bp.get("/")
def index():
    now = utcnow()
    return render_template("checkin/index.html", events=staff.events_at_the_door(current_user, now),
                           opens_later=lambda event: not staff.may_check_in(current_user, event, now),
                           closed_reason=lambda event: checkin.checkin_closed_reason(event, now))


#: The ``session`` value that works the door for the event as a whole.
WHOLE_EVENT = "all"


def meeting_at_the_door(event: Event) -> EventSession | None:
    """The meeting or session the door checks in to: the one chosen on the page (``session``), by
    default the meeting going on now; None for the event as a whole."""
    raw = request.values.get("session", "")
    if not event.sessions or raw == WHOLE_EVENT:
        return None
    chosen = parse_id(raw)
    for session in event.sessions:
        if session.id == chosen:
            return session
    return checkin.current_meeting(event, utcnow())


def _door_context(event: Event) -> dict:
    """What the door's lists show beside the people: the meeting checked in to, and everyone's group."""
    meeting = meeting_at_the_door(event)
    return {"meeting": meeting, "in_meeting": checkin.meeting_attendance(meeting) if meeting else {},
            "meeting_closed": checkin.meeting_closed_reason(meeting, utcnow()) if meeting else None,
            "groups": grouping.group_labels(event.id)}


@bp.get("/<slug>")
def door(slug: str):
    event = door_or_403(slug)
    query = request.args.get("q", "")[:200]
    last = _last_registration(event, request.args.get("last", ""))
    context = _door_context(event)
    meeting = context["meeting"]
    return render_template(
        "checkin/door.html", event=event, query=query, form=CheckinCodeForm(formdata=None),
        results=checkin.search(event.id, query), counts=checkin.door_counts(event.id, meeting), last=last,
        closed_reason=checkin.checkin_closed_reason(event, utcnow()), action_form=ConfirmForm(formdata=None),
        waiting=checkin.not_arrived(event.id, meeting), shown=NOT_ARRIVED_SHOWN, whole_event=WHOLE_EVENT,
        last_group=grouping.seat_of(last.id) if last is not None else None, **context,
    )


#: The list of who has not arrived shows this many; a search finds the rest.
NOT_ARRIVED_SHOWN = 300


@bp.get("/<slug>/not-arrived")
def not_arrived(slug: str):
    """The list of who has not arrived yet alone, for the page's script to refresh after a check-in."""
    event = door_or_403(slug)
    context = _door_context(event)
    return render_template("checkin/_not_arrived.html", event=event,
                           waiting=checkin.not_arrived(event.id, context["meeting"]),
                           shown=NOT_ARRIVED_SHOWN, action_form=ConfirmForm(formdata=None), **context)


@bp.get("/<slug>/results")
def results(slug: str):
    """The search results alone, for the live search."""
    event = door_or_403(slug)
    query = request.args.get("q", "")[:200]
    return render_template("checkin/_results.html", event=event, query=query,
                           results=checkin.search(event.id, query), action_form=ConfirmForm(formdata=None),
                           **_door_context(event))


@bp.post("/<slug>/code")
def check_in_by_code(slug: str):
    event = door_or_403(slug)
    form = CheckinCodeForm()
    if not form.validate():
        return _outcome(event, None, error=" ".join(str(e) for e in form.code.errors)
                        or _("Scan the badge or type its code."))
    try:
        result = checkin.check_in_by_code(event.id, form.code.data, actor=current_user, now=utcnow(),
                                          session_id=_session_id(event))
    except DomainError as error:
        return _outcome(event, None, error=str(error))
    return _outcome(event, result.registration, message=result.message, already=result.already)


@bp.post("/<slug>/registrations/<int:registration_id>")
def check_in(slug: str, registration_id: int):
    event = door_or_403(slug)
    if not ConfirmForm().validate():
        abort(400)
    try:
        result = checkin.check_in(event.id, registration_id, actor=current_user, now=utcnow(),
                                  session_id=_session_id(event))
    except DomainError as error:
        return _outcome(event, None, error=str(error))
    return _outcome(event, result.registration, message=result.message, already=result.already)


@bp.post("/<slug>/registrations/<int:registration_id>/undo")
def undo(slug: str, registration_id: int):
    event = door_or_403(slug)
    if not ConfirmForm().validate():
        abort(400)
    try:
        registration = checkin.undo_check_in(event.id, registration_id, actor=current_user, now=utcnow(),
                                             session_id=_session_id(event))
    except DomainError as error:
        return _outcome(event, None, error=str(error))
    return _outcome(event, registration, message=_("The check-in of %(name)s is undone.",
                                                   name=registration.full_name))


@bp.route("/<slug>/walk-in", methods=["GET", "POST"])
def walk_in(slug: str):
    event = door_or_403(slug)
    form = WalkInForm()
    error = None
    if form.validate_on_submit():
        person = Attendee(
            first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
            organisation=form.organisation.data, job_title=form.job_title.data or "", phone=form.phone.data or "",
            dietary=form.dietary.data or "", language=current_language(),
        )
        try:
            result = checkin.register_walk_in(event.id, person, actor=current_user, now=utcnow(),
                                              session_id=_session_id(event))
        except DomainError as exc:
            if exc.field and exc.field in form:
                form[exc.field].errors.append(str(exc))
            else:
                error = str(exc)
        else:
            flash(result.message, "success")
            meeting = meeting_at_the_door(event)
            return redirect(url_for(".door", slug=slug, last=result.registration.id,
                                    session=(meeting.id if meeting else WHOLE_EVENT) if event.sessions else None))
    meeting = meeting_at_the_door(event)
    return render_template("checkin/walk_in.html", event=event, form=form, error=error, meeting=meeting,
                           whole_event=WHOLE_EVENT, counts=checkin.door_counts(event.id, meeting)), \
        (422 if request.method == "POST" else 200)


@bp.route("/<slug>/staff", methods=["GET", "POST"])
def volunteers(slug: str):
    """Organisers choose which check-in accounts may work this event's door."""
    if not current_user.has_role(Role.ORGANISER):
        abort(403)
    event = door_or_403(slug)
    form = AssignVolunteerForm()
    form.email.choices = [("", _("Choose…"))] + [(u.email, u.name or u.email)
                                                  for u in staff.unassigned_volunteers(event.id)]
    if form.validate_on_submit():
        try:
            user = staff.assign_volunteer(event.id, form.email.data, actor=current_user, now=utcnow())
        except DomainError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("%(email)s can now check people in at this event.", email=user.email), "success")
            return redirect(url_for(".volunteers", slug=slug))
    return render_template("checkin/staff.html", event=event, form=form, volunteers=staff.volunteers(event.id),
                           remove_form=ConfirmForm(formdata=None)), (422 if form.errors else 200)


@bp.post("/<slug>/staff/<int:user_id>/remove")
def remove_volunteer(slug: str, user_id: int):
    if not current_user.has_role(Role.ORGANISER):
        abort(403)
    event = door_or_403(slug)
    if not ConfirmForm().validate():
        abort(400)
    try:
        staff.unassign_volunteer(event.id, user_id, actor=current_user, now=utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("The volunteer no longer has access to this event's check-in."), "success")
    return redirect(url_for(".volunteers", slug=slug))


def _session_id(event: Event) -> int | None:
    meeting = meeting_at_the_door(event)
    return meeting.id if meeting is not None else None


def _last_registration(event: Event, raw_id: str) -> Registration | None:
    registration_id = parse_id(raw_id)
    if registration_id is None:
        return None
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event.id else None


def _outcome(event: Event, registration: Registration | None, *, message: str | None = None,
             error: str | None = None, already: bool = False):
    """The same outcome for the script (JSON with the panels to show) and for a plain form (redirect)."""
    context = _door_context(event)
    if wants_json():
        counts = checkin.door_counts(event.id, context["meeting"])
        group = grouping.seat_of(registration.id) if registration is not None else None
        panel = render_template("checkin/_last.html", event=event, last=registration, message=message, error=error,
                                already=already, action_form=ConfirmForm(formdata=None), last_group=group,
                                **context)
        body = {"ok": error is None, "message": error or message, "already": already, "panel": panel,
                "group": group.label if group is not None else None,
                "counts": {"checked_in": counts.checked_in, "expected": counts.expected},
                "counts_text": render_template("checkin/_counts.html", counts=counts)}
        return jsonify(body), (200 if error is None else 422)
    flash(error or message, "error" if error else ("info" if already else "success"))
    target = {"slug": event.slug}
    if registration is not None:
        target["last"] = registration.id
    query = request.form.get("q", "")[:200]
    if query:
        target["q"] = query
    if event.sessions:
        target["session"] = context["meeting"].id if context["meeting"] else WHOLE_EVENT
    return redirect(url_for(".door", **target))
