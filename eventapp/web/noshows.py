"""The organiser's no-show review: the list after an event, waiving with a reason, approving (rule 6)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..database import utcnow
from ..forms import ConfirmForm, VatTreatmentForm, WaiveForm
from ..models import Role
from ..services import noshow
from ..services.errors import DomainError, NotFound
from ..services.events import get_event

bp = Blueprint("noshows", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_organiser():
    if not current_user.has_role(Role.ORGANISER):
        abort(403)


def _event_or_404(slug: str):
    try:
        return get_event(slug)
    except NotFound:
        abort(404)


@bp.get("/no-shows")
def index():
    return render_template("noshows/index.html", reviews=noshow.events_to_review(utcnow()))


def _page(event, *, waive_form=None, vat_form=None, error=None, status=200):
    listed = noshow.no_shows_for(event)
    vat_form = vat_form or VatTreatmentForm(formdata=None, vat_treatment=listed.billing.vat_treatment,
                                            vat_exemption_reason=listed.billing.vat_exemption_reason)
    return render_template("noshows/list.html", event=event, listed=listed, now=utcnow(),
                           waive_form=waive_form or WaiveForm(formdata=None), vat_form=vat_form,
                           confirm_form=ConfirmForm(), error=error), status


@bp.get("/events/<slug>/no-shows")
def no_show_list(slug: str):
    return _page(_event_or_404(slug))


@bp.post("/events/<slug>/no-shows/waive")
def waive(slug: str):
    event = _event_or_404(slug)
    form = WaiveForm()
    if form.validate_on_submit():
        try:
            noshow.waive_fee(event.id, int(form.registration.data), form.reason.data, actor=current_user,
                             now=utcnow())
        except DomainError as exc:
            return _page(event, waive_form=form, error=str(exc), status=422)
        flash(_("The fee was waived."), "success")
        return redirect(url_for(".no_show_list", slug=slug))
    return _page(event, waive_form=form, error=_("Give a reason for waiving the fee."), status=422)


@bp.post("/events/<slug>/no-shows/approve")
def approve(slug: str):
    event = _event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        listed = noshow.approve_no_shows(event.id, actor=current_user, now=utcnow())
    except DomainError as exc:
        return _page(event, error=str(exc), status=422)
    flash(_("The no-show list is approved: %(count)d fees can be invoiced.", count=len(listed.charged)), "success")
    return redirect(url_for(".no_show_list", slug=slug))


@bp.post("/events/<slug>/no-shows/vat")
def vat_treatment(slug: str):
    event = _event_or_404(slug)
    form = VatTreatmentForm()
    if form.validate_on_submit():
        try:
            noshow.set_vat_treatment(event.id, form.vat_treatment.data, form.vat_exemption_reason.data or "",
                                     actor=current_user, now=utcnow())
        except DomainError as exc:
            if exc.field in form:
                form[exc.field].errors = [*form[exc.field].errors, str(exc)]
            return _page(event, vat_form=form, error=None if exc.field in form else str(exc), status=422)
        flash(_("The VAT treatment was saved."), "success")
        return redirect(url_for(".no_show_list", slug=slug) + "#vat")
    return _page(event, vat_form=form, status=422 if request.method == "POST" else 200)
