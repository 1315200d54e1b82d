"""Certificates of attendance: the attendee's PDF behind the personal link, the organiser's bulk PDF
and the public page that confirms a certificate's code."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..database import utcnow
from ..exports.certificates import certificate_filename, certificates_pdf
from ..extensions import limiter
from ..models import Role
from ..security import personal_link_limit
from ..services import certificates
from ..services import registration as registrations
from ..services.errors import NotFound
from .admin import event_or_404
from .downloads import send_bytes

bp = Blueprint("certificates", __name__)


@bp.get("/r/<token>/certificate.pdf")
@limiter.limit(personal_link_limit)
def download(token: str):
    """After the event, for a person who attended; 404 otherwise."""
    now = utcnow()
    registration = registrations.find_by_token(token, now, after_the_event=True)
    if registration is None:
        abort(404)
    try:
        certificate = certificates.certificate_for(registration.id, now)
    except NotFound:
        abort(404)
    return send_bytes(certificates_pdf([certificate]), certificate_filename(certificate), "application/pdf",
                      inline=True)


@bp.get("/certificates/<code>")
@limiter.limit(personal_link_limit)
def verify(code: str):
    certificate = certificates.verify(code[:64])
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None, code=code[:64]), 404
    return render_template("certificates/verify.html", certificate=certificate,
                           code=certificates.formatted_code(certificate.code))


@bp.get("/admin/events/<slug>/certificates")
@login_required
def for_event(slug: str):
    """Every certificate of the event in one PDF, for the organiser to print."""
    if not current_user.has_role(Role.ORGANISER):
        abort(403)
    event = event_or_404(slug)
    issued = certificates.certificates_of(event, utcnow())
    if not issued:
        return render_template("certificates/none.html", event=event), 404
    return send_bytes(certificates_pdf(issued), f"{event.slug}-intyg.pdf", "application/pdf", inline=True)
