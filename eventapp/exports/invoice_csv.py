"""Invoices of a period as CSV for a spreadsheet (semicolons, decimal comma, UTF-8 with BOM)."""
import csv
import io
from collections.abc import Iterable

from ..models import Invoice
from .tabular import safe_text

HEADER = ["Nummer", "Typ", "Krediterar", "Fakturadatum", "Förfallodatum", "Evenemang", "Köpare",
          "Organisationsnummer", "Referens", "Leverans", "Netto", "Moms", "Totalt", "Betalt", "Status",
          "Skickad", "Betald"]


def kronor(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"


def invoices_csv(invoices: Iterable[Invoice]) -> bytes:
    """One row per invoice or credit note; amounts in kronor with two decimals.

    Text typed by people (event, buyer, reference) goes through ``tabular.safe_text``, the one
    formula-escaping helper of the exports; amounts stay numbers ("-312,50" on a credit note).
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for invoice in invoices:
        writer.writerow([
            invoice.number,
            "Kreditfaktura" if invoice.is_credit_note else "Faktura",
            invoice.credited_invoice.number if invoice.credited_invoice else "",
            invoice.issue_date.isoformat(),
            "" if invoice.is_credit_note else invoice.due_date.isoformat(),
            safe_text(invoice.event.title),
            safe_text(invoice.buyer_name),
            safe_text(invoice.buyer_org_number),
            safe_text(invoice.buyer_reference),
            invoice.delivery,
            kronor(invoice.net_amount),
            kronor(invoice.vat_amount),
            kronor(invoice.total_amount),
            kronor(invoice.paid_amount),
            invoice.status,
            invoice.sent_on.isoformat() if invoice.sent_on else "",
            invoice.paid_on.isoformat() if invoice.paid_on else "",
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
