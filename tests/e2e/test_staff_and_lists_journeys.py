"""Staff accounts, lists and the door in a real browser: invite a volunteer who chooses a password and
checks someone in, a forgotten password, "oberg" finds Öberg, badges for a filtered selection, the
camera allowed on the check-in page. Every new or changed page is checked with axe at 375 and 1280 px
and saved as screenshots (tests/e2e/screenshots/)."""
import email
import email.policy
import re
from datetime import timedelta
from io import BytesIO

from builders import make_event, register, written
from playwright.sync_api import expect
from pypdf import PdfReader

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage
from eventapp.services.cancellation import cancel_registration

from .conftest import DESKTOP, PHONE
from .helpers import assert_accessible, assert_reflows, save_screenshots

NEW_PASSWORD = "grusväg kanelbulle fyrtorn"  # noqa: S105


def checked(page, name: str) -> None:
    """No axe violation at phone and desktop width, nothing to scroll sideways, screenshots saved."""
    original = page.viewport_size or DESKTOP
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_accessible(page)
    page.set_viewport_size(original)
    assert_reflows(page)
    save_screenshots(page, name)


def link_in_last_email(in_app, recipient: str) -> str:
    """The path of the link in the newest e-mail to ``recipient``, as its reader would click it."""
    with in_app():
        message = db.session.scalars(db.select(OutboxMessage).filter_by(recipient=recipient)
                                     .order_by(OutboxMessage.id.desc())).first()
        text = email.message_from_string(written(message), policy=email.policy.default).get_body(
            preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/login/password/\S+)", text).group(1)


def door_event(in_app) -> tuple[str, str]:
    """An event starting in an hour with people named Öberg and others; (slug, title)."""
    with in_app():
        now = utcnow()
        event = make_event(now - timedelta(days=20), title="Nowa Nyfiken på Almedalen", kind="seminar",
                           starts_at=now + timedelta(hours=1), registration_deadline=now, capacity=40)
        for n, (first, last, org) in enumerate([
                ("Åsa", "Öberg", "Nacka kommun"), ("Örjan", "Öberg", "Göteborgs stad"),
                ("Zara", "Zetterberg", "Region Skåne"), ("Per", "Åkesson", "Migrationsverket"),
                ("Ulla", "Ärlig", "Scouterna")], start=1):
            register(event, now - timedelta(days=10), n, first_name=first, last_name=last, organisation=org)
        return event.slug, event.title


def test_an_admin_invites_a_volunteer_who_chooses_a_password_and_checks_someone_in(new_page, in_app, log_in):
    slug, title = door_event(in_app)
    admin = new_page()
    log_in(admin, "admin")
    admin.get_by_role("link", name="Personal").click()
    expect(admin.get_by_role("heading", name="Personal")).to_be_visible()
    admin.get_by_role("link", name="Bjud in någon").click()
    admin.get_by_role("button", name="Skicka inbjudan").click()  # empty: explained beside the fields
    expect(admin.locator("#email-error")).to_be_visible()
    checked(admin, "staff-invite-with-errors")
    admin.get_by_label("E-post").fill("dorr@example.org")
    admin.get_by_label("Namn").fill("Dörr Dan")
    admin.get_by_label("Incheckningsfunktionär").check()
    admin.get_by_label(title).check()
    checked(admin, "staff-invite")
    admin.get_by_role("button", name="Skicka inbjudan").click()
    expect(admin.get_by_role("status")).to_contain_text("En inbjudan har skickats till dorr@example.org")
    expect(admin.get_by_text("Inbjuden, har inte valt lösenord än")).to_be_visible()
    checked(admin, "staff-list")
    admin.get_by_role("link", name="Dörr Dan").click()
    expect(admin.get_by_role("button", name="Skicka en ny inbjudan")).to_be_visible()
    checked(admin, "staff-edit")

    volunteer = new_page(PHONE)
    volunteer.goto(link_in_last_email(in_app, "dorr@example.org"))
    expect(volunteer.get_by_role("heading", name="Välj ett lösenord")).to_be_visible()
    volunteer.get_by_label("Nytt lösenord").fill("qwertyuiop12")
    volunteer.get_by_label("Samma lösenord igen").fill("qwertyuiop12")
    volunteer.get_by_role("button", name="Spara lösenordet").click()
    expect(volunteer.locator("#password-error")).to_contain_text("för lätt att gissa")
    checked(volunteer, "choose-password-with-errors")
    volunteer.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    volunteer.get_by_label("Samma lösenord igen").fill(NEW_PASSWORD)
    volunteer.get_by_role("button", name="Spara lösenordet").click()
    expect(volunteer.get_by_role("status").first).to_contain_text("Ditt lösenord är sparat")
    volunteer.get_by_role("link", name=title).click()
    expect(volunteer.locator("#door-counts")).to_have_text("Incheckade 0 av 5")
    expect(volunteer.locator("#door-waiting")).to_contain_text("Inte kommit än (5)")
    volunteer.get_by_label("Sök på namn, organisation eller e-post").fill("oberg")
    results = volunteer.locator("#door-results")
    expect(results.get_by_role("button", name="Checka in Åsa Öberg")).to_be_visible()
    results.get_by_role("button", name="Checka in Åsa Öberg").click()
    expect(volunteer.locator("#door-counts")).to_have_text("Incheckade 1 av 5")
    expect(volunteer.locator("#door-waiting")).to_contain_text("Inte kommit än (4)")
    waiting_names = volunteer.locator("#door-waiting strong").all_inner_texts()
    assert waiting_names == ["Zara Zetterberg", "Per Åkesson", "Ulla Ärlig", "Örjan Öberg"]
    checked(volunteer, "check-in-door-with-not-arrived")


