"""The printable invoice or credit note, in Swedish, through the safe PDF renderer."""
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..models import Invoice, VatTreatment
from ..services import vat
from ..services.buyers import BuyerAddress
from ..services.seller import Seller
from .pdf import render_pdf


def document_filename(invoice: Invoice, extension: str) -> str:
    """"faktura-17.pdf", "kreditfaktura-18.xml": ASCII from the number alone, safe in any header."""
    prefix = "kreditfaktura" if invoice.is_credit_note else "faktura"
    return f"{prefix}-{int(invoice.number)}.{extension}"


def invoice_pdf(invoice: Invoice) -> bytes:
    """PDF bytes of an issued invoice; needs an application context (templates, translations)."""
    with force_locale("sv"):
        title = _("Credit note") if invoice.is_credit_note else _("Invoice")
        breakdown = vat.stated((line.net_amount, line.vat_rate, line.vat_amount) for line in invoice.lines)
        html = render_template("invoices/invoice.html", invoice=invoice, title=title,
                               seller=Seller.from_snapshot(invoice.seller), breakdown=breakdown,
                               address=BuyerAddress.of_invoice(invoice),
                               outside_scope=invoice.vat_treatment == VatTreatment.OUTSIDE_SCOPE)
    return render_pdf(html)
