"""No-show lists and invoices through the API: review and approve (organisers), issue and fetch (finance)."""
from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ...database import utcnow
from ...exports.invoice_pdf import document_filename, invoice_pdf
from ...exports.peppol import invoice_xml
from ...models import Invoice, Role
from ...services import invoicing, noshow, paid_events
from ...services.errors import ValidationFailed
from ...services.events import get_event
from ..downloads import send_bytes
from . import ApiError, api_user, bp, openapi, require_role
from .fields import MISSING, Reader


def no_show_list_json(listed: noshow.NoShowList) -> dict:
    """A no-show list as the API shows it."""
    return {
        "event": listed.event.slug,
        "approved": listed.approved,
        "approved_at": listed.billing.approved_at.isoformat() if listed.billing.approved_at else None,
        "fee": listed.event.no_show_fee,
        "total": listed.total,
        "no_shows": [{
            "registration": entry.registration.id,
            "first_name": entry.registration.first_name,
            "last_name": entry.registration.last_name,
            "email": entry.registration.email,
            "organisation": (entry.registration.organisation.name if entry.registration.organisation
                             else entry.registration.organisation_name),
            "org_number": entry.registration.org_number,
            "invoice_reference": entry.registration.invoice_reference,
            "kind": str(entry.kind),
            "fee": entry.fee,
            "waived": entry.waived,
            "waive_reason": entry.charge.waive_reason if entry.waived else None,
            "invoiced": entry.invoiced,
        } for entry in listed.entries],
    }


def invoice_json(invoice: Invoice) -> dict:
    """An invoice or credit note as the API shows it; amounts in öre (negative on a credit note)."""
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "credits": invoice.credited_invoice.number if invoice.credited_invoice else None,
        "event": invoice.event.slug,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": None if invoice.is_credit_note else invoice.due_date.isoformat(),
        "status": invoice.status,
        "delivery": invoice.delivery,
        "buyer": {"name": invoice.buyer_name, "org_number": invoice.buyer_org_number,
                  "peppol_id": invoice.buyer_peppol_id, "reference": invoice.buyer_reference,
                  "street": invoice.buyer_street, "postcode": invoice.buyer_postcode, "city": invoice.buyer_city,
                  "address": invoice.buyer_address},
        "currency": "SEK",
        "vat_treatment": invoice.vat_treatment,
        "vat_exemption_reason": invoice.vat_exemption_reason,
        "net_amount": invoice.net_amount,
        "vat_amount": invoice.vat_amount,
        "total_amount": invoice.total_amount,
        "paid_amount": invoice.paid_amount,
        "refunded_amount": invoice.refunded_amount,
        "balance": invoice.balance,
        "sent_on": invoice.sent_on.isoformat() if invoice.sent_on else None,
        "sent_via": invoice.sent_via or None,
        "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
        "lines": [{"position": line.position, "description": line.description, "attendee": line.attendee_name,
                   "net_amount": line.net_amount, "vat_rate": line.vat_rate, "vat_amount": line.vat_amount,
                   "total_amount": line.total_amount} for line in invoice.lines],
    }


@bp.get("/events/<slug>/invoices")
@require_role(Role.FINANCE)
def list_event_invoices(slug: str):
    return jsonify([invoice_json(invoice) for invoice in paid_events.event_invoices(get_event(slug))])


@bp.get("/events/<slug>/no-shows")
@require_role(Role.ORGANISER, Role.FINANCE)
def list_no_shows(slug: str):
    return jsonify(no_show_list_json(noshow.no_shows_for(get_event(slug))))


def _waivers() -> list[tuple[int, str]]:
    """The optional body {"waive": [{"registration": id, "reason": text}]}, checked field by field."""
    if not request.get_data():
        return []
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _l("The body must be a JSON object."))
    reader = Reader(body)
    reader.unknown({"waive"})
    waive = body.get("waive", [])
    if not isinstance(waive, list) or len(waive) > 10000:
        reader.error("waive", _l("Expected a list of {registration, reason}."))
        waive = []
    waivers = []
    for number, item in enumerate(waive):
        if not isinstance(item, dict):
            reader.error(f"waive.{number}", _l("Expected a list of {registration, reason}."))
            continue
        item_reader = Reader(item, prefix=f"waive.{number}.")
        item_reader.unknown({"registration", "reason"})
        registration = item_reader.integer("registration", minimum=1, maximum=2**31 - 1)
        reason = item_reader.text("reason", max_length=500)
        for name, value in (("registration", registration), ("reason", reason)):
            if value is MISSING and not item_reader.errors:
                item_reader.error(name, _l("Required."))
        if isinstance(reason, str) and not reason.strip():
            item_reader.error("reason", _l("Give a reason for waiving the fee."))
        reader.errors.update(item_reader.errors)
        if not item_reader.errors:
            waivers.append((registration, reason))
    if reader.errors:
        raise ValidationFailed(reader.errors)
    return waivers


