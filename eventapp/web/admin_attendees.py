"""The back office's attendee list, its exports, the statistics and the audit log of an event."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import current_language, jobs
from ..database import utcnow
from ..exports import attendee_list
from ..formatting import format_datetime_iso_local
from ..forms import AttendeeForm, BulkActionForm, ConfirmForm
from ..ids import parse_id
from ..models import OrganisationKind, RegistrationStatus
from ..services import attendees, grouping, history, messages
from ..services import badges as badge_service
from ..services import questions as question_service
from ..services import sessions as session_service
from ..services import statistics as stats_service
from ..services.badges import BadgeOptions
from ..services.errors import DomainError, NotFound
from ..services.registration import Attendee
from .admin import bp, event_or_404, show_errors
from .admin_messages import compose_page, message_form
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
        page=parse_id(page, maximum=999_999) or 1,
    )


@bp.get("/events/<slug>/attendees")
def attendee_list_page(slug: str):
    return _list_page(event_or_404(slug), request.args, BulkActionForm(formdata=None))


def _list_page(event, args, bulk: BulkActionForm, error: str | None = None):
    result = attendees.list_attendees(event.id, attendee_query(args))
    return render_template("admin/attendees.html", event=event, result=result, form=ConfirmForm(), bulk=bulk,
                           bulk_error=error, statuses=list(RegistrationStatus), kinds=list(OrganisationKind),
                           short_datetime=format_datetime_iso_local), (422 if bulk.errors or error else 200)


@bp.post("/events/<slug>/attendees/bulk")
def bulk_action(slug: str):
    """Print badges for, give places to or cancel the ticked attendees, or all the filter finds; the
    last two after a confirmation that names everyone."""
    event = event_or_404(slug)
    bulk = BulkActionForm()
    if not bulk.validate_on_submit():
        return _list_page(event, request.form, bulk)
    ids = (attendees.matching_ids(event.id, attendee_query(request.form)) if bulk.scope.data == "filtered"
           else list(bulk.selected.data or []))
    try:
        chosen = attendees.chosen(event.id, ids)
    except DomainError as error:
        return _list_page(event, request.form, bulk, error=str(error))
    if not chosen:
        bulk.selected.errors = [_("Tick at least one attendee, or choose everyone the filters find.")]
        return _list_page(event, request.form, bulk)
    ids = [registration.id for registration in chosen]
    now = utcnow()
    if bulk.action.data == "badges":
        try:
            run = badge_service.start_run(event.id, BadgeOptions(), actor=current_user, now=now, registration_ids=ids)
        except DomainError as error:
            return _list_page(event, request.form, bulk, error=str(error))
        jobs.render_badge_run(run.id)
        return redirect(url_for("badges.run_page", slug=slug, run_id=run.id), 303)
    if bulk.action.data == "message":
        return compose_page(event, message_form(ids, formdata=None))
    if bulk.confirmed.data != "yes":
        return render_template("admin/bulk_confirm.html", event=event, bulk=bulk, chosen=chosen)
    act = attendees.cancel_many if bulk.action.data == "cancel" else attendees.give_places
    try:
        outcome = act(event.id, ids, actor=current_user, now=now)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for(".attendee_list_page", slug=slug))
    if bulk.action.data == "cancel":
        flash(ngettext("%(num)d registration was cancelled.", "%(num)d registrations were cancelled.",
                       len(outcome.done)), "success")
    else:
        flash(ngettext("%(num)d person got a place.", "%(num)d people got a place.", len(outcome.done)), "success")
    if outcome.promoted:
        flash(_("From the waiting list, these got the freed places: %(names)s.",
                names=", ".join(r.full_name for r in outcome.promoted)), "success")
    for registration, reason in outcome.refused:
        flash(f"{registration.full_name}: {reason}", "warning")
    return redirect(url_for(".attendee_list_page", slug=slug))


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
                           error=error, confirm=ConfirmForm(), mail=messages.mail_to(registration.id),
                           changes=history.event_history(event.id, 100, registration_id=registration.id)), status


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
                                        questions=questions, answers=answers,
                                        extra=session_service.export_columns(event),
                                        groups=grouping.group_labels(event.id))
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_bytes(data, f"{event.slug}-deltagare.{fmt}", mimetype)


@bp.get("/events/<slug>/door-list.pdf")
def door_list(slug: str):
    event = event_or_404(slug)
    pdf = attendee_list.door_list_pdf(event, attendees.all_attendees(event.id, active_only=True),
                                      session_service.chosen_titles(event), grouping.group_labels(event.id))
    return send_bytes(pdf, f"{event.slug}-dorrlista.pdf", "application/pdf", inline=True)


@bp.get("/events/<slug>/statistics")
def statistics(slug: str):
    event = event_or_404(slug)
    return render_template("admin/statistics.html", event=event, stats=stats_service.event_statistics(event.id),
                           kinds=list(OrganisationKind), session_figures=session_service.session_statistics(event),
                           tallies=question_service.tallies(event, (RegistrationStatus.CONFIRMED,)))


@bp.get("/events/<slug>/log")
def audit_log(slug: str):
    event = event_or_404(slug)
    return render_template("admin/audit_log.html", event=event, lines=history.event_history(event.id))