def test_a_forgotten_password_is_reset_with_a_link_that_works_once(new_page, in_app, log_in):
    organiser = new_page()
    log_in(organiser, "organiser", email="glomsk@example.org")
    organiser.get_by_role("button", name="Logga ut").click()

    organiser.goto("/login")
    organiser.get_by_role("link", name="Glömt lösenord?").click()
    organiser.get_by_role("button", name="Skicka länken").click()
    expect(organiser.locator("#email-error")).to_be_visible()
    checked(organiser, "password-reset-with-errors")
    organiser.get_by_label("E-post").fill("glomsk@example.org")
    checked(organiser, "password-reset")
    organiser.get_by_role("button", name="Skicka länken").click()
    expect(organiser.get_by_role("heading", name="Titta i din e-post")).to_be_visible()
    checked(organiser, "password-reset-sent")

    link = link_in_last_email(in_app, "glomsk@example.org")
    organiser.goto(link)
    checked(organiser, "choose-new-password")
    organiser.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    organiser.get_by_label("Samma lösenord igen").fill(NEW_PASSWORD)
    organiser.get_by_role("button", name="Spara lösenordet").click()
    expect(organiser).to_have_url(re.compile(r"/admin/$"))

    stranger = new_page(PHONE)
    stranger.goto(link)  # used: a clear page, not a login
    expect(stranger.get_by_role("heading", name="Länken kan inte användas")).to_be_visible()
    expect(stranger.get_by_text("Länken har redan använts")).to_be_visible()
    expect(stranger.get_by_label("Lösenord")).to_have_count(0)
    checked(stranger, "link-used")
    stranger.goto(link[:-3] + "xyz")
    expect(stranger.get_by_text("Länken är inte giltig")).to_be_visible()


