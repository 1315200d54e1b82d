"""Writing to attendees and attendees helping themselves, in a real browser; and the new pages checked by
axe at 375 and 1280 px."""
import pytest
from builders import make_event, register
from playwright.sync_api import expect

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage, Registration

from .helpers import check_both_widths


def event_with_attendees(in_app) -> tuple[str, str]:
    """An event with three confirmed, the first checked in; (its slug, the second's personal-link token)."""
    with in_app():
        now = utcnow()
        event = make_event(now, title="Kommunikation och integration", capacity=10)
        first = register(event, now, 1, first_name="Karin").registration
        token = register(event, now, 2, first_name="Omid", dietary="Vegetarisk").token
        register(event, now, 3, first_name="Lena")
        first.checked_in_at = now
        db.session.commit()
        return event.slug, token


def messages_to(in_app, kind="message") -> list[str]:
    with in_app():
        return sorted(db.session.scalars(db.select(OutboxMessage.recipient).where(OutboxMessage.kind == kind)))


def test_an_organiser_writes_to_those_not_checked_in(page, in_app, log_in):
    slug, _ = event_with_attendees(in_app)
    log_in(page, "organiser")
    page.goto(f"/admin/events/{slug}")
    page.get_by_role("link", name="Utskick").click()
    page.get_by_label("Till").select_option("not_checked_in")
    page.get_by_label("Ämne").fill("Ny lokal, {first_name}")
    page.get_by_label("Text").fill("Hej {first_name}!\n\nVi är i sal B. Din anmälan: {link}")
    page.get_by_role("button", name="Förhandsvisning").click()
    preview = page.locator(".message-preview")
    expect(preview).to_contain_text("Ny lokal, Omid")
    expect(preview).to_contain_text("Hej Omid!")
    assert messages_to(in_app) == []
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_text("Meddelandet är på väg till 2 personer.")).to_be_visible()
    assert messages_to(in_app) == ["anna2@example.org", "anna3@example.org"]
    expect(page.get_by_role("cell", name="Ny lokal, {first_name}")).to_be_visible()


def test_an_attendee_changes_their_diet(page, in_app):
    _, token = event_with_attendees(in_app)
    page.goto(f"/r/{token}")
    page.get_by_role("link", name="Ändra dina uppgifter").click()
    page.get_by_label("Kost/allergier (frivilligt)").fill("Vegan, nötallergi")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Dina ändringar har sparats.")).to_be_visible()
    expect(page.get_by_text("Vegan, nötallergi")).to_be_visible()
    with in_app():
        assert db.session.scalar(db.select(Registration.dietary).where(Registration.first_name == "Omid")) \
            == "Vegan, nötallergi"


def test_asking_for_the_link_answers_the_same_for_any_address(new_page, in_app):
    slug, _ = event_with_attendees(in_app)
    answers = []
    for address in ("anna2@example.org", "okand@example.org"):
        visitor = new_page()
        visitor.goto(f"/events/{slug}")
        visitor.get_by_label("Din e-postadress").fill(address)
        visitor.get_by_role("button", name="Skicka länken till mig").click()
        expect(visitor.get_by_role("heading", name="Titta i din e-post")).to_be_visible()
        answers.append(visitor.locator("main").inner_text().replace(address, "ADRESS"))
    assert answers[0] == answers[1]
    assert messages_to(in_app, "personal_link") == ["anna2@example.org"]


def messages_page(page, in_app):
    slug, _ = event_with_attendees(in_app)
    page.goto(f"/admin/events/{slug}/messages")


def messages_preview(page, in_app):
    messages_page(page, in_app)
    page.get_by_label("Ämne").fill("Ny lokal")
    page.get_by_label("Text").fill("Hej {first_name}!")
    page.get_by_role("button", name="Förhandsvisning").click()
    page.locator(".message-preview").wait_for()


def messages_with_errors(page, in_app):
    messages_page(page, in_app)
    page.get_by_label("Text").fill("Hej {namn}!")
    page.get_by_role("button", name="Skicka", exact=True).click()
    page.locator("#error-summary").wait_for()


def messages_sent_and_scheduled(page, in_app):
    from datetime import timedelta

    from eventapp.services import messages

    slug, _ = event_with_attendees(in_app)
    with in_app():
        event_id = db.session.scalar(db.select(Registration.event_id))
        now = utcnow()
        messages.send_message(event_id, messages.Draft("Välkomna", "Hej {first_name}!"), actor=None, now=now)
        messages.send_message(event_id, messages.Draft("Snart dags", "Hej!", send_at=now + timedelta(days=1)),
                              actor=None, now=now)
    page.goto(f"/admin/events/{slug}/messages")


def email_texts(page, in_app):
    slug, _ = event_with_attendees(in_app)
    page.goto(f"/admin/events/{slug}/emails")


def email_text_preview(page, in_app):
    slug, _ = event_with_attendees(in_app)
    page.goto(f"/admin/events/{slug}/emails/confirmation/en")
    page.get_by_role("button", name="Förhandsvisning").click()
    page.locator(".message-preview").wait_for()


def attendee_with_mail(page, in_app):
    slug, _ = event_with_attendees(in_app)
    with in_app():
        registration_id = db.session.scalar(db.select(Registration.id).where(Registration.first_name == "Omid"))
    page.goto(f"/admin/events/{slug}/attendees/{registration_id}")


BACK_OFFICE = [messages_page, messages_preview, messages_with_errors, messages_sent_and_scheduled, email_texts,
               email_text_preview, attendee_with_mail]


@pytest.mark.parametrize("state", BACK_OFFICE, ids=[state.__name__ for state in BACK_OFFICE])
def test_back_office_page_has_no_wcag_violations(page, in_app, log_in, state):
    log_in(page, "organiser")
    state(page, in_app)
    check_both_widths(page, "back-office-" + state.__name__.replace("_", "-"))


def event_page_with_resend(page, in_app):
    slug, _ = event_with_attendees(in_app)
    page.goto(f"/events/{slug}")


def resend_with_errors(page, in_app):
    event_page_with_resend(page, in_app)
    page.get_by_role("button", name="Skicka länken till mig").click()
    page.locator("#error-summary").wait_for()


def link_sent(page, in_app):
    event_page_with_resend(page, in_app)
    page.get_by_label("Din e-postadress").fill("anna1@example.org")
    page.get_by_role("button", name="Skicka länken till mig").click()
    page.get_by_role("heading", name="Titta i din e-post").wait_for()


def edit_details(page, in_app):
    _, token = event_with_attendees(in_app)
    page.goto(f"/r/{token}/edit")


PUBLIC = [event_page_with_resend, resend_with_errors, link_sent, edit_details]


@pytest.mark.parametrize("state", PUBLIC, ids=[state.__name__ for state in PUBLIC])
def test_page_state_has_no_wcag_violations(page, in_app, state):
    state(page, in_app)
    check_both_widths(page, state.__name__.replace("_", "-"))
