"""Writing to an event's attendees: compose, preview as one recipient, a test to oneself, send now
or at a set time; and the list of what was sent."""
from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..database import utcnow
from ..forms import ConfirmForm, MessageForm
from ..localtime import STOCKHOLM
from ..models import Audience
from ..services import messages
from ..services.errors import DomainError, ValidationFailed
from .admin import bp, event_or_404, show_errors

#: The groups offered when no attendees were chosen in the list.
GROUPS = [audience for audience in Audience if audience != Audience.SELECTION]


def message_form(selected: list[int] | None = None, **kwargs) -> MessageForm:
    chosen = bool(selected) or request.form.get("to") == Audience.SELECTION
    form = MessageForm(audiences=[Audience.SELECTION, *GROUPS] if chosen else GROUPS, **kwargs)
    if selected:
        form.to.data = Audience.SELECTION
        form.selected.data = selected
    return form


def compose_page(event, form: MessageForm, *, preview=None, error=None, status=200):
    draft = draft_from(form, with_time=False)
    reached = messages.recipients(event.id, draft.audience, draft.registration_ids)
    form.preview_as.choices = [(str(r.id), f"{r.full_name} <{r.email}>") for r in reached[:500]]
    return render_template("admin/messages.html", event=event, form=form, preview=preview, error=error,
                           reached=len(reached), sent=messages.event_messages(event.id),
                           confirm=ConfirmForm()), status


def draft_from(form: MessageForm, *, with_time: bool = True) -> messages.Draft:
    send_at = None
    if with_time and form.when.data == "later" and form.send_at.data is not None:
        send_at = form.send_at.data.replace(tzinfo=STOCKHOLM).astimezone(UTC)
    return messages.Draft(subject=form.subject.data or "", body=form.body.data or "",
                          audience=form.to.data or "", registration_ids=tuple(form.selected.data or ()),
                          send_at=send_at)


@bp.get("/events/<slug>/messages")
def messages_page(slug: str):
    return compose_page(event_or_404(slug), message_form(formdata=None))


@bp.post("/events/<slug>/messages")
def compose_message(slug: str):
    """One form, three buttons: preview, a test to me, send (now or at the set time)."""
    event = event_or_404(slug)
    form = message_form()
    action = request.form.get("action", "send")
    if not form.validate_on_submit():
        return compose_page(event, form, status=422)
    now = utcnow()
    draft = draft_from(form)
    chosen = int(form.preview_as.data) if (form.preview_as.data or "").isdigit() else None
    try:
        if action == "preview":
            errors = messages.check_draft(event, draft, now)
            if errors:
                raise ValidationFailed(errors)
            return compose_page(event, form, preview=messages.preview(event, draft, chosen, now))
        if action == "test":
            address = messages.send_test(event, draft, chosen, actor=current_user, now=now)
            flash(_("A test was sent to %(email)s.", email=address), "success")
            return compose_page(event, form)
        outcome = messages.send_message(event.id, draft, actor=current_user, now=now)
    except DomainError as error:
        return compose_page(event, form, error=show_errors(form, error), status=422)
    if outcome.message.status == "scheduled":
        flash(_("The message will be sent %(date)s.", date=_local(outcome.message.send_at)), "success")
    else:
        flash(ngettext("The message is on its way to %(num)d person.",
                       "The message is on its way to %(num)d people.", outcome.queued), "success")
    return redirect(url_for(".messages_page", slug=slug), 303)


def _local(moment) -> str:
    from ..formatting import format_datetime

    return format_datetime(moment)


@bp.post("/events/<slug>/messages/<int:message_id>/cancel")
def cancel_message(slug: str, message_id: int):
    event = event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        messages.cancel_scheduled(event.id, message_id, actor=current_user, now=utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("The scheduled message will not be sent."), "success")
    return redirect(url_for(".messages_page", slug=slug), 303)
