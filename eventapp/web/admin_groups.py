"""Tables and groups of an event in the back office: a balanced proposal, then the organiser's changes."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import utcnow
from ..forms import ConfirmForm, GroupNameForm, GroupProposalForm
from ..ids import parse_id
from ..services import grouping
from ..services.errors import DomainError
from .admin import bp, event_or_404, show_errors


@bp.route("/events/<slug>/groups", methods=["GET", "POST"])
def groups(slug: str):
    event = event_or_404(slug)
    form = GroupProposalForm()
    wish_questions = grouping.wish_questions(event)
    form.wish_question.choices = [("", _("Nobody's wish (no question)"))] + [
        (str(q.id), str(q.localised.text)) for q in wish_questions]
    if request.method == "GET" and event.group_wish_question_id in {q.id for q in wish_questions}:
        form.wish_question.data = str(event.group_wish_question_id)
    error = None
    if form.validate_on_submit():
        try:
            made = grouping.propose_groups(event.id, form.group_size.data, actor=current_user, now=utcnow(),
                                           wish_question_id=_wish_question_id(form.wish_question.data),
                                           replace_edited=form.replace_edited.data)
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("%(num)d groups were proposed. Move people or name the groups below.", num=len(made)),
                  "success")
            return redirect(url_for(".groups", slug=slug))
    status = 422 if request.method == "POST" else 200
    current = grouping.groups_of(event.id)
    return render_template("admin/groups.html", event=event, form=form, error=error, groups=current,
                           edited=any(group.edited for group in current), confirm=ConfirmForm()), status


@bp.get("/events/<slug>/groups/print")
def print_groups(slug: str):
    """Every table with its host and the people seated there, a page each when printed."""
    event = event_or_404(slug)
    return render_template("admin/groups_print.html", event=event, groups=grouping.groups_of(event.id))


def _wish_question_id(value: str | None) -> int | None:
    """None for no wishes; an id that is no question (0) for the service to refuse with its message."""
    if not value:
        return None
    return parse_id(value) or 0


def _posted_int(name: str) -> int:
    value = parse_id(request.form.get(name))
    if value is None:
        abort(400)
    return value


@bp.post("/events/<slug>/groups/move")
def move_to_group(slug: str):
    event = event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        grouping.move_to_group(event, _posted_int("registration_id"), _posted_int("group_id"),
                               actor=current_user, now=utcnow())
    except DomainError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".groups", slug=slug))


@bp.post("/events/<slug>/groups/<int:group_id>")
def name_group(slug: str, group_id: int):
    event = event_or_404(slug)
    form = GroupNameForm()
    if not form.validate_on_submit():
        # The messages are lazy strings, which str.join refuses.
        flash(" ".join(str(message) for messages in form.errors.values() for message in messages), "error")
        return redirect(url_for(".groups", slug=slug))
    try:
        grouping.name_group(event, group_id, form.name.data or "", form.leader.data or "",
                            actor=current_user, now=utcnow())
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The group was saved."), "success")
    return redirect(url_for(".groups", slug=slug))
