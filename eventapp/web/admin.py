"""The organisers' back office: the overview, the archive and managing events. Attendee lists,
exports and statistics are in ``admin_attendees``, on the same blueprint."""
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import FieldList

from ..database import utcnow
from ..forms import CancelEventForm, ConfirmForm, CopyEventForm, EventForm, registration_form_for
from ..models import Event, Role
from ..services import event_editor
from ..services import events as event_service
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
    now = utcnow()
    events = event_service.coming_events(now)
    archive = event_service.past_events(now)
    counts = registrations.status_counts([e.id for e in events])
    return render_template("admin/dashboard.html", events=events, counts=counts, archived=archive.total)


@bp.get("/archive")
def archive():
    query = request.args.get("q", "")[:200]
    page = request.args.get("page", "1")
    found = event_service.past_events(utcnow(), query, int(page) if page.isascii() and page.isdigit() else 1)
    counts = registrations.status_counts([e.id for e in found.events])
    return render_template("admin/archive.html", found=found, counts=counts, query=query)


def show_errors(form, error: DomainError) -> str | None:
    """Put a service's complaints beside the form's fields; return what belongs to no field."""
    fields = error.errors if isinstance(error, ValidationFailed) else {error.field: [str(error)]}
    loose = []
    for name, messages in fields.items():
        field = form.field_named(name) if name else None
        if isinstance(field, FieldList):
            form.list_errors[name] = [str(m) for m in messages]
        elif field is not None:
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            loose.extend(str(m) for m in messages)
    return " ".join(loose) or None


def _editor_page(event: Event | None):
    """The event editor, for a new event (``event`` None) or an existing one.

    A row button (add, move, remove a row of the programme, meetings or questions) sends the whole
    form back to be shown again with the row changed, so the editor works without JavaScript;
    nothing is saved until the form is sent with its save button.
    """
    focus = None
    row_action = request.method == "POST" and "row_action" in request.form
    if row_action:
        changed = EventForm.with_row_action(request.form, request.form["row_action"])
        if changed is None:
            abort(400)
        formdata, focus = changed
        form = EventForm(formdata=formdata)
    elif request.method == "GET":
        form = EventForm(data=event_editor.values_of(event) if event else event_editor.new_event_values())
    else:
        form = EventForm()
    error = None
    if not row_action and form.validate_on_submit():
        now = utcnow()
        try:
            saved = event_editor.save(event.slug if event else None, form.data, actor=current_user, now=now)
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            if event is None:
                flash(_("The event was created. It is not published yet."), "success")
            else:
                flash(_("Your changes were saved.") if saved.changed else _("Nothing was changed."), "success")
                if saved.promoted:
                    flash(_("%(num)d people moved up from the waiting list.", num=len(saved.promoted)), "success")
            return redirect(url_for(".event_overview", slug=saved.event.slug))
    status = 422 if request.method == "POST" and not row_action else 200
    return render_template("admin/event_form.html", form=form, event=event, error=error, focus=focus,
                           blank_rows=_blank_rows()), status


def _blank_rows() -> dict:
    """A blank row of each list, for the page's script to copy when a row is added."""
    blank = EventForm(formdata=None, data={name: [{}] for name in EventForm.ROW_LISTS}, meta={"csrf": False})
    return {name: blank[name].entries[0] for name in EventForm.ROW_LISTS}


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    return _editor_page(None)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
def edit_event(slug: str):
    return _editor_page(event_or_404(slug))


# The event as visitors will see it -------------------------------------------------------------------


def _preview_of(slug: str) -> event_service.Preview:
    try:
        return event_service.preview(slug, utcnow())
    except NotFound:
        abort(404)


def _not_indexed(page: str) -> Response:
    response = make_response(page)
    # A preview is for staff; search engines must not keep it even if a link to it leaks.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/events/<slug>/preview")
def preview_event(slug: str):
    shown = _preview_of(slug)
    return _not_indexed(render_template("public/event.html", event=shown.event, preview=True,
                                        closed_reason=shown.closed_reason, places_left=shown.places_left))


@bp.get("/events/<slug>/preview/register")
def preview_registration(slug: str):
    shown = _preview_of(slug)
    form = registration_form_for(shown.event.questions, shown.event.choosable_sessions)
    return _not_indexed(render_template("public/register.html", event=shown.event, form=form, preview=True,
                                        closed_reason=shown.closed_reason, places_left=shown.places_left,
                                        error=None))


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
        form.starts_at.data = event_editor.to_local(event.starts_at + timedelta(weeks=4))
    error = None
    if form.validate_on_submit():
        now = utcnow()
        try:
            copy = event_service.copy_event(event.id, event_editor.to_utc(form.starts_at.data), actor=current_user,
                                            now=now)
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


from . import admin_attendees, admin_email_texts, admin_groups, admin_messages  # noqa: E402, F401  (their views belong to this blueprint)
