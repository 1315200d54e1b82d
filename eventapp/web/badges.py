"""Name badges in the back office: choose, preview, render in the background, download; one badge
for a walk-in at the door."""
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import jobs
from ..database import utcnow
from ..exports.badge_layouts import LAYOUTS
from ..forms import BadgeForm, BadgeLogoForm, ConfirmForm, WalkInBadgeForm
from ..models import BadgeRunStatus, Role
from ..security import accepts_larger_requests
from ..services import badges, events, staff
from ..services.badges import BadgeOptions
from ..services.errors import DomainError, NotFound, ValidationFailed
from .downloads import send_bytes

bp = Blueprint("badges", __name__, url_prefix="/admin/events/<slug>/badges")


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def event_or_404(slug: str):
    try:
        return events.get_event(slug)
    except NotFound:
        abort(404)


def _options(form: BadgeForm) -> BadgeOptions:
    return BadgeOptions(layout=form.layout.data, sort=form.sort.data, only_new=form.selection.data == "new",
                        back_text=form.back_text.data or "", agenda_on_back=bool(form.agenda.data),
                        sessions_on_badge=bool(form.sessions.data))


def _page(event, form, error=None, status=200, logo_form=None):
    preview_args = {field.name: field.data for field in form if field.name != "csrf_token" and field.data}
    if not form.errors:
        preview_args["selection"] = form.selection.data
    return render_template("badge_admin/page.html", event=event, form=form, error=error,
                           overview=badges.overview(event.id), preview_args=preview_args,
                           logo_form=logo_form or BadgeLogoForm()), status


def _get_form() -> BadgeForm:
    """The options as a GET query (preview, page): no CSRF token, nothing changes."""
    return BadgeForm(formdata=request.args or None, meta={"csrf": False}, layouts=LAYOUTS, sorts=badges.SORTS)


@bp.get("/")
@role_required(Role.ORGANISER)
def badge_page(slug: str):
    event = event_or_404(slug)
    form = _get_form()
    if request.args:
        form.validate()
    return _page(event, form)


@bp.post("/")
@role_required(Role.ORGANISER)
def start_badge_run(slug: str):
    event = event_or_404(slug)
    form = BadgeForm(layouts=LAYOUTS, sorts=badges.SORTS)
    if not form.validate_on_submit():
        return _page(event, form, status=422)
    try:
        run = badges.start_run(event.id, _options(form), actor=current_user, now=utcnow())
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            form[field].errors.extend(str(m) for m in messages)
        return _page(event, form, status=422)
    except DomainError as error:
        return _page(event, form, error=str(error), status=422)
    jobs.render_badge_run(run.id)
    return redirect(url_for(".run_page", slug=slug, run_id=run.id), 303)


#: A photo too large for a logo gets the service's "at most 2 MB" beside the field, not a bare 413.
LOGO_REQUEST_MAX_BYTES = 25 * 1024 * 1024


@bp.post("/logo")
@accepts_larger_requests(LOGO_REQUEST_MAX_BYTES)
@role_required(Role.ORGANISER)
def upload_logo(slug: str):
    event = event_or_404(slug)
    form = BadgeLogoForm()
    if form.validate_on_submit():
        try:
            badges.set_logo(event.id, form.logo.data.read(badges.LOGO_MAX_BYTES + 1), actor=current_user,
                            now=utcnow())
        except ValidationFailed as error:
            form.logo.errors = [str(message) for message in error.errors["logo"]]
        else:
            flash(_("The logo is saved and printed on every badge."), "success")
            return redirect(url_for(".badge_page", slug=slug), 303)
    return _page(event, _get_form(), logo_form=form, status=422)


@bp.post("/logo/delete")
@role_required(Role.ORGANISER)
def remove_logo(slug: str):
    event = event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    badges.remove_logo(event.id, actor=current_user, now=utcnow())
    flash(_("The badges are printed without a logo."), "success")
    return redirect(url_for(".badge_page", slug=slug), 303)


@bp.get("/preview.png")
@role_required(Role.ORGANISER)
def preview(slug: str):
    event = event_or_404(slug)
    form = _get_form()
    if request.args and not form.validate():
        abort(400)
    try:
        png = badges.preview(event.id, _options(form))
    except DomainError:
        abort(404)
    return current_app.response_class(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/runs/<int:run_id>")
@role_required(Role.ORGANISER)
def run_page(slug: str, run_id: int):
    event = event_or_404(slug)
    try:
        run = badges.run_for(event.id, run_id, utcnow())
    except NotFound:
        abort(404)
    response = current_app.make_response(render_template("badge_admin/run.html", event=event, run=run))
    if run.status in (BadgeRunStatus.QUEUED, BadgeRunStatus.RUNNING):
        response.headers["Refresh"] = "2"  # the page follows the progress without JavaScript
    return response


@bp.get("/runs/<int:run_id>.pdf")
@role_required(Role.ORGANISER)
def run_pdf(slug: str, run_id: int):
    event = event_or_404(slug)
    try:
        pdf = badges.run_pdf(event.id, run_id)
    except NotFound:
        abort(404)
    return send_bytes(pdf, f"namnbrickor-{event.slug}-{run_id}.pdf", "application/pdf")


@bp.route("/registration/<int:registration_id>.pdf", methods=["GET", "POST"])
@role_required(Role.ORGANISER, Role.CHECKIN)
def walk_in_badge(slug: str, registration_id: int):
    """GET shows the print button; POST renders the badge and records it as printed."""
    event = event_or_404(slug)
    if not staff.may_check_in(current_user, event, utcnow()):  # volunteers: only at their events' open doors
        abort(403)
    registration = badges.registration_of(event.id, registration_id)
    if registration is None:
        abort(404)
    form = WalkInBadgeForm(layouts=LAYOUTS)
    error = None
    if form.validate_on_submit():
        try:
            pdf = badges.print_single_badge(event.id, registration_id, form.layout.data,
                                            actor=current_user, now=utcnow())
        except DomainError as exc:
            error = str(exc)
        else:
            return send_bytes(pdf, f"namnbricka-{registration.check_in_code}.pdf", "application/pdf")
    status = 422 if request.method == "POST" else 200
    return render_template("badge_admin/walk_in.html", event=event, registration=registration, form=form,
                           error=error), status

