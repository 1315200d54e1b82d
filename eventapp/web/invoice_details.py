"""The invoice details an organisation gave before, offered to the next person who books for it.

Only inside the booker's own form, and only once they have named the organisation and given its
organisation number: the form's script asks here, with the form's CSRF token.
"""
from flask import Blueprint, abort, jsonify
from sqlalchemy import select

from ..extensions import db, limiter
from ..forms import InvoiceDetailsLookupForm
from ..models import Event
from ..security import registration_limit
from ..services.buyers import proposed_invoice_details

bp = Blueprint("invoice_details", __name__)


@bp.post("/events/<slug>/invoice-details")
@limiter.limit(registration_limit)
def proposed(slug: str):
    event = db.session.scalar(select(Event).where(Event.slug == slug, Event.published.is_(True)))
    if event is None or not (event.no_show_fee or event.price):
        abort(404)
    form = InvoiceDetailsLookupForm()
    if not form.validate_on_submit():
        response = jsonify(found=False, errors={name: [str(m) for m in messages]
                                                for name, messages in form.errors.items()})
        response.status_code = 422
    else:
        details = proposed_invoice_details(form.organisation.data, form.org_number.data)
        response = jsonify(found=False) if details is None else jsonify(
            found=True, invoice_street=details.street, invoice_postcode=details.postcode,
            invoice_city=details.city, peppol_id=details.peppol_id)
    response.headers["Cache-Control"] = "no-store"
    return response
