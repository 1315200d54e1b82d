"""SIE 4 (type 4I: vouchers for import) of invoices, credit notes and payments, for Fortnox, Visma & co.

Each invoice is one voucher: the receivable on the debit side, revenue and output VAT on the credit
side; a credit note is the same with the signs turned; a payment moves the receivable to the bank.
Every voucher balances. SIE files are PC8 (code page 437); a character it lacks becomes "?".
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..models import Invoice, Payment, VatTreatment

ACCOUNT_NAMES = {
    "receivable": "Kundfordringar",
    "revenue": "Försäljning tjänster, 25 % moms",
    "revenue_no_vat": "Övriga ersättningar och intäkter",
    "vat": "Utgående moms, 25 %",
    "bank": "Företagskonto",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class SieAccounts:
    """BAS account numbers: receivables, revenue (with VAT / outside VAT), output VAT, bank."""

    receivable: str = "1510"
    revenue: str = "3041"
    revenue_no_vat: str = "3990"
    vat: str = "2611"
    bank: str = "1930"
    series: str = "A"


def quoted(text: str) -> str:
    """A SIE string: one line, quotes and backslashes escaped."""
    text = _CONTROL.sub(" ", text or "").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def sie_amount(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def invoice_voucher(invoice: Invoice, accounts: SieAccounts) -> list[tuple[str, int]]:
    """(account, amount in öre) rows of an invoice's voucher; debit positive, credit negative."""
    revenue = accounts.revenue if invoice.vat_treatment == VatTreatment.STANDARD else accounts.revenue_no_vat
    rows = [(accounts.receivable, invoice.total_amount), (revenue, -invoice.net_amount)]
    if invoice.vat_amount:
        rows.append((accounts.vat, -invoice.vat_amount))
    return rows


def _voucher(lines: list[str], series: str, day: date, text: str, rows: list[tuple[str, int]]) -> None:
    lines.append(f"#VER {quoted(series)} \"\" {day:%Y%m%d} {quoted(text)}")
    lines.append("{")
    for account, ore in rows:
        lines.append(f"   #TRANS {account} {{}} {sie_amount(ore)}")
    lines.append("}")


def sie_file(invoices: Iterable[Invoice], payments: Iterable[Payment], *, company: str, org_number: str,
             accounts: SieAccounts, generated_on: date, period: tuple[date, date] | None = None) -> bytes:
    """The SIE 4I file with one voucher per invoice, credit note and payment."""
    lines = [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        '#PROGRAM "eventapp" "1.0"',
        f"#GEN {generated_on:%Y%m%d}",
        f"#FNAMN {quoted(company)}",
        f"#ORGNR {org_number}",
        "#VALUTA SEK",
    ]
    if period is not None:
        lines.append(f"#OMFATTN {period[1]:%Y%m%d}")
    for key, name in ACCOUNT_NAMES.items():
        lines.append(f"#KONTO {getattr(accounts, key)} {quoted(name)}")
    for invoice in invoices:
        kind = "Kreditfaktura" if invoice.is_credit_note else "Faktura"
        _voucher(lines, accounts.series, invoice.issue_date, f"{kind} {invoice.number} {invoice.buyer_name}",
                 invoice_voucher(invoice, accounts))
    for payment in payments:
        _voucher(lines, accounts.series, payment.paid_on,
                 f"Inbetalning faktura {payment.invoice.number} {payment.invoice.buyer_name}",
                 [(accounts.bank, payment.amount), (accounts.receivable, -payment.amount)])
    return ("\r\n".join(lines) + "\r\n").encode("cp437", errors="replace")


def accounts_from_config(config) -> SieAccounts:
    """The accounts set by the ``SIE_*`` settings."""
    return SieAccounts(receivable=config["SIE_ACCOUNT_RECEIVABLE"], revenue=config["SIE_ACCOUNT_REVENUE"],
                       revenue_no_vat=config["SIE_ACCOUNT_REVENUE_NO_VAT"], vat=config["SIE_ACCOUNT_VAT"],
                       bank=config["SIE_ACCOUNT_BANK"], series=config["SIE_VOUCHER_SERIES"])
