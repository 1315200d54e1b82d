"""The organisers' view of outgoing e-mail (/admin/outbox)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..database import utcnow
from ..forms import ConfirmForm
from ..models import OutboxStatus, Role
from ..security import as_framed_mail
from ..services import outbox, staff_mail

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


@bp.before_request
@login_required
def require_organiser():
    if not current_user.has_role(Role.ORGANISER):
        abort(403)


@bp.get("/")
def index():
    status = request.args.get("status")
    if status not in set(OutboxStatus):
        status = None
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1
    return render_template("outbox/index.html", result=outbox.messages_page(status=status, page=page),
                           status=status, statuses=list(OutboxStatus), counts=outbox.status_counts())


def _message_or_404(message_id: int):
    found = outbox.get_message(message_id)
    if found is None:
        abort(404)
    if found.kind in staff_mail.KINDS and current_user.role != Role.ADMIN:
        abort(403)  # about the password of an account, perhaps an administrator's
    return found


@bp.get("/<int:message_id>")
def message(message_id: int):
    found = _message_or_404(message_id)
    return render_template("outbox/message.html", message=found, mail=outbox.readable(found), form=ConfirmForm())


@bp.get("/<int:message_id>/html")
def message_html(message_id: int):
    """The e-mail's HTML part, framed by the message's page (sandboxed: nothing in it runs)."""
    html = outbox.readable(_message_or_404(message_id)).html
    if not html:
        abort(404)
    return as_framed_mail(current_app.response_class(html, mimetype="text/html"))


@bp.post("/<int:message_id>/retry")
def retry(message_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    retried = outbox.retry_message(message_id, utcnow())
    if retried is None:
        abort(404)
    if retried.status == OutboxStatus.PENDING:
        flash(_("The message will be sent again at the next delivery."), "success")
    return redirect(url_for(".message", message_id=message_id))
