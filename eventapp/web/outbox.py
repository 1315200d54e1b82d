"""The organisers' view of outgoing e-mail (/admin/outbox), and delivery after a response.

When no separate deliverer runs, the web app sends what is due once a changing request has been
answered (``OUTBOX_DELIVER_AFTER_RESPONSE``), in a thread of its own, so the attendee never waits
for the mail server and a burst of requests shares a few deliveries.
"""
from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..background import OutboxDeliverer
from ..database import utcnow
from ..forms import ConfirmForm
from ..models import OutboxStatus, Role
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
    return render_template("outbox/index.html", messages=outbox.recent_messages(status=status), status=status,
                           statuses=list(OutboxStatus), counts=outbox.status_counts(), form=ConfirmForm())


@bp.get("/<int:message_id>")
def message(message_id: int):
    found = outbox.get_message(message_id)
    if found is None:
        abort(404)
    if found.kind in staff_mail.KINDS and current_user.role != Role.ADMIN:
        abort(403)  # its link sets the password of an account, perhaps an administrator's
    return render_template("outbox/message.html", message=found, parts=outbox.readable_parts(found),
                           form=ConfirmForm())


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


@bp.before_app_request
def count_the_request_in():
    if current_app.config.get("OUTBOX_DELIVER_AFTER_RESPONSE"):
        deliverer(current_app._get_current_object()).request_began()
        g.outbox_request_counted = True


@bp.teardown_app_request
def count_the_request_out(error):
    if g.pop("outbox_request_counted", False):
        deliverer(current_app._get_current_object()).request_ended()


@bp.after_app_request
def deliver_after_response(response):
    if (current_app.config.get("OUTBOX_DELIVER_AFTER_RESPONSE") and request.method != "GET"
            and response.status_code < 500):
        response.call_on_close(deliverer(current_app._get_current_object()).wake)
    return response


def deliverer(app: Flask) -> OutboxDeliverer:
    """This application's background deliverer (one per process)."""
    found = app.extensions.get("outbox_deliverer")
    if found is None:
        def deliver_a_batch(stopping) -> bool:
            report = outbox.deliver_while_due(utcnow, limit=app.config.get("OUTBOX_BATCH_SIZE", 100), rounds=1,
                                              stopping=stopping)
            return bool(report.sent or report.failed)  # more may be due

        found = app.extensions.setdefault("outbox_deliverer", OutboxDeliverer(
            app, deliver_a_batch,
            quiet=app.config.get("OUTBOX_QUIET_SECONDS", 0), patience=app.config.get("OUTBOX_PATIENCE_SECONDS", 0)))
    return found


def stop_deliverer(app: Flask, timeout: float) -> bool:
    """End this process's background delivery (see ``OutboxDeliverer.stop``); False if it did not end."""
    found = app.extensions.get("outbox_deliverer")
    return found is None or found.stop(timeout)
