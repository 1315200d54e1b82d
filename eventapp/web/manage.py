"""The attendee's personal page (/r/<token>): see, cancel, or send a colleague instead."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import current_language
from ..database import utcnow
from ..extensions import limiter
from ..forms import ConfirmForm, TransferForm, answers_from, own_details_form_for, session_choice_form
from ..security import personal_link_limit
from ..services import cancellation, feedback, grouping, self_service, sessions
from ..services import registration as registrations
from ..services.errors import DomainError, ValidationFailed

bp = Blueprint("manage", __name__, url_prefix="/r")
# Every page behind a personal link shares one limit per address.
limiter.limit(personal_link_limit)(bp)


def registration_or_404(token: str):
    registration = registrations.find_by_token(token, utcnow())
    if registration is None:
        abort(404)
    return registration


@bp.get("/<token>")
def personal_page(token: str):
    registration = registration_or_404(token)
    now = utcnow()
    event = registration.event
    return render_template(
        "manage/registration.html", registration=registration, event=event, token=token,
        can_change=registration.is_active and now < event.starts_at,
        can_edit=self_service.edit_refused_reason(registration, now) is None,
        cancellation_free=cancellation.cancellation_is_free(event, now),
        position=registrations.waitlist_position(registration),
        my_sessions=sessions.sessions_of(registration), sessions_form=_sessions_form(registration, now),
        feedback_open=feedback.is_open(registration, now), group=grouping.seat_of(registration.id),
    )


def _sessions_form(registration, now, *, sent: bool = False):
    """The form to change the sessions picked, while they can be changed; else None."""
    event = registration.event
    if not event.choosable_sessions or not registration.is_active or now >= event.registration_deadline:
        return None
    return session_choice_form(event.choosable_sessions, sessions.full_sessions(event),
                               () if sent else sorted(sessions.chosen_ids(registration.id)))


@bp.post("/<token>/sessions")
def change_sessions(token: str):
    """Pick other sessions, until the registration deadline and within their places."""
    registration = registration_or_404(token)
    now = utcnow()
    form = _sessions_form(registration, now, sent=True)
    if form is None:
        flash(_("Sessions can no longer be changed."), "error")
        return redirect(url_for(".personal_page", token=token))
    if form.validate_on_submit():
        try:
            sessions.change_choices(registration.id, sessions.session_ids(form.sessions.data), now)
        except ValidationFailed as refused:
            form.sessions.errors = [str(m) for m in refused.errors.get("sessions", [refused.message])]
        else:
            flash(_("Your sessions are changed."), "success")
            return redirect(url_for(".personal_page", token=token))
    event = registration.event
    return render_template(
        "manage/registration.html", registration=registration, event=event, token=token,
        can_change=registration.is_active and now < event.starts_at,
        can_edit=self_service.edit_refused_reason(registration, now) is None,
        cancellation_free=cancellation.cancellation_is_free(event, now),
        position=registrations.waitlist_position(registration),
        my_sessions=sessions.sessions_of(registration), sessions_form=form,
    ), 422


@bp.route("/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    registration = registration_or_404(token)
    now = utcnow()
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            result = cancellation.cancel_registration(registration.id, now)
        except DomainError as exc:
            error = str(exc)
        else:
            flash(_("Your registration is cancelled. A late cancellation may be charged the no-show fee.")
                  if result.late else _("Your registration is cancelled."), "success")
            return redirect(url_for(".personal_page", token=token))
    return render_template(
        "manage/cancel.html", registration=registration, event=registration.event, token=token, form=form,
        error=error, cancellation_free=cancellation.cancellation_is_free(registration.event, now),
    ), (422 if request.method == "POST" else 200)


@bp.route("/<token>/transfer", methods=["GET", "POST"])
def transfer(token: str):
    registration = registration_or_404(token)
    form = TransferForm()
    error = None
    if form.validate_on_submit():
        colleague = registrations.Attendee(
            first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
            job_title=form.job_title.data or "", phone=form.phone.data or "", dietary=form.dietary.data or "",
            language=current_language(),
        )
        try:
            result = cancellation.transfer_registration(registration.id, colleague, utcnow())
        except DomainError as exc:
            if exc.field and exc.field in form:
                form[exc.field].errors.append(str(exc))
            else:
                error = str(exc)
        else:
            flash(_("Your place is handed over to %(name)s, who gets an e-mail with a link of their own.",
                    name=result.registration.full_name), "success")
            return redirect(url_for(".personal_page", token=token))
    return render_template("manage/transfer.html", registration=registration, event=registration.event,
                           token=token, form=form, error=error), (422 if request.method == "POST" else 200)


@bp.route("/<token>/edit", methods=["GET", "POST"])
def edit(token: str):
    """The attendee corrects their diet, job title, phone, invoice reference and answers, until the
    registration deadline."""
    registration = registration_or_404(token)
    event = registration.event
    now = utcnow()
    refused = self_service.edit_refused_reason(registration, now)
    form = own_details_form_for(event.questions, registration)
    error = None
    if refused is None and form.validate_on_submit():
        details = self_service.OwnDetails(
            job_title=form.job_title.data or "", phone=form.phone.data or "", dietary=form.dietary.data or "",
            invoice_reference=form.invoice_reference.data or "", answers=answers_from(form, event.questions))
        try:
            changed = self_service.update_own_details(registration.id, details, now)
        except DomainError as exc:
            for name, messages in (getattr(exc, "errors", None) or {exc.field: [str(exc)]}).items():
                if name and name in form:
                    form[name].errors = list(form[name].errors) + [str(m) for m in messages]
                else:
                    error = str(exc)
        else:
            flash(_("Your changes were saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".personal_page", token=token))
    status = 422 if request.method == "POST" else 200
    return render_template("manage/edit.html", registration=registration, event=event, token=token, form=form,
                           refused=refused, error=error), status
