"""Certificates of attendance as PDF, one A4 page per person, through the safe PDF renderer."""
from collections.abc import Sequence

from flask import current_app, render_template
from flask_babel import force_locale

from ..services.certificates import IssuedCertificate, formatted_code
from ..services.notifications import absolute_url
from .pdf import render_pdf


def certificate_filename(certificate: IssuedCertificate) -> str:
    """ASCII from the code alone, safe in any header."""
    return f"intyg-{certificate.code.lower()}.pdf"


def certificates_pdf(certificates: Sequence[IssuedCertificate], *, language: str | None = None) -> bytes:
    """PDF bytes with a page per certificate, in ``language`` (by default the first person's: a single
    certificate is in its person's language, a bulk print in the organiser's Swedish); needs an
    application context (templates, translations)."""
    language = language or (certificates[0].registration.language if len(certificates) == 1 else "sv") or "sv"
    pages = [{"certificate": c, "event": c.event, "attendance": c.attendance, "code": formatted_code(c.code),
              "verify_url": absolute_url("certificates.verify", code=c.code),
              "organiser": c.event.organiser_name or current_app.config["ORGANISER_NAME"]} for c in certificates]
    with force_locale(language):
        return render_pdf(render_template("certificates/certificates_pdf.html", pages=pages))