@bp.post("/events/<slug>/no-shows/approve")
@require_role(Role.ORGANISER)
def approve_no_shows(slug: str):
    event = get_event(slug)
    listed = noshow.approve_no_shows(event.id, actor=api_user(), now=utcnow(), waive=_waivers())
    return jsonify(no_show_list_json(listed))


@bp.post("/events/<slug>/invoices")
@require_role(Role.FINANCE)
def issue_invoices(slug: str):
    event = get_event(slug)
    result = invoicing.issue_invoices(event.id, actor=api_user(), now=utcnow())
    body = {"invoices": [invoice.number for invoice in result.invoices],
            "held_back": [{"buyer": held.buyer_name, "reference": held.reference, "attendees": held.attendees,
                           "registrations": held.registration_ids, "reason": held.reason}
                          for held in result.held_back]}
    return jsonify(body), (201 if result.invoices else 200)


def _invoice(number: str) -> Invoice:
    """The invoice with this number; anything but digits is simply not found."""
    if not number.isascii() or not number.isdigit() or len(number) > 9:
        raise ApiError(404, "not_found", _l("The invoice does not exist."))
    return invoicing.get_invoice(int(number))


@bp.get("/invoices/<number>")
@require_role(Role.FINANCE)
def show_invoice(number: str):
    return jsonify(invoice_json(_invoice(number)))


@bp.get("/invoices/<number>.pdf")
@require_role(Role.FINANCE)
def invoice_pdf_document(number: str):
    invoice = _invoice(number)
    return send_bytes(invoice_pdf(invoice), document_filename(invoice, "pdf"), "application/pdf")


@bp.get("/invoices/<number>.xml")
@require_role(Role.FINANCE)
def invoice_xml_document(number: str):
    invoice = _invoice(number)
    return send_bytes(invoice_xml(invoice), document_filename(invoice, "xml"), "application/xml")


_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_AMOUNT = {"type": "integer", "description": "öre"}
_NO_SHOW = {"type": "object", "required": ["registration", "first_name", "last_name", "email", "organisation",
                                           "org_number", "invoice_reference", "kind", "fee", "waived",
                                           "waive_reason", "invoiced"], "properties": {
    "registration": {"type": "integer"}, "first_name": _TEXT, "last_name": _TEXT, "email": _TEXT,
    "organisation": _TEXT, "org_number": _TEXT, "invoice_reference": _TEXT,
    "kind": {"enum": ["no_show", "late_cancellation"]}, "fee": _AMOUNT, "waived": {"type": "boolean"},
    "waive_reason": _NULLABLE_TEXT, "invoiced": {"type": "boolean"}}}
_NO_SHOW_LIST = {"type": "object", "required": ["event", "approved", "approved_at", "fee", "total", "no_shows"],
                 "properties": {"event": _TEXT, "approved": {"type": "boolean"},
                                "approved_at": {"type": ["string", "null"], "format": "date-time"},
                                "fee": _AMOUNT, "total": _AMOUNT,
                                "no_shows": {"type": "array", "items": openapi.ref("NoShow")}}}
_LINE = {"type": "object", "required": ["position", "description", "attendee", "net_amount", "vat_rate",
                                        "vat_amount", "total_amount"], "properties": {
    "position": {"type": "integer"}, "description": _TEXT, "attendee": _TEXT, "net_amount": _AMOUNT,
    "vat_rate": {"type": "integer"}, "vat_amount": _AMOUNT, "total_amount": _AMOUNT}}
_INVOICE = {"type": "object", "required": [
    "number", "kind", "credits", "event", "issue_date", "due_date", "status", "delivery", "buyer", "currency",
    "vat_treatment", "vat_exemption_reason", "net_amount", "vat_amount", "total_amount", "paid_amount",
    "refunded_amount", "balance",
    "sent_on", "sent_via", "paid_on", "lines"], "properties": {
    "number": {"type": "integer"}, "kind": {"enum": ["invoice", "credit_note"]},
    "credits": {"type": ["integer", "null"]}, "event": _TEXT, "issue_date": {"type": "string", "format": "date"},
    "due_date": {"type": ["string", "null"], "format": "date"},
    "status": {"enum": ["issued", "sent", "paid", "refund_due", "credited", "credit_note"]},
    "delivery": {"enum": ["peppol", "email"]},
    "buyer": {"type": "object", "required": ["name", "org_number", "peppol_id", "reference", "street", "postcode",
                                             "city", "address"],
              "properties": {"name": _TEXT, "org_number": _TEXT, "peppol_id": _TEXT, "reference": _TEXT,
                             "street": _TEXT, "postcode": _TEXT, "city": _TEXT,
                             "address": {**_TEXT, "description": "An extra line: a c/o or an e-mail address"}}},
    "currency": {"const": "SEK"}, "vat_treatment": {"enum": ["standard", "outside_scope"]},
    "vat_exemption_reason": _TEXT, "net_amount": _AMOUNT, "vat_amount": _AMOUNT, "total_amount": _AMOUNT,
    "paid_amount": _AMOUNT, "refunded_amount": _AMOUNT,
    "balance": {**_AMOUNT, "description": "What is left to pay; negative while money is owed back"},
    "sent_on": {"type": ["string", "null"], "format": "date"},
    "sent_via": {"enum": ["peppol", "email", None]},
    "paid_on": {"type": ["string", "null"], "format": "date"}, "lines": {"type": "array", "items": openapi.ref(
        "InvoiceLine")}}}
