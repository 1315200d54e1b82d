"""Attendees in a real browser, clicking and typing as people do: from the event list to a cancellation."""
import re

from builders import make_event
from playwright.sync_api import expect
from sqlalchemy import select

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration

from .helpers import save_screenshots


def statuses(in_app, slug: str) -> dict[str, str]:
    """E-mail address → status of every registration for the event."""
    with in_app():
        rows = db.session.execute(
            select(Registration.email, Registration.status).join(Registration.event).where(
                Registration.event.has(slug=slug))
        )
        return dict(rows.all())


def open_event_from_the_list(page, title: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def register_in_swedish(page, first, last, email, organisation="Nacka kommun", button="Anmäl dig"):
    page.get_by_role("link", name=button).click()
    page.get_by_label("Förnamn").fill(first)
    page.get_by_label("Efternamn").fill(last)
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Befattning").fill("Kommunikatör")
    page.get_by_label("Organisation", exact=True).fill(organisation)
    page.get_by_label("Kost/allergier (frivilligt)").fill("Vegetarisk")
    page.get_by_label("Jag godkänner att mina uppgifter sparas").check()
    page.get_by_role("button", name=button).click()


def test_attendees_register_in_swedish_and_english_send_a_colleague_and_cancel(new_page, in_app):
    with in_app():
        slug = make_event(utcnow(), title="Kommunikation och integration – lär av varandra", capacity=10).slug
    title = "Kommunikation och integration – lär av varandra"

    # Åsa registers in Swedish, the default language.
    asa = new_page()
    open_event_from_the_list(asa, title)
    expect(asa.get_by_text("10 platser kvar")).to_be_visible()
    register_in_swedish(asa, "Åsa", "Öberg-Ärlig", "asa@example.org")
    expect(asa.get_by_role("heading", name="Du är anmäld")).to_be_visible()
    expect(asa.get_by_text("En bekräftelse har skickats till asa@example.org.")).to_be_visible()
    asa.get_by_role("link", name="Hantera din anmälan").click()
    expect(asa).to_have_url(re.compile(r"/r/[^/]+$"))
    expect(asa.get_by_text("Åsa Öberg-Ärlig")).to_be_visible()
    expect(asa.locator(".status")).to_have_text("Bekräftad")

    # Leyla, on another computer, chooses English.
    leyla = new_page()
    leyla.goto("/")
    leyla.get_by_role("link", name="English").click()
    expect(leyla.get_by_role("heading", level=1)).to_have_text("Upcoming events")
    leyla.get_by_role("link", name=title).click()
    expect(leyla.get_by_text("9 places left")).to_be_visible()
    leyla.get_by_role("link", name="Register").click()
    leyla.get_by_label("First name").fill("Leyla")
    leyla.get_by_label("Last name").fill("Rahimi")
    leyla.get_by_label("E-mail").fill("leyla@example.org")
    leyla.get_by_label("Organisation", exact=True).fill("Migrationsverket")
    leyla.get_by_label("I agree").check()
    leyla.get_by_role("button", name="Register").click()
    expect(leyla.get_by_role("heading", name="You are registered")).to_be_visible()
    leyla.get_by_role("link", name="Manage your registration").click()
    expect(leyla.locator(".status")).to_have_text("Confirmed")

    # Åsa cannot come and sends a colleague instead.
    asa.get_by_role("link", name="Skicka en kollega i stället").click()
    asa.get_by_label("Förnamn").fill("Bertil")
    asa.get_by_label("Efternamn").fill("Berg")
    asa.get_by_label("E-post").fill("bertil@example.org")
    asa.get_by_label("Jag lämnar över min plats").check()
    asa.get_by_role("button", name="Lämna över min plats").click()
    expect(asa.get_by_role("status")).to_contain_text("Din plats är överlämnad till Bertil Berg")
    expect(asa.locator(".status")).to_have_text("Överlämnad till en kollega")
    expect(asa.get_by_role("link", name="Avboka")).to_have_count(0)

    # Leyla cancels, with a confirmation step.
    leyla.get_by_role("link", name="Cancel registration").click()
    expect(leyla.get_by_role("heading", level=1)).to_have_text("Cancel your registration?")
    leyla.get_by_role("button", name="Yes, cancel my registration").click()
    expect(leyla.get_by_role("status")).to_have_text("Your registration is cancelled.")
    expect(leyla.locator(".status")).to_have_text("Cancelled")
    save_screenshots(leyla, "journey-cancelled-english")

    assert statuses(in_app, slug) == {"asa@example.org": "transferred", "bertil@example.org": "confirmed",
                                      "leyla@example.org": "cancelled"}
    # Bertil holds Åsa's place, Leyla's is free again.
    asa.get_by_role("link", name=title).click()
    expect(asa.get_by_text("9 platser kvar")).to_be_visible()


def test_waiting_list_place_goes_to_the_first_in_line_when_someone_cancels(new_page, in_app):
    title = "Nowa Nyfiken på Almedalen"
    with in_app():
        slug = make_event(utcnow(), title=title, kind="seminar", capacity=1).slug

    erik = new_page()
    open_event_from_the_list(erik, title)
    register_in_swedish(erik, "Erik", "Svensson", "erik@example.org")
    expect(erik.get_by_role("heading", name="Du är anmäld")).to_be_visible()
    erik.get_by_role("link", name="Hantera din anmälan").click()

    zahra = new_page()
    open_event_from_the_list(zahra, title)
    expect(zahra.get_by_text("Fullbokat – anmäl dig till väntelistan")).to_be_visible()
    register_in_swedish(zahra, "Zahra", "Hosseini", "zahra@example.org", organisation="Göteborgs Stad",
                        button="Anmäl dig till väntelistan")
    expect(zahra.get_by_role("heading", name="Du står på väntelistan")).to_be_visible()
    expect(zahra.get_by_text("Du är nummer 1 på väntelistan")).to_be_visible()
    zahra.get_by_role("link", name="Hantera din anmälan").click()
    expect(zahra.locator(".status")).to_have_text("På väntelistan")
    expect(zahra.get_by_text("nummer 1 på väntelistan")).to_be_visible()
    personal_link = zahra.url

    erik.get_by_role("link", name="Avboka").click()
    erik.get_by_role("button", name="Ja, avboka min anmälan").click()
    expect(erik.locator(".status")).to_have_text("Avbokad")

    zahra.goto(personal_link)
    expect(zahra.locator(".status")).to_have_text("Bekräftad")
    expect(zahra.get_by_text("på väntelistan")).to_have_count(0)
    save_screenshots(zahra, "journey-promoted-from-waiting-list")
    assert statuses(in_app, slug) == {"erik@example.org": "cancelled", "zahra@example.org": "confirmed"}


def test_the_next_booker_of_an_organisation_is_offered_its_invoice_address(new_page, in_app):
    """Nacka kommun gave its invoice address once: the next colleague who names Nacka kommun and types its
    organisation number finds the address filled in, says nothing is wrong, and registers."""
    from builders import register

    from eventapp.models import Registration as Stored

    with in_app():
        event = make_event(utcnow(), title="Nowa Nyfiken på Almedalen", no_show_fee=25000)
        register(event, utcnow(), 1, organisation="Nacka kommun", org_number="212000-0142",
                 invoice_street="Granitvägen 15", invoice_postcode="131 81", invoice_city="Nacka")
        slug = event.slug
    page = new_page()
    page.goto(f"/events/{slug}/register")
    page.get_by_label("Förnamn").fill("Bo")
    page.get_by_label("Efternamn").fill("Berg")
    page.get_by_label("E-post").fill("bo@example.org")
    page.get_by_label("Organisation", exact=True).fill("Nacka kommun")
    expect(page.get_by_label("Gatuadress eller box")).to_have_value("")
    page.get_by_label("Organisationsnummer (frivilligt)").fill("212000-0142")
    page.get_by_label("Organisationsnummer (frivilligt)").blur()
    expect(page.get_by_label("Gatuadress eller box")).to_have_value("Granitvägen 15")
    expect(page.get_by_label("Postnummer")).to_have_value("131 81")
    expect(page.get_by_label("Ort", exact=True)).to_have_value("Nacka")
    expect(page.get_by_role("status")).to_have_text(
        "Ifyllt med fakturaadressen som er organisation angav tidigare: kontrollera den.")
    save_screenshots(page, "register-invoice-address-offered")
    page.get_by_label("Jag godkänner att mina uppgifter sparas").check()
    page.get_by_role("button", name="Anmäl dig").click()
    expect(page.get_by_role("heading", name="Du är anmäld")).to_be_visible()
    with in_app():
        stored = db.session.scalar(select(Stored).where(Stored.email == "bo@example.org"))
        assert (stored.invoice_street, stored.invoice_postcode, stored.invoice_city) == (
            "Granitvägen 15", "131 81", "Nacka")
