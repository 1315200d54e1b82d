"""The booker's group page (/g/<token>): who is booked, add a colleague, cancel one, send another instead."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import current_language
from ..database import utcnow
from ..extensions import limiter
from ..forms import ColleagueForm, ConfirmForm, TransferForm
from ..ids import parse_id
from ..security import personal_link_limit
from ..services import cancellation, group_booking
from ..services import registration as registrations
from ..services.errors import DomainError

bp = Blueprint("groups", __name__, url_prefix="/g")
limiter.limit(personal_link_limit)(bp)


def booking_or_404(token: str):
    booking = group_booking.find_by_token(token, utcnow())
    if booking is None:
        abort(404)
    return booking


def _page(booking, token: str, *, add_form=None, error=None, status=200):
    now = utcnow()
    event = booking.event
    return render_template(
        "groups/group.html", booking=booking, event=event, token=token, people=group_booking.members(booking),
        add_form=add_form or ColleagueForm(), can_change=now < event.starts_at,
        cancellation_free=cancellation.cancellation_is_free(event, now), error=error), status


def _show_field_errors(form, error: DomainError) -> str | None:
    fields = getattr(error, "errors", None) or {error.field: [str(error)]}
    unplaced = None
    for name, messages in fields.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [str(m) for m in messages]
        else:
            unplaced = str(error)
    return unplaced


@bp.get("/<token>")
def group_page(token: str):
    return _page(booking_or_404(token), token)


@bp.post("/<token>/add")
def add(token: str):
    booking = booking_or_404(token)
    form = ColleagueForm()
    if not form.validate_on_submit():
        return _page(booking, token, add_form=form, status=422)
    colleague = group_booking.Colleague(form.first_name.data, form.last_name.data, form.email.data,
                                        form.job_title.data or "", form.dietary.data or "")
    try:
        result = group_booking.add_member(booking, colleague, utcnow())
    except DomainError as error:
        return _page(booking, token, add_form=form, error=_show_field_errors(form, error), status=422)
    person = result.people[0]
    flash(_("%(name)s is booked: %(status)s.", name=person.name,
            status=_("confirmed") if person.status == "confirmed" else _("on the waiting list")), "success")
    return redirect(url_for(".group_page", token=token))


def _member_or_404(booking, registration_id: str):
    wanted = parse_id(registration_id)
    for person in group_booking.members(booking):
        if person.id == wanted:
            return person
    abort(404)


@bp.route("/<token>/people/<registration_id>/cancel", methods=["GET", "POST"])
def cancel(token: str, registration_id: str):
    booking = booking_or_404(token)
    person = _member_or_404(booking, registration_id)
    form = ConfirmForm()
    error = None
    now = utcnow()
    if form.validate_on_submit():
        try:
            result = group_booking.cancel_member(booking, person.id, now)
        except DomainError as exc:
            error = str(exc)
        else:
            flash(_("%(name)s's registration is cancelled.", name=person.full_name) if not result.late else
                  _("%(name)s's registration is cancelled late; the charge stays.", name=person.full_name), "success")
            return redirect(url_for(".group_page", token=token))
    return render_template("groups/cancel.html", booking=booking, event=booking.event, person=person, token=token,
                           form=form, error=error,
                           cancellation_free=cancellation.cancellation_is_free(booking.event, now)), \
        (422 if request.method == "POST" else 200)


@bp.route("/<token>/people/<registration_id>/transfer", methods=["GET", "POST"])
def transfer(token: str, registration_id: str):
    booking = booking_or_404(token)
    person = _member_or_404(booking, registration_id)
    form = TransferForm()
    error = None
    if form.validate_on_submit():
        colleague = registrations.Attendee(
            first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
            job_title=form.job_title.data or "", phone=form.phone.data or "", dietary=form.dietary.data or "",
            language=current_language())
        try:
            result = group_booking.replace_member(booking, person.id, colleague, utcnow())
        except DomainError as exc:
            error = _show_field_errors(form, exc)
        else:
            flash(_("%(new)s takes %(old)s's place and gets an e-mail with a link of their own.",
                    new=result.registration.full_name, old=person.full_name), "success")
            return redirect(url_for(".group_page", token=token))
    return render_template("groups/transfer.html", booking=booking, event=booking.event, person=person, token=token,
                           form=form, error=error), (422 if request.method == "POST" else 200)