_ISSUED = {"type": "object", "required": ["invoices", "held_back"], "properties": {
    "invoices": {"type": "array", "items": {"type": "integer"}},
    "held_back": {"type": "array", "items": {"type": "object", "required": [
        "buyer", "reference", "attendees", "registrations", "reason"], "properties": {
        "buyer": _TEXT, "reference": _TEXT, "attendees": {"type": "array", "items": _TEXT},
        "registrations": {"type": "array", "items": {"type": "integer"}}, "reason": _TEXT}}}}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
_REASON = {"type": "string", "minLength": 1, "maxLength": 500,
           "pattern": "^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$"}
_WAIVE = {"type": "object", "additionalProperties": False, "properties": {"waive": {
    "type": "array", "items": {"type": "object", "required": ["registration", "reason"], "additionalProperties": False,
                               "properties": {"registration": {"type": "integer", "minimum": 1,
                                                               "maximum": 2**31 - 1},
                                              "reason": _REASON}}}}}


def _document(mimetype: str, description: str) -> dict:
    return {"description": description, "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}}}


openapi.add_schemas({"NoShow": _NO_SHOW, "NoShowList": _NO_SHOW_LIST, "InvoiceLine": _LINE, "Invoice": _INVOICE,
                     "IssuedInvoices": _ISSUED})
openapi.add_paths({
    "/events/{slug}/no-shows": {"get": {
        "summary": "The no-show list", "operationId": "listNoShows", "parameters": [_SLUG],
        "description": "Roles: organiser, finance. Before approval: who would be charged now; after: the approved "
                       "fees. Fees in öre, excluding VAT.",
        "responses": openapi.responses({200: ("The list", openapi.ref("NoShowList"))}, 403, 404)}},
    "/events/{slug}/no-shows/approve": {"post": {
        "summary": "Approve the no-show list", "operationId": "approveNoShows", "parameters": [_SLUG],
        "description": "Role: organiser. Waives the listed fees (each with a reason), then fixes the fees so that "
                       "finance can invoice them. Only after the event has ended, and only once.",
        "requestBody": {"required": False, "content": openapi.json_content(_WAIVE)},
        "responses": openapi.responses({200: ("The approved list", openapi.ref("NoShowList"))},
                                       400, 403, 404, 409, 422)}},
    "/events/{slug}/invoices": {"get": {
        "summary": "An event's invoices and credit notes", "operationId": "listEventInvoices", "parameters": [_SLUG],
        "description": "Role: finance. No-show fees and paid bookings alike, by number.",
        "responses": openapi.responses({200: ("The invoices", {"type": "array", "items": openapi.ref("Invoice")})},
                                       403, 404)}, "post": {
        "summary": "Issue the approved no-show fees", "operationId": "issueInvoices", "parameters": [_SLUG],
        "description": "Role: finance. One invoice per buyer organisation and reference; issuing again invoices "
                       "only what is new. Buyers without an organisation number are held back with the reason.",
        "responses": openapi.responses({201: ("Invoices issued", openapi.ref("IssuedInvoices")),
                                        200: ("Nothing new was issued", openapi.ref("IssuedInvoices"))},
                                       403, 404, 409)}},
    "/invoices/{number}": {"get": {
        "summary": "An invoice or credit note", "operationId": "getInvoice", "parameters": [_NUMBER],
        "description": "Role: finance.",
        "responses": openapi.responses({200: ("The invoice", openapi.ref("Invoice"))}, 403, 404)}},
    "/invoices/{number}.pdf": {"get": {
        "summary": "The invoice as PDF", "operationId": "getInvoicePdf", "parameters": [_NUMBER],
        "description": "Role: finance.",
        "responses": {"200": _document("application/pdf", "The PDF"),
                      **{k: v for k, v in openapi.responses({}, 403, 404).items()}}}},
    "/invoices/{number}.xml": {"get": {
        "summary": "The invoice as Peppol BIS Billing 3.0 UBL", "operationId": "getInvoiceXml",
        "parameters": [_NUMBER], "description": "Role: finance. An Invoice or a CreditNote document.",
        "responses": {"200": _document("application/xml", "The UBL document"),
                      **{k: v for k, v in openapi.responses({}, 403, 404).items()}}}},
})
