"""No-show fees in a real browser: the organiser reviews and approves the list after the event, then
finance issues the invoices with one click, downloads one as PDF and Peppol XML and marks it paid."""
import re
from io import BytesIO

from invoice_builders import ADDRESS, NACKA, attended, no_show, past_event
from lxml import etree
from playwright.sync_api import expect
from pypdf import PdfReader

from eventapp.database import utcnow
from eventapp.localtime import local_date

from .helpers import assert_accessible, assert_reflows, save_screenshots

UBL_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_BASIC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def seminar_with_no_shows(in_app, title: str) -> None:
    """A breakfast seminar with a 250 kr fee that ended two days ago: one came, four from two buyers did not."""
    with in_app():
        event, registered_at = past_event(utcnow(), title=title, kind="seminar")
        attended(event, registered_at, 1, first_name="Mahmoud", last_name="Rahimi", organisation="Region Skåne")
        no_show(event, registered_at, 2, first_name="Bo", last_name="Berg", **NACKA)
        no_show(event, registered_at, 3, first_name="Ida", last_name="Holm", **NACKA)
        no_show(event, registered_at, 4, first_name="Ingrid", last_name="Åkesson", **NACKA)
        # An agency: its organisation number comes from the register.
        no_show(event, registered_at, 5, first_name="Lars", last_name="Nilsson", organisation="Tillväxtverket",
                invoice_reference="Lars Nilsson", **ADDRESS)


def row(page, text: str):
    return page.get_by_role("row").filter(has_text=text)


def check_page(page, name: str) -> None:
    """No WCAG 2.1 A/AA violation, nothing wider than a phone but the tables' own scrolling, screenshots."""
    assert_accessible(page)
    assert_reflows(page)
    save_screenshots(page, name)


def test_organiser_approves_the_no_shows_and_finance_invoices_them_to_payment(new_page, in_app, log_in):
    title = "Nowa Nyfiken på Almedalen"
    seminar_with_no_shows(in_app, title)

    organiser = new_page()
    log_in(organiser, "organiser")
    # An ended event is in the archive; its no-shows are reached from the menu.
    organiser.get_by_role("navigation", name="Administration").get_by_role("link", name="No show-avgifter").click()
    organiser.get_by_role("link", name=title).click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(title)
    expect(organiser.get_by_role("heading", level=2, name="No show", exact=True)).to_be_visible()
    listed = organiser.get_by_role("table")
    expect(listed).to_have_accessible_name(re.compile(r"^4 på listan · att fakturera 1\s000\skr exkl\. moms$"))
    expect(listed).not_to_contain_text("Mahmoud Rahimi")  # he came
    check_page(organiser, "no-show-list")

    organiser.get_by_label("Skäl att efterskänka avgiften för Ingrid Åkesson").fill("Sjuk, ringde samma morgon")
    organiser.get_by_role("button", name="Efterskänk Ingrid Åkesson").click()
    expect(organiser.get_by_role("status")).to_have_text("Avgiften efterskänktes.")
    expect(row(organiser, "Ingrid Åkesson")).to_contain_text("Efterskänkt: Sjuk, ringde samma morgon")
    organiser.get_by_role("button", name="Godkänn no show-listan").click()
    expect(organiser.get_by_role("status")).to_have_text("No show-listan är godkänd: 3 avgifter kan faktureras.")
    expect(organiser.get_by_role("button", name="Godkänn no show-listan")).to_have_count(0)

    finance = new_page()
    log_in(finance, "finance")
    expect(finance.get_by_role("heading", level=1)).to_have_text("Fakturor")
    expect(row(finance, title)).to_contain_text("750 kr")  # three fees; one was waived
    check_page(finance, "finance-ready-to-invoice")
    finance.get_by_role("button", name=f"Fakturera {title}").click()
    expect(finance.get_by_role("status")).to_have_text("Fakturor utfärdade (2): 1, 2.")
    expect(row(finance, "Nacka kommun")).to_contain_text("625 kr")  # two fees of 250 kr and 25 % VAT
    expect(row(finance, "Tillväxtverket")).to_contain_text("312,50 kr")
    check_page(finance, "finance-invoices")

    finance.get_by_role("link", name="1", exact=True).click()
    expect(finance.get_by_role("heading", level=1)).to_have_text("Faktura 1")
    check_page(finance, "finance-invoice")

    with finance.expect_download() as download:
        finance.get_by_role("link", name="Ladda ner PDF").click()
    assert download.value.suggested_filename == "faktura-1.pdf"
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert re.search(r"^Nummer 1$", text, re.MULTILINE)
    assert "KS-4711" in text and "Bo Berg" in text and "Ida Holm" in text and "Ingrid" not in text

    with finance.expect_download() as download:
        finance.get_by_role("link", name="Ladda ner Peppol-XML").click()
    assert download.value.suggested_filename == "faktura-1.xml"
    ubl = etree.fromstring(download.value.path().read_bytes())
    assert ubl.tag == UBL_INVOICE
    assert ubl.findtext(UBL_BASIC + "ID") == "1"
    assert ubl.findtext(UBL_BASIC + "BuyerReference") == "KS-4711"

    finance.get_by_label("Betald den").fill(local_date(utcnow()).isoformat())
    finance.get_by_role("button", name="Registrera betalning").click()
    expect(finance.get_by_role("status")).to_have_text("Betalningen är registrerad.")
    expect(finance.get_by_role("heading", name="Betalningar")).to_be_visible()

    finance.get_by_role("link", name="← Fakturor").click()
    paid = row(finance, "Nacka kommun")
    expect(paid).to_contain_text("Betald")
    expect(paid.get_by_role("cell").last).to_have_text("0 kr")

    # Paid, then credited: the credit note is confirmed first, and what is owed back is refunded.
    finance.get_by_role("link", name="1", exact=True).click()
    finance.get_by_role("button", name="Fortsätt och bekräfta kreditfakturan").click()
    expect(finance.get_by_text("Kryssa i raderna som ska krediteras, eller hela fakturan.")).to_be_visible()
    finance.get_by_label("Hela fakturan (alla rader som inte redan är krediterade)").check()
    finance.get_by_label("Orsak (skrivs ut på kreditfakturan)").fill("Deltog, men checkades inte in")
    finance.get_by_role("button", name="Fortsätt och bekräfta kreditfakturan").click()
    expect(finance.get_by_role("heading", level=1)).to_have_text("Bekräfta kreditfakturan")
    expect(finance.get_by_role("table")).to_contain_text("Bo Berg")
    check_page(finance, "finance-credit-confirm")
    finance.get_by_role("button", name="Utfärda kreditfakturan").click()
    expect(finance.get_by_role("heading", level=1)).to_have_text("Kreditfaktura 3")
    finance.get_by_role("link", name="1", exact=True).click()
    expect(finance.get_by_text("625 kr ska betalas tillbaka")).to_be_visible()
    check_page(finance, "finance-refund-due")
    finance.get_by_label("Datum för återbetalning").fill(local_date(utcnow()).isoformat())
    finance.get_by_role("button", name="Registrera återbetalning").click()
    expect(finance.get_by_role("status")).to_have_text("Återbetalningen är registrerad.")
    expect(finance.get_by_role("heading", name="Återbetalningar")).to_be_visible()
