"""The privacy notice, and the organisers' page for a person's request to see or erase their data."""
import json

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..database import utcnow
from ..forms import PrivacyRequestForm
from ..models import Role
from ..services import privacy
from ..services.errors import DomainError
from .downloads import send_bytes

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def notice():
    return render_template("privacy/notice.html", retention_days=current_app.config["PRIVACY_RETENTION_DAYS"])


def _organiser_only():
    if not current_user.has_role(Role.ORGANISER):
        abort(403)


@bp.route("/admin/privacy", methods=["GET", "POST"])
@login_required
def requests():
    _organiser_only()
    form = PrivacyRequestForm()
    error = outcome = None
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "export":
                data = privacy.export_person(form.email.data, actor=current_user, now=utcnow())
                body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
                return send_bytes(body, f"personuppgifter-{form.email.data}.json", "application/json")
            if action == "erase":
                if not form.confirm.data:
                    form.confirm.errors.append(_("Confirm that the request comes from this person."))
                else:
                    outcome = privacy.erase_person(form.email.data, actor=current_user, now=utcnow())
            else:
                error = _("Choose export or erasure.")
        except DomainError as exc:
            form.email.errors.append(str(exc))
    status = 422 if request.method == "POST" and (form.errors or error) else 200
    return render_template("privacy/requests.html", form=form, error=error, outcome=outcome), status
