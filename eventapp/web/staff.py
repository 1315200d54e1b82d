"""Staff accounts (/admin/staff, administrators only): invite, change role and events, deactivate."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import current_language
from ..database import utcnow
from ..forms import ConfirmForm, StaffEditForm, StaffInviteForm
from ..ids import parse_id
from ..models import Role
from ..services import staff_accounts
from ..services.errors import DomainError, NotFound
from .admin import show_errors

bp = Blueprint("staff", __name__, url_prefix="/admin/staff")


@bp.before_request
@login_required
def require_admin():
    if current_user.role != Role.ADMIN:
        abort(403)


def _with_events(form: StaffEditForm) -> StaffEditForm:
    """The events a volunteer can be given are the coming ones."""
    form.events.choices = [(event.id, event.title) for event in staff_accounts.door_events(utcnow())]
    return form


def _data(form: StaffEditForm, email: str) -> staff_accounts.StaffData:
    return staff_accounts.StaffData(email=email, name=form.name.data or "", role=form.role.data or "",
                                    event_ids=tuple(form.events.data or ()))


@bp.get("/")
def index():
    return render_template("staff/index.html", members=staff_accounts.staff_list(utcnow()))


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    form = _with_events(StaffInviteForm())
    if request.method == "GET":
        form.role.data = request.args.get("role") if request.args.get("role") in set(Role) else Role.ORGANISER
        event = parse_id(request.args.get("event"))
        form.events.data = [event] if event is not None else []
    error = None
    if form.validate_on_submit():
        try:
            user = staff_accounts.invite(_data(form, form.email.data), actor=current_user, now=utcnow(),
                                         language=current_language())
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("An invitation was sent to %(email)s. The link in it works for 7 days.", email=user.email),
                  "success")
            return redirect(url_for(".index"))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/form.html", form=form, member=None, error=error), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    try:
        member = staff_accounts.member(user_id, utcnow())
    except NotFound:
        abort(404)
    form = _with_events(StaffEditForm(obj=member.user))
    if request.method == "GET":
        form.events.data = [event.id for event in member.events]
    error = None
    if form.validate_on_submit():
        try:
            changed = staff_accounts.update_member(user_id, _data(form, member.user.email), actor=current_user,
                                                   now=utcnow())
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("Your changes were saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".index"))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/form.html", form=form, member=member, error=error,
                           confirm=ConfirmForm(formdata=None)), status


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _act(user_id, lambda: staff_accounts.set_active(user_id, False, actor=current_user, now=utcnow()),
                _("The account is deactivated: it can no longer log in."))


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _act(user_id, lambda: staff_accounts.set_active(user_id, True, actor=current_user, now=utcnow()),
                _("The account can log in again."))


@bp.post("/<int:user_id>/invite-again")
def invite_again(user_id: int):
    return _act(user_id, lambda: staff_accounts.invite_again(user_id, actor=current_user, now=utcnow(),
                                                             language=current_language()),
                _("A new invitation was sent. Links sent before no longer work."))


def _act(user_id: int, action, success: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action()
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(success, "success")
    return redirect(url_for(".edit", user_id=user_id))
