"""Finance: issuing the approved no-show fees, following invoices to payment, credit notes, exports."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..database import utcnow
from ..exports.invoice_csv import invoices_csv
from ..exports.invoice_pdf import document_filename, invoice_pdf
from ..exports.peppol import invoice_xml
from ..exports.sie import accounts_from_config, sie_file
from ..forms import BuyerForm, ConfirmForm, CreditForm, DateActionForm, EmailInvoiceForm, InvoiceFilterForm
from ..models import Delivery, Role
from ..services import invoice_mail, invoicing, paid_events
from ..services.errors import DomainError, NotFound
from ..services.events import get_event
from ..services.seller import seller_from_config
from .downloads import send_bytes

bp = Blueprint("finance", __name__, url_prefix="/finance")


@bp.before_request
@login_required
def require_finance():
    if not current_user.has_role(Role.FINANCE):
        abort(403)


def _filters(form: InvoiceFilterForm) -> invoicing.InvoiceFilter:
    if not form.validate():
        return invoicing.InvoiceFilter()
    return invoicing.InvoiceFilter(status=form.status.data or "", buyer=form.buyer.data or "",
                                   date_from=form.date_from.data, date_to=form.date_to.data)


@bp.get("/")
def invoices():
    form = InvoiceFilterForm(request.args)
    listed = invoicing.list_invoices(_filters(form))
    emails = invoice_mail.latest_messages(listed.invoices)
    return render_template("finance/invoices.html", form=form, listed=listed, ready=invoicing.events_to_invoice(),
                           emails=emails, undelivered=invoice_mail.undelivered(listed.invoices, emails),
                           confirm_form=ConfirmForm(), buyer_form=BuyerForm(formdata=None),
                           held_bookings=paid_events.held_bookings(), query=request.args.to_dict())


@bp.post("/registrations/<int(max=2147483647):registration_id>/buyer")
def update_buyer(registration_id: int):
    form = BuyerForm()
    if form.validate_on_submit():
        try:
            invoicing.update_buyer(registration_id, org_number=form.org_number.data or "",
                                   peppol_id=form.peppol_id.data or "", street=form.invoice_street.data or "",
                                   postcode=form.invoice_postcode.data or "", city=form.invoice_city.data or "",
                                   actor=current_user, now=utcnow())
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The buyer's details are saved; issue the invoices again."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for(".invoices"))


@bp.post("/events/<slug>/bookings/issue")
def issue_bookings(slug: str):
    """Issue what is due of a paid event's bookings now (those held back and completed since, say)."""
    try:
        event = get_event(slug)
    except NotFound:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    issued = paid_events.issue_due(event.id, utcnow(), actor=current_user)
    held = [row for row in paid_events.held_bookings() if row.booking.event_id == event.id]
    if issued:
        flash(_("Issued: %(numbers)s.", numbers=", ".join(str(invoice.number) for invoice in issued)), "success")
    for row in held:
        flash(_("Still held back: %(buyer)s: %(reason)s", buyer=row.booking.booker_name, reason=row.reason), "error")
    return redirect(url_for(".invoices"))


@bp.post("/events/<slug>/issue")
def issue(slug: str):
    try:
        event = get_event(slug)
    except NotFound:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = invoicing.issue_invoices(event.id, actor=current_user, now=utcnow())
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".invoices"))
    if result.invoices:
        flash(_("Invoices issued (%(count)d): %(numbers)s.", count=len(result.invoices),
                numbers=", ".join(str(i.number) for i in result.invoices)), "success")
    else:
        flash(_("Nothing new to invoice for %(title)s.", title=event.title), "info")
    for held in result.held_back:
        flash(_("Held back: %(buyer)s (%(people)s). %(reason)s", buyer=held.buyer_name or "–",
                people=", ".join(held.attendees), reason=held.reason), "error")
    return redirect(url_for(".invoices"))


def _invoice_or_404(number: int):
    try:
        return invoicing.get_invoice(number)
    except NotFound:
        abort(404)


def _invoice_page(invoice, *, sent_form=None, paid_form=None, credit_form=None, email_form=None, refund_form=None,
                  error=None, status=200):
    today = invoicing.local_date(utcnow())
    credit_form = credit_form or CreditForm(formdata=None)
    recipient = invoice_mail.default_recipient(invoice) if invoice.delivery == Delivery.EMAIL else ""
    credited = {line.credited_line_id for note in invoice.credit_notes for line in note.lines}
    credit_form.lines.choices = [SelectChoice(line.id, f"{line.position}. {line.attendee_name}")
                                 for line in invoice.lines if line.id not in credited]
    return render_template(
        "finance/invoice.html", invoice=invoice, error=error, credited=credited,
        sent_form=sent_form or DateActionForm(formdata=None, prefix="sent", date=today),
        paid_form=paid_form or DateActionForm(formdata=None, prefix="paid", date=today), credit_form=credit_form,
        refund_form=refund_form or DateActionForm(formdata=None, prefix="refund", date=today),
        emails=invoice_mail.messages_for(invoice), recipient=recipient,
        email_form=email_form or EmailInvoiceForm(formdata=None, prefix="email", recipient=recipient),
    ), status


@bp.get("/invoices/<int:number>")
def invoice_page(number: int):
    return _invoice_page(_invoice_or_404(number))


