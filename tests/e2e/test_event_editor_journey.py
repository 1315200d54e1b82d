"""An organiser writes an event in Swedish and English with the editor's rows, previews it, publishes
it, and a visitor reads the form in English; the same rows without JavaScript."""
from datetime import timedelta

from playwright.sync_api import expect

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.localtime import local_date
from eventapp.models import Event, Registration

from .conftest import DESKTOP, PHONE
from .helpers import check_both_widths

TITLE = "Strategiskt forum för nyanländas etablering"
TITLE_EN = "Strategic forum on the establishment of newcomers"


def row(page, legend: str):
    """A row of the editor's lists, by its legend ("Fråga 2")."""
    return page.get_by_role("group", name=legend, exact=True)


def fill_event(page, day) -> None:
    page.get_by_label("Rubrik på svenska").fill(TITLE)
    page.get_by_label("Rubrik på engelska (frivilligt)").fill(TITLE_EN)
    page.get_by_label("Typ av evenemang").select_option(label="Forum")
    page.get_by_label("Beskrivning på svenska").fill("Ett forum för kommunala chefer och strateger.")
    page.get_by_label("Beskrivning på engelska (frivilligt)").fill("A forum for municipal managers and strategists.")
    page.get_by_label("Börjar").fill(f"{day.isoformat()}T09:30")
    page.get_by_label("Slutar").fill(f"{day.isoformat()}T15:30")
    page.get_by_label("Lokal", exact=True).fill("Kommunförbundet Skåne")
    page.get_by_label("Ort").fill("Lund")
    page.get_by_label("Sista anmälningsdag", exact=True).fill((day - timedelta(days=10)).isoformat())
    page.get_by_label("Antal platser").fill("60")


def test_an_event_in_two_languages_is_previewed_published_and_read_in_english(new_page, log_in, in_app):
    day = local_date(utcnow()) + timedelta(days=40)
    organiser = new_page()
    log_in(organiser, "organiser")
    organiser.get_by_role("link", name="Nytt evenemang").click()
    fill_event(organiser, day)

    # The programme: three rows added in the page, the last moved up, one removed.
    for _ in range(3):
        organiser.get_by_role("button", name="Lägg till en programpunkt").click()
    expect(row(organiser, "Programpunkt 3").get_by_label("Tid")).to_be_focused()
    for number, (time, title, english) in enumerate([("09:30", "Välkommen", "Welcome"),
                                                     ("13:30", "World café", ""),
                                                     ("11:00", "Strategi i praktiken", "Strategy in practice")], 1):
        item = row(organiser, f"Programpunkt {number}")
        item.get_by_label("Tid").fill(time)
        item.get_by_label("Rubrik på svenska").fill(title)
        item.get_by_label("Rubrik på engelska (frivilligt)").fill(english)
    row(organiser, "Programpunkt 3").get_by_role("button", name="Flytta upp").click()
    expect(row(organiser, "Programpunkt 2").get_by_role("button", name="Flytta upp")).to_be_focused()
    expect(row(organiser, "Programpunkt 2").get_by_label("Rubrik på svenska")).to_have_value("Strategi i praktiken")
    organiser.get_by_role("button", name="Lägg till en programpunkt").click()
    row(organiser, "Programpunkt 4").get_by_role("button", name="Ta bort").click()
    expect(organiser.get_by_role("button", name="Lägg till en programpunkt")).to_be_focused()

    # Three kinds of question, in both languages.
    for _ in range(3):
        organiser.get_by_role("button", name="Lägg till en fråga").click()
    first = row(organiser, "Fråga 1")
    first.get_by_label("Typ av svar").select_option(label="Ett val")
    first.get_by_label("Fråga på svenska").fill("Vilken målgrupp tillhör du?")
    first.get_by_label("Fråga på engelska (frivilligt)").fill("Which target group do you belong to?")
    first.get_by_label("Svarsalternativ på svenska, ett per rad").fill("Chef\nStrateg\nHandläggare")
    first.get_by_label("Svarsalternativ på engelska").fill("Manager\nStrategist\nOfficer")
    first.get_by_label("Svar krävs").check()
    second = row(organiser, "Fråga 2")
    second.get_by_label("Typ av svar").select_option(label="Flera val")
    second.get_by_label("Fråga på svenska").fill("Vilka World café-bord vill du sitta vid?")
    second.get_by_label("Fråga på engelska (frivilligt)").fill("Which World café tables would you like to join?")
    second.get_by_label("Hjälptext på svenska (frivilligt)").fill("Välj gärna flera.")
    second.get_by_label("Hjälptext på engelska (frivilligt)").fill("Choose several if you like.")
    second.get_by_label("Svarsalternativ på svenska, ett per rad").fill("Bostad\nArbete\nHälsa")
    second.get_by_label("Svarsalternativ på engelska").fill("Housing\nWork\nHealth")
    third = row(organiser, "Fråga 3")
    expect(third.get_by_label("Svarsalternativ på svenska, ett per rad")).to_be_hidden()  # a text question
    third.get_by_label("Typ av svar").select_option(label="Ja eller nej")
    third.get_by_label("Fråga på svenska").fill("Vill du äta lunch?")
    third.get_by_label("Fråga på engelska (frivilligt)").fill("Would you like lunch?")
    check_both_widths(organiser, "event-editor-rows")

    # A mistake first: English choices that do not match the Swedish ones.
    second.get_by_label("Svarsalternativ på engelska").fill("Housing\nWork")
    organiser.get_by_role("button", name="Skapa evenemanget").click()
    expect(organiser.locator("#error-summary")).to_be_focused()
    expect(organiser.locator("#questions-1-choices_en-error")).to_contain_text("ett engelskt svarsalternativ")
    check_both_widths(organiser, "event-editor-errors")
    row(organiser, "Fråga 2").get_by_label("Svarsalternativ på engelska").fill("Housing\nWork\nHealth")
    organiser.get_by_role("button", name="Skapa evenemanget").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(TITLE)
    check_both_widths(organiser, "event-overview")

    # The preview: clearly marked, registration disabled, in both languages.
    organiser.get_by_role("link", name="Förhandsvisning").first.click()
    expect(organiser.get_by_role("note")).to_contain_text("Det är inte publicerat än")
    expect(organiser.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(organiser.get_by_role("list").filter(has_text="Strategi i praktiken")).to_contain_text(
        "Välkommen")
    check_both_widths(organiser, "preview-event")
    organiser.get_by_role("link", name="Anmäl dig").click()
    expect(organiser.get_by_role("button", name="Anmäl dig")).to_be_disabled()
    expect(organiser.get_by_role("group", name="Vilken målgrupp tillhör du?")).to_be_visible()
    check_both_widths(organiser, "preview-register")
    organiser.get_by_role("link", name="English").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(f"Register for {TITLE_EN}")
    expect(organiser.get_by_role("group", name="Which target group do you belong to?")).to_be_visible()
    check_both_widths(organiser, "preview-register-english")
    organiser.get_by_role("link", name="Svenska").click()
    organiser.get_by_role("link", name="Tillbaka till evenemanget i administrationen").click()
    organiser.get_by_role("button", name="Publicera", exact=True).click()
    expect(organiser.get_by_text("Publicerat", exact=True)).to_be_visible()

    # A visitor on a phone reads it in English.
    with in_app():
        slug = db.session.scalar(db.select(Event.slug).where(Event.title == TITLE))
    visitor = new_page(PHONE)
    visitor.goto(f"/events/{slug}?lang=en")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE_EN)
    programme = visitor.get_by_role("region", name="Programme")
    expect(programme).to_contain_text("Welcome")
    expect(programme).to_contain_text("Strategy in practice")
    expect(visitor.locator("span[lang=sv]", has_text="World café")).to_be_visible()  # no English title
    check_both_widths(visitor, "event-english")
    visitor.get_by_role("link", name="Register").click()
    target = visitor.get_by_role("group", name="Which target group do you belong to?")
    expect(target).to_be_visible()
    tables = visitor.get_by_role("group", name="Which World café tables would you like to join? (optional)")
    expect(tables).to_contain_text("Choose several if you like.")
    check_both_widths(visitor, "register-english-questions")
    visitor.get_by_label("First name").fill("Leyla")
    visitor.get_by_label("Last name").fill("Rahimi")
    visitor.get_by_label("E-mail").fill("leyla@example.org")
    visitor.get_by_label("Organisation", exact=True).fill("Region Skåne")
    visitor.get_by_role("button", name="Register").click()
    expect(visitor.locator("#error-summary")).to_contain_text(
        "Answer the question: Which target group do you belong to?")
    target.get_by_label("Strategist").check()
    tables.get_by_label("Housing").check()
    tables.get_by_label("Health").check()
    visitor.get_by_role("group", name="Would you like lunch? (optional)").get_by_label("Yes").check()
    visitor.get_by_label("I agree").check()
    visitor.get_by_role("button", name="Register").click()
    expect(visitor.get_by_role("heading", name="You are registered")).to_be_visible()
    expect(visitor.get_by_text(f"Welcome to {TITLE_EN}, Leyla.")).to_be_visible()
    check_both_widths(visitor, "registered-english")
    with in_app():
        registration = db.session.scalar(db.select(Registration).where(Registration.email == "leyla@example.org"))
        assert registration.language == "en"
        assert sorted(answer.value for answer in registration.answers) == ["Bostad\nHälsa", "Strateg", "yes"]


