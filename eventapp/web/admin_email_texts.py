"""An event's automatic e-mails in its own words: the texts per kind and language, a preview, back to
the default; and when the thank-you after the event goes out."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import utcnow
from ..forms import EmailTextForm, ThankYouForm
from ..services import email_texts
from ..services.errors import DomainError, NotFound
from .admin import bp, event_or_404, show_errors


@bp.route("/events/<slug>/emails", methods=["GET", "POST"])
def email_texts_page(slug: str):
    event = event_or_404(slug)
    form = ThankYouForm(obj=event)
    error = None
    if form.validate_on_submit():
        try:
            email_texts.set_thank_you(event.id, form.thank_you_hours.data, form.material_url.data or "",
                                      actor=current_user, now=utcnow())
        except DomainError as exc:
            error = show_errors(form, exc)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for(".email_texts_page", slug=slug), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/email_texts.html", event=event, texts=email_texts.texts_of(event.id), form=form,
                           error=error), status


@bp.route("/events/<slug>/emails/<kind>/<language>", methods=["GET", "POST"])
def edit_email_text(slug: str, kind: str, language: str):
    """One text: preview, save, or back to the default (the button pressed says which)."""
    event = event_or_404(slug)
    try:
        current = email_texts.text_of(event.id, kind, language)
    except NotFound:
        abort(404)
    form = EmailTextForm(data={"subject": current.subject, "body": current.body})
    action = request.form.get("action", "save")
    preview, error, status = None, None, 200
    now = utcnow()
    if request.method == "POST" and form.validate_on_submit():
        try:
            if action == "reset":
                email_texts.reset_text(event.id, kind, language, actor=current_user, now=now)
                flash(_("The e-mail has its default text again."), "success")
                return redirect(url_for(".email_texts_page", slug=slug), 303)
            if action == "preview":
                errors = email_texts.merge_fields.check_text(form.subject.data or "", form.body.data or "")
                if errors:
                    raise email_texts.ValidationFailed(errors)
                preview = email_texts.preview(event, kind, language, form.subject.data or "", form.body.data or "",
                                              now)
            else:
                email_texts.save_text(event.id, kind, language, form.subject.data or "", form.body.data or "",
                                      actor=current_user, now=now)
                flash(_("The text was saved. The next e-mails use it."), "success")
                return redirect(url_for(".email_texts_page", slug=slug), 303)
        except DomainError as exc:
            error, status = show_errors(form, exc), 422
    elif request.method == "POST":
        status = 422
    return render_template("admin/email_text_form.html", event=event, text=current, form=form, preview=preview,
                           error=error), status