@bp.post("/invoices/<int:number>/sent")
def mark_sent(number: int):
    invoice = _invoice_or_404(number)
    form = DateActionForm(prefix="sent")
    if form.validate_on_submit():
        try:
            invoicing.mark_sent(invoice.id, form.date.data, actor=current_user, now=utcnow())
        except DomainError as exc:
            return _invoice_page(invoice, sent_form=form, error=str(exc), status=422)
        flash(_("Invoice %(number)d is marked as sent.", number=number), "success")
        return redirect(url_for(".invoice_page", number=number))
    return _invoice_page(invoice, sent_form=form, error=_("Enter a date."), status=422)


@bp.post("/invoices/<int:number>/email")
def email_invoice(number: int):
    invoice = _invoice_or_404(number)
    form = EmailInvoiceForm(prefix="email")
    if form.validate_on_submit():
        try:
            message = invoicing.email_invoice(invoice.id, actor=current_user, now=utcnow(),
                                              recipient=form.recipient.data)
        except DomainError as exc:
            if exc.field == "recipient":
                form.recipient.errors = [str(exc)]
                return _invoice_page(invoice, email_form=form, status=422)
            return _invoice_page(invoice, email_form=form, error=str(exc), status=422)
        flash(_("The e-mail to %(address)s is queued and goes out shortly.", address=message.recipient), "success")
        return redirect(url_for(".invoice_page", number=number))
    return _invoice_page(invoice, email_form=form, status=422)


@bp.post("/invoices/<int:number>/payments")
def record_payment(number: int):
    invoice = _invoice_or_404(number)
    form = DateActionForm(prefix="paid")
    if form.validate_on_submit():
        try:
            invoicing.record_payment(invoice.id, form.date.data, actor=current_user, now=utcnow(),
                                     amount=form.amount.data)
        except DomainError as exc:
            return _invoice_page(invoice, paid_form=form, error=str(exc), status=422)
        flash(_("The payment is recorded."), "success")
        return redirect(url_for(".invoice_page", number=number))
    errors = [e for field in (form.date, form.amount) for e in field.errors]
    return _invoice_page(invoice, paid_form=form, error=" ".join(map(str, errors)) or None, status=422)


@bp.post("/invoices/<int:number>/refunds")
def record_refund(number: int):
    invoice = _invoice_or_404(number)
    form = DateActionForm(prefix="refund")
    if form.validate_on_submit():
        try:
            invoicing.record_refund(invoice.id, form.date.data, actor=current_user, now=utcnow(),
                                    amount=form.amount.data)
        except DomainError as exc:
            return _invoice_page(invoice, refund_form=form, error=str(exc), status=422)
        flash(_("The refund is recorded."), "success")
        return redirect(url_for(".invoice_page", number=number))
    errors = [e for field in (form.date, form.amount) for e in field.errors]
    return _invoice_page(invoice, refund_form=form, error=" ".join(map(str, errors)) or None, status=422)


@bp.post("/invoices/<int:number>/credit")
def credit(number: int):
    """A credit note in two steps: what is asked for is shown to confirm, and only a confirmed one is issued."""
    invoice = _invoice_or_404(number)
    form = CreditForm()
    form.lines.choices = [SelectChoice(line.id, str(line.position)) for line in invoice.lines]
    if not form.validate_on_submit():
        return _invoice_page(invoice, credit_form=form, status=422)
    asked = dict(line_ids=form.lines.data or None, whole=form.whole.data, reason=form.reason.data or "")
    try:
        if form.confirmed.data != "yes":
            plan = invoicing.credit_preview(invoice.id, actor=current_user, **asked)
            return render_template("finance/credit_confirm.html", invoice=invoice, plan=plan, form=form)
        note = invoicing.credit_invoice(invoice.id, actor=current_user, now=utcnow(), **asked)
    except DomainError as exc:
        if exc.field in ("lines", "reason"):
            form[exc.field].errors = list(form[exc.field].errors) + [str(exc)]
            return _invoice_page(invoice, credit_form=form, status=422)
        return _invoice_page(invoice, credit_form=form, error=str(exc), status=422)
    flash(_("Credit note %(number)d issued.", number=note.number), "success")
    return redirect(url_for(".invoice_page", number=note.number))


@bp.get("/invoices/<int:number>.pdf")
def invoice_pdf_download(number: int):
    invoice = _invoice_or_404(number)
    return send_bytes(invoice_pdf(invoice), document_filename(invoice, "pdf"), "application/pdf")


@bp.get("/invoices/<int:number>.xml")
def invoice_xml_download(number: int):
    invoice = _invoice_or_404(number)
    return send_bytes(invoice_xml(invoice), document_filename(invoice, "xml"), "application/xml")


def _period() -> tuple[date, date, list]:
    form = InvoiceFilterForm(request.args)
    filters = _filters(form)
    if filters.date_from is None or filters.date_to is None or filters.date_to < filters.date_from:
        abort(400)
    filters.status = ""
    return filters.date_from, filters.date_to, invoicing.list_invoices(filters).invoices


@bp.get("/exports/invoices.csv")
def export_csv():
    start, end, invoices = _period()
    return send_bytes(invoices_csv(invoices), f"fakturor-{start}-{end}.csv", "text/csv; charset=utf-8")


@bp.get("/exports/invoices.si")
def export_sie():
    """SIE 4I, named .si as the import of vouchers expects."""
    start, end, invoices = _period()
    payments = invoicing.payments_between(start, end)
    config = current_app.config
    seller = seller_from_config(config)
    data = sie_file(invoices, payments, company=seller.name, org_number=seller.org_number,
                    accounts=accounts_from_config(config), generated_on=invoicing.local_date(utcnow()),
                    period=(start, end), refunds=invoicing.refunds_between(start, end))
    return send_bytes(data, f"fakturor-{start}-{end}.si", "text/plain; charset=cp437")
