"""SIE 4 (type 4I: vouchers for import) of invoices, credit notes, payments and refunds, for Fortnox,
Visma & co.

Each invoice is one voucher: the receivable on the debit side, revenue and output VAT on the credit
side; a credit note is the same with the signs turned; a payment moves the receivable to the bank, a
refund moves it back. Every voucher balances. SIE files are PC8 (code page 437): a letter it lacks is
transliterated ("Łódź" becomes "Lodz"), so that a name is never reduced to question marks.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from anyascii import anyascii

from ..models import Invoice, Payment, Refund, VatTreatment

#: The BAS names of the default accounts; ``SIE_ACCOUNT_NAME_*`` settings replace them.
ACCOUNT_NAMES = {
    "receivable": "Kundfordringar",
    "revenue": "Försäljning tjänster, 25 % moms",
    "revenue_no_vat": "Övriga ersättningar och intäkter",
    "vat": "Utgående moms, 25 %",
    "bank": "Företagskonto",
}
#: The chart of accounts the default account numbers come from.
CHART = "BAS2014"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class SieAccounts:
    """BAS account numbers: receivables, revenue (with VAT / outside VAT), output VAT, bank; their names."""

    receivable: str = "1510"
    revenue: str = "3041"
    revenue_no_vat: str = "3990"
    vat: str = "2611"
    bank: str = "1930"
    series: str = "A"
    names: dict[str, str] = field(default_factory=lambda: dict(ACCOUNT_NAMES))


def pc8(text: str) -> str:
    """``text`` in the characters code page 437 has: others transliterated to ASCII ("?" if nothing)."""
    out = []
    for char in text:
        try:
            char.encode("cp437")
        except UnicodeEncodeError:
            out.append(anyascii(char) or "?")
        else:
            out.append(char)
    return "".join(out)


def quoted(text: str) -> str:
    """A SIE string: one line in code page 437, quotes and backslashes escaped."""
    text = pc8(_CONTROL.sub(" ", text or "")).replace("\\", "\\\\").replace('"', '\\"')
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


def refund_voucher(refund: Refund, accounts: SieAccounts) -> list[tuple[str, int]]:
    """Money paid back: the receivable (in credit after the credit note) is settled from the bank."""
    return [(accounts.receivable, refund.amount), (accounts.bank, -refund.amount)]


def _voucher(lines: list[str], series: str, day: date, text: str, rows: list[tuple[str, int]]) -> None:
    lines.append(f"#VER {quoted(series)} \"\" {day:%Y%m%d} {quoted(text)}")
    lines.append("{")
    for account, ore in rows:
        lines.append(f"   #TRANS {account} {{}} {sie_amount(ore)}")
    lines.append("}")


def sie_file(invoices: Iterable[Invoice], payments: Iterable[Payment], *, company: str, org_number: str,
             accounts: SieAccounts, generated_on: date, period: tuple[date, date] | None = None,
             refunds: Iterable[Refund] = ()) -> bytes:
    """The SIE 4I file with one voucher per invoice, credit note, payment and refund."""
    lines = [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        '#PROGRAM "eventapp" "1.0"',
        f"#GEN {generated_on:%Y%m%d}",
        f"#FNAMN {quoted(company)}",
        f"#ORGNR {org_number}",
        "#VALUTA SEK",
        f"#KPTYP {CHART}",
    ]
    if period is not None:
        lines.append(f"#OMFATTN {period[1]:%Y%m%d}")
    for key in ACCOUNT_NAMES:
        lines.append(f"#KONTO {getattr(accounts, key)} {quoted(accounts.names.get(key) or ACCOUNT_NAMES[key])}")
    for invoice in invoices:
        kind = "Kreditfaktura" if invoice.is_credit_note else "Faktura"
        _voucher(lines, accounts.series, invoice.issue_date, f"{kind} {invoice.number} {invoice.buyer_name}",
                 invoice_voucher(invoice, accounts))
    for payment in payments:
        _voucher(lines, accounts.series, payment.paid_on,
                 f"Inbetalning faktura {payment.invoice.number} {payment.invoice.buyer_name}",
                 [(accounts.bank, payment.amount), (accounts.receivable, -payment.amount)])
    for refund in refunds:
        _voucher(lines, accounts.series, refund.paid_on,
                 f"Återbetalning faktura {refund.invoice.number} {refund.invoice.buyer_name}",
                 refund_voucher(refund, accounts))
    return ("\r\n".join(lines) + "\r\n").encode("cp437", errors="replace")


def accounts_from_config(config) -> SieAccounts:
    """The accounts and their names set by the ``SIE_*`` settings."""
    names = {key: config.get(f"SIE_ACCOUNT_NAME_{key.upper()}") or name for key, name in ACCOUNT_NAMES.items()}
    return SieAccounts(receivable=config["SIE_ACCOUNT_RECEIVABLE"], revenue=config["SIE_ACCOUNT_REVENUE"],
                       revenue_no_vat=config["SIE_ACCOUNT_REVENUE_NO_VAT"], vat=config["SIE_ACCOUNT_VAT"],
                       bank=config["SIE_ACCOUNT_BANK"], series=config["SIE_VOUCHER_SERIES"], names=names)
