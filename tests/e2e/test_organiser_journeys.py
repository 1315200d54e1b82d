"""Organisers in a real browser: create and publish an event, see registrations arrive, export the
attendee list, print the name badges, check people in on a phone."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
from builders import make_event, register
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from eventapp.database import utcnow
from eventapp.localtime import local_date
from eventapp.services.cancellation import cancel_registration

from .conftest import DESKTOP, PHONE
from .helpers import assert_accessible, assert_reflows, save_screenshots

#: A badge printer's label, 4 × 3 inches, in PDF points.
BADGE_PRINTER_PAGE = (288, 216)


def registered_count(page, title: str):
    """The "registered" cell of the event's row on the back-office overview."""
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title))
    return row.get_by_role("cell").nth(2)


def test_organiser_creates_and_publishes_an_event_sees_a_registration_arrive_and_exports_it(
        new_page, log_in):
    title = "Strategiskt forum för nyanländas etablering och integration"
    today = local_date(utcnow())
    day = today + timedelta(days=30)

    organiser = new_page()
    log_in(organiser, "organiser")
    expect(organiser.get_by_role("heading", level=1)).to_have_text("Evenemang")
    organiser.get_by_role("link", name="Nytt evenemang").click()
    organiser.get_by_label("Rubrik på svenska").fill(title)
    organiser.get_by_label("Typ av evenemang").select_option(label="Forum")
    organiser.get_by_label("Beskrivning på svenska").fill("Ett forum för kommunala chefer och strateger.")
    organiser.get_by_label("Börjar").fill(f"{day.isoformat()}T09:30")
    organiser.get_by_label("Slutar").fill(f"{day.isoformat()}T15:30")
    organiser.get_by_label("Lokal").fill("Kommunförbundet Skåne")
    organiser.get_by_label("Ort").fill("Lund")
    organiser.get_by_label("Sista anmälningsdag", exact=True).fill((day - timedelta(days=10)).isoformat())
    organiser.get_by_label("Antal platser").fill("40")
    organiser.get_by_role("button", name="Skapa evenemanget").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(title)
    assert_accessible(organiser)
    organiser.get_by_role("button", name="Publicera", exact=True).click()
    expect(organiser.get_by_text("Publicerat", exact=True)).to_be_visible()
    overview = organiser.url

    attendee = new_page(PHONE)
    attendee.goto("/")
    attendee.get_by_role("link", name=title).click()
    attendee.get_by_role("link", name="Anmäl dig").click()
    attendee.get_by_label("Förnamn").fill("Mahmoud")
    attendee.get_by_label("Efternamn").fill("Rahimi")
    attendee.get_by_label("E-post").fill("mahmoud@example.org")
    attendee.get_by_label("Organisation", exact=True).fill("Region Skåne")
    attendee.get_by_label("Jag godkänner").check()
    attendee.get_by_role("button", name="Anmäl dig").click()
    expect(attendee.get_by_role("heading", name="Du är anmäld")).to_be_visible()

    organiser.goto("/admin/")
    expect(registered_count(organiser, title)).to_have_text("1")
    assert_accessible(organiser)
    save_screenshots(organiser, "back-office-overview")

    organiser.goto(overview)
    with organiser.expect_download() as download:
        organiser.get_by_role("link", name="Deltagarlista som Excel (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(download.value.path().read_bytes()), read_only=True).active
    cells = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None}
    assert {"Mahmoud", "Rahimi", "mahmoud@example.org"} <= cells

    organiser.get_by_role("button", name="Logga ut").click()
    expect(organiser.get_by_role("status")).to_have_text("Du är utloggad.")
    organiser.goto("/admin/")
    expect(organiser).to_have_url(re.compile(r"/login"))


def event_with_registrations(in_app, title: str) -> None:
    """An event in three weeks with five confirmed attendees and one who cancelled (and gets no badge)."""
    with in_app():
        now = utcnow()
        event = make_event(now, title=title, capacity=40)
        register(event, now, 1, first_name="Mahmoud", last_name="Rahimi", organisation="Region Skåne")
        register(event, now, 2, first_name="Ingrid", last_name="Åkesson", organisation="Eslövs kommun")
        register(event, now, 3, first_name="شیرین", last_name="احمدی", organisation="Malmö stad")
        register(event, now, 4, first_name="Lars", last_name="Nilsson", organisation="Tillväxtverket")
        register(event, now, 5, first_name="Karin", last_name="Lind", organisation="Lunds kommun")
        cancelled = register(event, now, 6, first_name="Sven", last_name="Avbokad", organisation="Höörs kommun")
        cancel_registration(cancelled.registration.id, now)


