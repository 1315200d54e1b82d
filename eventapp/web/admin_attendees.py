"""The back office's attendee list, its exports, the statistics and the audit log of an event."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import current_language
from ..database import utcnow
from ..exports import attendee_list
from ..formatting import format_datetime_iso_local
from ..forms import AttendeeForm, ConfirmForm
from ..models import OrganisationKind, RegistrationStatus
from ..services import attendees
from ..services import questions as question_service
from ..services import statistics as stats_service
from ..services.errors import DomainError, NotFound
from ..services.registration import Attendee
from .admin import bp, event_or_404, show_errors
from .downloads import send_bytes


def attendee_query(args) -> attendees.AttendeeQuery:
    """The list's filters from the query string; anything unknown means 'no filter'."""
    page = args.get("page", "1")
    return attendees.AttendeeQuery(
        search=args.get("q", "")[:200],
        status=args.get("status", "") if args.get("status") in set(RegistrationStatus) else "",
        organisation_kind=args.get("kind", "") if args.get("kind") in set(OrganisationKind) else "",
        checked_in=args.get("checked_in", "") if args.get("checked_in") in attendees.CHECKED_IN_CHOICES else "",
        sort=args.get("sort", "name") if args.get("sort") in attendees.SORTS else "name",
        descending=args.get("order") == "desc",
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    )


@bp.get("/events/<slug>/attendees")
def attendee_list_page(slug: str):
    event = event_or_404(slug)
    result = attendees.list_attendees(event.id, attendee_query(request.args))
    return render_template("admin/attendees.html", event=event, result=result, form=ConfirmForm(),
                           statuses=list(RegistrationStatus), kinds=list(OrganisationKind),
                           short_datetime=format_datetime_iso_local)


def person_from(form: AttendeeForm) -> Attendee:
    return Attendee(
        first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
        organisation=form.organisation.data, organisation_kind=form.organisation_kind.data or None,
        job_title=form.job_title.data or "", phone=form.phone.data or "", dietary=form.dietary.data or "",
        org_number=form.org_number.data or "", invoice_reference=form.invoice_reference.data or "",
        language=current_language(),
    )


@bp.route("/events/<slug>/attendees/new", methods=["GET", "POST"])
def add_attendee(slug: str):
    event = event_or_404(slug)
    form = AttendeeForm()
    error = None
    if form.validate_on_submit():
        try:
            registration = attendees.add_attendee(event.id, person_from(form), actor=current_user, now=utcnow(),
                                                  note=form.organiser_note.data or "")
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("%(name)s was added: %(status)s.", name=registration.full_name,
                    status=registration.status_label), "success")
            return redirect(url_for(".attendee_list_page", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/attendee_form.html", event=event, form=form, registration=None,
                           error=error), status


@bp.route("/events/<slug>/attendees/<int:registration_id>", methods=["GET", "POST"])
def edit_attendee(slug: str, registration_id: int):
    event = event_or_404(slug)
    try:
        registration = attendees.get_registration(event, registration_id)
    except NotFound:
        abort(404)
    form = AttendeeForm(obj=registration)
    if request.method == "GET":
        form.organisation.data = registration.organisation_name
        form.organisation_kind.data = ""
    error = None
    if form.validate_on_submit():
        changes = attendees.AttendeeChanges(
            first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
            organisation=form.organisation.data, job_title=form.job_title.data or "",
            phone=form.phone.data or "", dietary=form.dietary.data or "", org_number=form.org_number.data or "",
            invoice_reference=form.invoice_reference.data or "", organiser_note=form.organiser_note.data or "",
        )
        try:
            changed = attendees.update_attendee(registration.id, changes, actor=current_user, now=utcnow())
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("Your changes were saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".attendee_list_page", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/attendee_form.html", event=event, form=form, registration=registration,
                           error=error, confirm=ConfirmForm()), status


@bp.post("/events/<slug>/attendees/<int:registration_id>/cancel")
def cancel_attendee(slug: str, registration_id: int):
    registration = _posted_registration(slug, registration_id)
    try:
        promoted = attendees.cancel_attendee(registration.id, actor=current_user, now=utcnow())
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The registration of %(name)s is cancelled.", name=registration.full_name), "success")
        for other in promoted:
            flash(_("%(name)s moved up from the waiting list.", name=other.full_name), "success")
    return redirect(url_for(".edit_attendee", slug=slug, registration_id=registration_id))


@bp.post("/events/<slug>/attendees/<int:registration_id>/promote")
def promote_attendee(slug: str, registration_id: int):
    registration = _posted_registration(slug, registration_id)
    try:
        capacity = attendees.promote_attendee(registration.id, actor=current_user, now=utcnow())
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(name)s has a place now.", name=registration.full_name), "success")
        if capacity is not None:
            flash(_("The capacity was raised to %(num)d to make room.", num=capacity), "warning")
    return redirect(url_for(".edit_attendee", slug=slug, registration_id=registration_id))


def _posted_registration(slug: str, registration_id: int):
    event = event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        return attendees.get_registration(event, registration_id)
    except NotFound:
        abort(404)


@bp.get("/events/<slug>/attendees.<fmt>")
def export_attendees(slug: str, fmt: str):
    event = event_or_404(slug)
    if fmt not in attendee_list.FORMATS:
        abort(404)
    delimiter = "," if request.args.get("delimiter") == "comma" else ";"
    questions, answers = question_service.answer_columns(event.id)
    data = attendee_list.attendee_table(event, attendees.attendee_export_rows(event.id), fmt, delimiter=delimiter,
                                        questions=questions, answers=answers)
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_bytes(data, f"{event.slug}-deltagare.{fmt}", mimetype)


@bp.get("/events/<slug>/door-list.pdf")
def door_list(slug: str):
    event = event_or_404(slug)
    pdf = attendee_list.door_list_pdf(event, attendees.all_attendees(event.id, active_only=True))
    return send_bytes(pdf, f"{event.slug}-dorrlista.pdf", "application/pdf", inline=True)


@bp.get("/events/<slug>/statistics")
def statistics(slug: str):
    event = event_or_404(slug)
    return render_template("admin/statistics.html", event=event, stats=stats_service.event_statistics(event.id),
                           kinds=list(OrganisationKind),
                           tallies=question_service.tallies(event, (RegistrationStatus.CONFIRMED,)))


@bp.get("/events/<slug>/log")
def audit_log(slug: str):
    event = event_or_404(slug)
    return render_template("admin/audit_log.html", event=event, entries=attendees.audit_log(event.id))
