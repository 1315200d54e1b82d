"""Feedback after an event: the attendee's form behind the personal link (/r/<token>/feedback) and the
organiser's results (/admin/events/<slug>/feedback, and as CSV). The views belong to the ``manage``
and ``admin`` blueprints, whose limits and role checks they share."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..database import utcnow
from ..exports.tabular import to_csv
from ..forms import feedback_form_for
from ..services import feedback as feedback_service
from ..services import registration as registrations
from ..services.errors import DomainError
from .admin import bp as admin_bp
from .admin import event_or_404, show_errors
from .downloads import send_bytes
from .manage import bp as manage_bp

_RATINGS = {str(value): value for value in feedback_service.RATINGS}


def _registration_or_404(token: str):
    registration = registrations.find_by_token(token, utcnow(), after_the_event=True)
    if registration is None:
        abort(404)
    return registration


def _rating(value: str | None):
    """1-5 as a number; anything else as sent, for the service to refuse; None when not answered."""
    return _RATINGS.get(value, value or None)


def _answer_from(form, questions: list[str]) -> feedback_service.FeedbackAnswer:
    return feedback_service.FeedbackAnswer(
        rating=_rating(form.rating.data), good=form.good.data or "", better=form.better.data or "",
        ratings={question: _rating(field.data) for question, field in zip(questions, form.questions, strict=True)})


@manage_bp.route("/<token>/feedback", methods=["GET", "POST"])
def feedback(token: str):
    registration = _registration_or_404(token)
    event = registration.event
    now = utcnow()
    questions = list(event.feedback_questions or ())
    given = feedback_service.feedback_of(registration.id)
    form = feedback_form_for(questions)
    if request.method == "GET" and given is not None:
        form.rating.data = str(given.rating)
        form.good.data, form.better.data = given.good, given.better
        rated = {item["question"]: item["rating"] for item in given.ratings or ()}
        for question, field in zip(questions, form.questions, strict=True):
            field.data = str(rated[question]) if question in rated else None
    error = None
    if form.validate_on_submit():
        try:
            feedback_service.give_feedback(registration.id, _answer_from(form, questions), now=now)
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("Thank you for your feedback! You can change it here until the form closes."), "success")
            return redirect(url_for(".feedback", token=token), 303)
    return render_template(
        "manage/feedback.html", registration=registration, event=event, form=form, error=error, given=given,
        closed=feedback_service.closed_reason(registration, now),
    ), (422 if request.method == "POST" else 200)


@admin_bp.get("/events/<slug>/feedback")
def feedback_results(slug: str):
    event = event_or_404(slug)
    return render_template("admin/feedback.html", event=event, results=feedback_service.results(event))


@admin_bp.get("/events/<slug>/feedback.csv")
def feedback_csv(slug: str):
    event = event_or_404(slug)
    header, rows = feedback_service.table(event)
    delimiter = "," if request.args.get("delimiter") == "comma" else ";"
    return send_bytes(to_csv(header, rows, delimiter=delimiter), f"{event.slug}-synpunkter.csv",
                      "text/csv; charset=utf-8")