def test_organiser_prints_a_badge_for_each_confirmed_attendee(new_page, in_app, log_in, worker):
    title = "Kommunikation och integration – lär av varandra"
    event_with_registrations(in_app, title)

    organiser = new_page()
    log_in(organiser, "organiser")
    organiser.get_by_role("link", name=title).click()
    organiser.get_by_role("link", name="Namnbrickor").click()
    expect(organiser.get_by_text("5 bekräftade deltagare")).to_be_visible()
    organiser.get_by_label("Format").select_option(label="En namnbricka per sida (brickskrivare, 4 × 3 tum)")
    organiser.get_by_role("button", name="Uppdatera förhandsvisningen").click()
    preview = organiser.get_by_role("img", name="Första sidan som den skrivs ut.")
    preview.evaluate("img => img.decode()")  # rendered on request: wait until it has arrived
    assert preview.evaluate("img => img.naturalWidth / img.naturalHeight") == pytest.approx(4 / 3, rel=0.01)
    assert_accessible(organiser)
    assert_reflows(organiser)
    save_screenshots(organiser, "badges")

    organiser.get_by_role("button", name="Skapa pdf:en").click()
    expect(organiser.get_by_text("5 namnbrickor är klara.")).to_be_visible()
    assert_accessible(organiser)
    with organiser.expect_download() as download:
        organiser.get_by_role("link", name="Ladda ner pdf:en").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = PdfReader(BytesIO(pdf)).pages
    assert [(round(page.mediabox.width), round(page.mediabox.height)) for page in pages] == [BADGE_PRINTER_PAGE] * 5
    texts = [page.extract_text() for page in pages]
    for first_name in ("Mahmoud", "Ingrid", "شیرین", "Lars", "Karin"):
        assert sum(first_name in text for text in texts) == 1, f"{first_name} is not on exactly one badge"
    assert not any("Avbokad" in text for text in texts)

    organiser.get_by_role("link", name="Tillbaka till namnbrickorna").click()
    expect(organiser.get_by_text("5 namnbrickor utskrivna, 0 inte utskrivna än")).to_be_visible()

def event_starting_soon(in_app, title: str) -> tuple[str, str]:
    """An event starting in two hours with two confirmed attendees: (slug, the second one's badge code)."""
    with in_app():
        now = utcnow()
        event = make_event(now, title=title, kind="seminar", starts_at=now + timedelta(hours=2),
                           registration_opens_at=now - timedelta(days=10),
                           registration_deadline=now + timedelta(hours=1))
        register(event, now, 1, first_name="Mahmoud", last_name="Rahimi", organisation="Region Skåne")
        second = register(event, now, 2, first_name="Ingrid", last_name="Åkesson", organisation="Eslöv")
        return event.slug, second.registration.check_in_code


def test_organiser_checks_someone_in_on_a_phone(new_page, in_app, log_in):
    title = "Nowa Nyfiken på Almedalen"
    slug, _ = event_starting_soon(in_app, title)

    phone = new_page(PHONE)
    log_in(phone, "organiser")
    phone.goto("/checkin/")
    phone.get_by_role("link", name=title).click()
    expect(phone.locator("#door-counts")).to_have_text("Incheckade 0 av 2")
    assert_accessible(phone)

    phone.get_by_label("Sök på namn, organisation eller e-post").fill("Rahimi")
    phone.get_by_role("button", name="Sök").click()
    phone.locator("#door-results").get_by_role("button", name="Checka in Mahmoud Rahimi").click()
    expect(phone.get_by_role("status").first).to_contain_text("Mahmoud Rahimi är incheckad.")
    expect(phone.locator("#door-counts")).to_have_text("Incheckade 1 av 2")
    assert_accessible(phone)
    save_screenshots(phone, "check-in-door")


def test_volunteer_types_the_badge_code_on_a_phone(new_page, in_app, log_in):
    slug, code = event_starting_soon(in_app, "Strategiskt forum")
    phone = new_page(PHONE)
    log_in(phone, "checkin", [slug])
    phone.goto(f"/checkin/{slug}")
    code_field = phone.get_by_label("Koden på namnbrickan")
    expect(code_field).to_be_focused()  # ready for the handheld scanner
    code_field.fill(code.lower())
    code_field.press("Enter")
    expect(phone.get_by_role("status").first).to_contain_text("Ingrid Åkesson är incheckad.")
    expect(phone.locator("#door-counts")).to_have_text("Incheckade 1 av 2")
    assert_accessible(phone)


#: Each chart label whose drawn box reaches outside its chart, with how far.
LABELS_OUTSIDE_THEIR_CHART = """() => Array.from(document.querySelectorAll("svg.bar-chart")).flatMap(svg => {
    const chart = svg.getBoundingClientRect();
    return Array.from(svg.querySelectorAll(".chart-label")).map(label => {
        const box = label.getBoundingClientRect();
        return [label.textContent, chart.left - box.left, box.right - chart.right];
    }).filter(([, left, right]) => left > 0 || right > 0);
})"""


def test_the_statistics_charts_show_long_labels_whole_on_a_phone_and_a_desktop(new_page, in_app, log_in):
    with in_app():
        now = utcnow()
        event = make_event(now, title="Kommunikation och integration – lär av varandra")
        for n, organisation in enumerate(["Migrationsverket", "Tillväxtverket", "Älvsbyns kommun",
                                          "Svedala kommun", "Jönköpings kommun", "Scouterna"], start=1):
            register(event, now, n, organisation=organisation)
        slug = event.slug
    organiser = new_page()
    log_in(organiser, "organiser")
    organiser.goto(f"/admin/events/{slug}/statistics")
    county_chart = organiser.locator("figure", has=organiser.locator("#chart-county-title"))
    # The two lines of the label, one <tspan> each.
    expect(county_chart.locator("svg .chart-label").first).to_have_text("Utan län (myndigheter,organisationer)")
    for viewport in (DESKTOP, PHONE):
        organiser.set_viewport_size(viewport)
        assert organiser.evaluate(LABELS_OUTSIDE_THEIR_CHART) == [], viewport
    assert_accessible(organiser)
    save_screenshots(organiser, "statistics")
