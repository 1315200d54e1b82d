"""Invoices of a period as CSV for a spreadsheet (semicolons, decimal comma, UTF-8 with BOM), with
headings and codes in the user's language."""
import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import Invoice
from .tabular import safe_text

HEADER = [_l("Number"), _l("Type"), _l("Credits invoice"), _l("Invoice date"), _l("Due date"), _l("Event"),
          _l("Buyer"), _l("Organisation number"), _l("Reference"), _l("Delivery"), _l("Net"), _l("VAT"),
          _l("Total"), _l("Amount paid"), _l("Amount refunded"), _l("Status"), _l("Sent"), _l("Paid on")]


def kronor(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"


def invoices_csv(invoices: Iterable[Invoice]) -> bytes:
    """One row per invoice or credit note; amounts in kronor with two decimals; headings, types,
    delivery and status in the language of the request (call it inside one).

    Text typed by people (event, buyer, reference) goes through ``tabular.safe_text``, the one
    formula-escaping helper of the exports; amounts stay numbers ("-312,50" on a credit note).
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(heading) for heading in HEADER])
    for invoice in invoices:
        writer.writerow([
            invoice.number,
            _("Credit note") if invoice.is_credit_note else _("Invoice"),
            invoice.credited_invoice.number if invoice.credited_invoice else "",
            invoice.issue_date.isoformat(),
            "" if invoice.is_credit_note else invoice.due_date.isoformat(),
            safe_text(invoice.event.title),
            safe_text(invoice.buyer_name),
            safe_text(invoice.buyer_org_number),
            safe_text(invoice.buyer_reference),
            str(invoice.delivery_label),
            kronor(invoice.net_amount),
            kronor(invoice.vat_amount),
            kronor(invoice.total_amount),
            kronor(invoice.paid_amount),
            kronor(invoice.refunded_amount),
            str(invoice.status_label),
            invoice.sent_on.isoformat() if invoice.sent_on else "",
            invoice.paid_on.isoformat() if invoice.paid_on else "",
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