def test_oberg_finds_every_oberg_and_badges_are_printed_for_the_filtered_list(new_page, in_app, log_in, worker):
    slug, title = door_event(in_app)
    with in_app():
        now = utcnow()
        event = make_event(now, title="Kommunikation och integration", capacity=40)
        for n, (first, last) in enumerate([("Åsa", "Öberg"), ("Örjan", "Öberg"), ("Björn", "Oberg"),
                                           ("Anna", "Berg"), ("Ulla", "Ärlig"), ("Per", "Åkesson")], start=1):
            register(event, now, n, first_name=first, last_name=last, organisation="Göteborgs stad")
        gone = register(event, now, 9, first_name="Olof", last_name="Öberg", organisation="Nacka kommun")
        cancel_registration(gone.registration.id, now)
        list_slug = event.slug

    organiser = new_page()
    log_in(organiser, "organiser")
    organiser.goto(f"/admin/events/{list_slug}/attendees")
    names = organiser.locator("tbody td:nth-child(2)").all_inner_texts()
    assert names == ["Berg, Anna", "Oberg, Björn", "Åkesson, Per", "Ärlig, Ulla", "Öberg, Olof", "Öberg, Åsa",
                     "Öberg, Örjan"]
    organiser.get_by_label("Sök", exact=True).fill("oberg")
    organiser.get_by_role("button", name="Visa").click()
    expect(organiser.get_by_text("4 anmälningar")).to_be_visible()
    checked(organiser, "attendees-searched")

    organiser.get_by_label("Alla som sökningen och filtren hittar").check()
    organiser.get_by_label("Åtgärd").select_option(label="Skriv ut namnbrickor")
    organiser.get_by_role("button", name="Fortsätt").click()
    expect(organiser.get_by_text("3 namnbrickor är klara.")).to_be_visible()  # the cancelled Olof gets none
    with organiser.expect_download() as download:
        organiser.get_by_role("link", name="Ladda ner pdf:en").click()
    texts = [page.extract_text() for page in PdfReader(BytesIO(download.value.path().read_bytes())).pages]
    text = "\n".join(texts)
    assert all(name in text for name in ("Björn", "Åsa", "Örjan")) and "Olof" not in text and "Anna" not in text

    organiser.goto(f"/admin/events/{list_slug}/attendees?q=goteborg&status=confirmed")
    organiser.get_by_label("Bocka för Anna Berg").check()
    organiser.get_by_label("Bocka för Ulla Ärlig").check()
    organiser.get_by_label("Åtgärd").select_option(label="Avboka anmälningarna")
    organiser.get_by_role("button", name="Fortsätt").click()
    expect(organiser.get_by_role("heading", name="Avboka 2 anmälningar?")).to_be_visible()
    checked(organiser, "attendees-cancel-confirm")
    organiser.get_by_role("button", name="Ja, avboka dem").click()
    expect(organiser.get_by_text("2 anmälningar avbokades.")).to_be_visible()
    organiser.get_by_role("button", name="Fortsätt").click()  # nothing ticked: explained, nothing done
    expect(organiser.locator("#error-summary")).to_be_visible()
    checked(organiser, "attendees-with-errors")

    organiser.goto(f"/admin/events/{list_slug}/log")
    expect(organiser.get_by_text("Anmälan för Ulla Ärlig avbokades.")).to_be_visible()
    expect(organiser.get_by_text("namnbrickor skrevs ut")).to_be_visible()
    assert "registration.cancelled" not in organiser.content()
    checked(organiser, "change-log")


def test_the_check_in_page_may_use_the_camera_and_says_why_when_it_cannot(new_page, in_app, log_in):
    slug, _ = door_event(in_app)
    phone = new_page(PHONE)
    log_in(phone, "organiser")
    response = phone.goto(f"/checkin/{slug}")
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert phone.evaluate("document.featurePolicy.allowsFeature('camera')")
    phone.get_by_role("button", name="Skanna med kameran").click()
    problem = phone.locator("#door-camera-problem")
    expect(problem).to_be_visible()  # this headless browser has no camera to give
    expect(problem).to_contain_text("Skriv koden")
    checked(phone, "check-in-camera-problem")

    other = phone.goto("/admin/")
    assert "camera=()" in other.headers["permissions-policy"]
    assert not phone.evaluate("document.featurePolicy.allowsFeature('camera')")


def test_the_volunteers_page_leads_an_admin_to_an_invitation(new_page, in_app, log_in):
    slug, _ = door_event(in_app)
    admin = new_page()
    log_in(admin, "admin")
    admin.goto(f"/checkin/{slug}/staff")
    expect(admin.get_by_text("Det finns inget incheckningskonto än.")).to_be_visible()
    checked(admin, "check-in-volunteers")
    admin.get_by_role("link", name="Bjud in en ny funktionär").click()
    expect(admin.get_by_label("Incheckningsfunktionär")).to_be_checked()