def test_the_rows_work_without_javascript(browser, live_server, log_in, in_app):
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, "organiser")
        page.goto("/admin/events/new")
        fill_event(page, local_date(utcnow()) + timedelta(days=40))
        page.get_by_role("button", name="Lägg till en programpunkt").click()  # the form comes back with a row
        expect(page.get_by_label("Rubrik på svenska").first).to_have_value(TITLE)
        expect(row(page, "Programpunkt 1").get_by_label("Tid")).to_be_focused()
        row(page, "Programpunkt 1").get_by_label("Tid").fill("09:30")
        row(page, "Programpunkt 1").get_by_label("Rubrik på svenska").fill("Välkommen")
        page.get_by_role("button", name="Lägg till en programpunkt").click()
        row(page, "Programpunkt 2").get_by_label("Tid").fill("09:00")
        row(page, "Programpunkt 2").get_by_label("Rubrik på svenska").fill("Kaffe")
        row(page, "Programpunkt 2").get_by_role("button", name="Flytta upp").click()
        expect(row(page, "Programpunkt 1").get_by_label("Rubrik på svenska")).to_have_value("Kaffe")
        page.get_by_role("button", name="Lägg till en fråga").click()
        row(page, "Fråga 1").get_by_label("Typ av svar").select_option(label="Ja eller nej")
        row(page, "Fråga 1").get_by_label("Fråga på svenska").fill("Vill du äta lunch?")
        # Enter in a field saves the form; it does not press a row's button.
        page.get_by_label("Ort").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        with in_app():
            event = db.session.scalar(db.select(Event).where(Event.title == TITLE))
            assert [item.title for item in event.agenda] == ["Kaffe", "Välkommen"]
            assert [(q.kind, q.text) for q in event.questions] == [("yes_no", "Vill du äta lunch?")]
    finally:
        context.close()
