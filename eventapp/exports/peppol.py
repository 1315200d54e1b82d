"""Peppol BIS Billing 3.0: an invoice or credit note as UBL 2.1 XML (EN 16931, Swedish SE-R rules).

What the Swedish rules ask for: the seller's VAT number is SE + 12 digits, the organisation number
10 digits with a valid check digit, "Godkänd för F-skatt" as a tax registration, only 25/12/6 %
as standard rates, and bankgiro/plusgiro as credit transfer (code 30) with SE:BANKGIRO/SE:PLUSGIRO.
A fee outside the scope of VAT (category O) carries an exemption reason and no VAT numbers.
Credit notes carry positive amounts; the document type says they reduce the invoice.

VAT is stated per rate, on the rate's total (BR-CO-17); the buyer's address is its street, postcode
and city. Only a buyer reached through Peppol has an electronic address (``EndpointID``): for a buyer
who gets the PDF by e-mail the document is a plain EN 16931 invoice, naming no Peppol participant
that nobody registered.
"""
import re
from zoneinfo import ZoneInfo

from lxml import etree

from ..models import Delivery, Invoice, VatTreatment
from ..services import vat
from ..services.buyers import BuyerAddress

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#: For a buyer outside Peppol: the European standard alone (whose buyer needs no electronic address).
EN16931_ID = "urn:cen.eu:en16931:2017"
CURRENCY = "SEK"
#: The day of supply is the event's day where it takes place.
SWEDEN = ZoneInfo("Europe/Stockholm")
# XML 1.0 cannot carry most control characters; whatever an attendee typed loses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def amount(ore: int) -> str:
    """Öre as a decimal with two places: 31250 -> '312.50'."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text or "")


class _Builder:
    def __init__(self, root_ns: str, root_name: str):
        self.root = etree.Element(f"{{{root_ns}}}{root_name}", nsmap={None: root_ns, **NS})

    def add(self, parent, tag: str, text: str | None = None, **attributes):
        prefix, local = tag.split(":")
        element = etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", {k: str(v) for k, v in attributes.items()})
        if text is not None:
            element.text = _clean(str(text))
        return element

    def money(self, parent, name: str, ore: int):
        return self.add(parent, name, amount(ore), currencyID=CURRENCY)


def _scheme_and_id(participant: str) -> tuple[str, str]:
    scheme, _, identifier = participant.partition(":")
    return scheme, identifier


def _postal_address(b: _Builder, party, street: str, additional: str, city: str, postcode: str) -> None:
    address = b.add(party, "cac:PostalAddress")
    if street:
        b.add(address, "cbc:StreetName", street)
    if additional:
        b.add(address, "cbc:AdditionalStreetName", additional)
    if city:
        b.add(address, "cbc:CityName", city)
    if postcode:
        b.add(address, "cbc:PostalZone", postcode)
    b.add(b.add(address, "cac:Country"), "cbc:IdentificationCode", "SE")


def _supplier(b: _Builder, invoice: Invoice) -> None:
    seller = invoice.seller
    party = b.add(b.add(b.root, "cac:AccountingSupplierParty"), "cac:Party")
    scheme, identifier = _scheme_and_id(seller["peppol_id"])
    b.add(party, "cbc:EndpointID", identifier, schemeID=scheme)
    b.add(b.add(party, "cac:PartyName"), "cbc:Name", seller["name"])
    _postal_address(b, party, seller["street"], "", seller["city"], seller["postcode"].replace(" ", ""))
    if invoice.vat_treatment == VatTreatment.STANDARD:
        # BR-O-02: an invoice outside the scope of VAT names no VAT numbers.
        tax = b.add(party, "cac:PartyTaxScheme")
        b.add(tax, "cbc:CompanyID", seller["vat_number"])
        b.add(b.add(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
    if seller["f_skatt"]:
        tax = b.add(party, "cac:PartyTaxScheme")
        b.add(tax, "cbc:CompanyID", "Godkänd för F-skatt")
        b.add(b.add(tax, "cac:TaxScheme"), "cbc:ID", "TAX")
    legal = b.add(party, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", seller["name"])
    b.add(legal, "cbc:CompanyID", seller["org_number"].replace("-", ""))
    contact = b.add(party, "cac:Contact")
    if seller.get("phone"):
        b.add(contact, "cbc:Telephone", seller["phone"])
    b.add(contact, "cbc:ElectronicMail", seller["email"])


def _customer(b: _Builder, invoice: Invoice) -> None:
    party = b.add(b.add(b.root, "cac:AccountingCustomerParty"), "cac:Party")
    org_digits = invoice.buyer_org_number.replace("-", "")
    if _through_peppol(invoice):
        scheme, identifier = _scheme_and_id(invoice.buyer_peppol_id)
        b.add(party, "cbc:EndpointID", identifier, schemeID=scheme)
    b.add(b.add(party, "cac:PartyName"), "cbc:Name", invoice.buyer_name)
    address = BuyerAddress.of_invoice(invoice)
    # The extra line goes on the address when it is one (a c/o), not when it is where the PDF is mailed.
    additional = "" if "@" in address.extra else address.extra
    _postal_address(b, party, address.street, additional, address.city, address.postcode.replace(" ", ""))
    legal = b.add(party, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", invoice.buyer_name)
    b.add(legal, "cbc:CompanyID", org_digits, schemeID="0007")


def _through_peppol(invoice: Invoice) -> bool:
    return invoice.delivery == Delivery.PEPPOL and bool(invoice.buyer_peppol_id)


def _payment(b: _Builder, invoice: Invoice) -> None:
    seller = invoice.seller
    means = b.add(b.root, "cac:PaymentMeans")
    b.add(means, "cbc:PaymentMeansCode", "30", name="Credit transfer")
    b.add(means, "cbc:PaymentID", str(invoice.number))
    for key, branch in (("bankgiro", "SE:BANKGIRO"), ("plusgiro", "SE:PLUSGIRO")):
        if seller.get(key):
            account = b.add(means, "cac:PayeeFinancialAccount")
            b.add(account, "cbc:ID", re.sub(r"\D", "", seller[key]))
            b.add(b.add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", branch)
            break
    terms = b.add(b.root, "cac:PaymentTerms")
    b.add(terms, "cbc:Note", f"{seller['payment_terms_days']} dagar netto")


def _tax_category(b: _Builder, parent, name: str, invoice: Invoice, rate: int, with_reason: bool) -> None:
    category = b.add(parent, name)
    if invoice.vat_treatment == VatTreatment.STANDARD:
        b.add(category, "cbc:ID", "S")
        b.add(category, "cbc:Percent", str(rate))
    else:
        b.add(category, "cbc:ID", "O")
        if with_reason:
            reason = invoice.vat_exemption_reason or "Utanför momsens tillämpningsområde"
            b.add(category, "cbc:TaxExemptionReason", reason)
    b.add(b.add(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def invoice_xml(invoice: Invoice) -> bytes:
    """The Peppol BIS Billing 3.0 document (Invoice or CreditNote) for an issued invoice, UTF-8."""
    credit = invoice.is_credit_note
    sign = -1 if credit else 1
    b = _Builder(CREDIT_NOTE_NS if credit else INVOICE_NS, "CreditNote" if credit else "Invoice")
    root = b.root
    if _through_peppol(invoice):
        b.add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
        b.add(root, "cbc:ProfileID", PROFILE_ID)
    else:
        b.add(root, "cbc:CustomizationID", EN16931_ID)
    b.add(root, "cbc:ID", str(invoice.number))
    b.add(root, "cbc:IssueDate", invoice.issue_date.isoformat())
    if not credit:
        b.add(root, "cbc:DueDate", invoice.due_date.isoformat())
    b.add(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", "381" if credit else "380")
    if invoice.note:
        b.add(root, "cbc:Note", invoice.note)
    b.add(root, "cbc:DocumentCurrencyCode", CURRENCY)
    b.add(root, "cbc:BuyerReference", invoice.buyer_reference)
    if credit and invoice.credited_invoice is not None:
        reference = b.add(b.add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.add(reference, "cbc:ID", str(invoice.credited_invoice.number))
        b.add(reference, "cbc:IssueDate", invoice.credited_invoice.issue_date.isoformat())
    _supplier(b, invoice)
    _customer(b, invoice)
    delivery = b.add(root, "cac:Delivery")
    b.add(delivery, "cbc:ActualDeliveryDate", invoice.event.starts_at.astimezone(SWEDEN).date().isoformat())
    if not credit:
        _payment(b, invoice)
    tax_total = b.add(root, "cac:TaxTotal")
    b.money(tax_total, "cbc:TaxAmount", sign * invoice.vat_amount)
    for total in vat.stated((line.net_amount, line.vat_rate, line.vat_amount) for line in invoice.lines):
        subtotal = b.add(tax_total, "cac:TaxSubtotal")
        b.money(subtotal, "cbc:TaxableAmount", sign * total.taxable)
        b.money(subtotal, "cbc:TaxAmount", sign * total.vat)
        _tax_category(b, subtotal, "cac:TaxCategory", invoice, total.rate, with_reason=True)
    totals = b.add(root, "cac:LegalMonetaryTotal")
    b.money(totals, "cbc:LineExtensionAmount", sign * invoice.net_amount)
    b.money(totals, "cbc:TaxExclusiveAmount", sign * invoice.net_amount)
    b.money(totals, "cbc:TaxInclusiveAmount", sign * invoice.total_amount)
    b.money(totals, "cbc:PayableAmount", sign * invoice.total_amount)
    for line in invoice.lines:
        element = b.add(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        b.add(element, "cbc:ID", str(line.position))
        b.add(element, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", "1", unitCode="C62")
        b.money(element, "cbc:LineExtensionAmount", sign * line.net_amount)
        item = b.add(element, "cac:Item")
        b.add(item, "cbc:Description", line.attendee_name)
        b.add(item, "cbc:Name", line.description[:100])
        _tax_category(b, item, "cac:ClassifiedTaxCategory", invoice, line.vat_rate, with_reason=False)
        b.money(b.add(element, "cac:Price"), "cbc:PriceAmount", sign * line.net_amount)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
