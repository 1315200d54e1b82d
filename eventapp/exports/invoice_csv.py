"""Invoices of a period as CSV for a spreadsheet (semicolons, decimal comma, UTF-8 with BOM)."""
import csv
import io
from collections.abc import Iterable

from ..models import Invoice

HEADER = ["Nummer", "Typ", "Krediterar", "Fakturadatum", "Förfallodatum", "Evenemang", "Köpare",
          "Organisationsnummer", "Referens", "Leverans", "Netto", "Moms", "Totalt", "Betalt", "Status",
          "Skickad", "Betald"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """Text as a spreadsheet shows it and never runs it: a leading formula character is quoted."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def kronor(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"


def invoices_csv(invoices: Iterable[Invoice]) -> bytes:
    """One row per invoice or credit note; amounts in kronor with two decimals."""
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
            text_cell(invoice.event.title),
            text_cell(invoice.buyer_name),
            invoice.buyer_org_number,
            text_cell(invoice.buyer_reference),
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
