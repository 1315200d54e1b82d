"""Every public page and form state has no WCAG 2.1 A/AA violation axe-core can find.

Each state is also saved as screenshots at 375 and 1280 px (tests/e2e/screenshots/) for review.
"""
from datetime import timedelta

import pytest
from builders import make_event, register

from eventapp.database import utcnow

from .helpers import assert_accessible, assert_reflows, save_screenshots

AGENDA_DESCRIPTION = ("En dag full av inspiration och erfarenhetsutbyte för kommunikatörer och "
                      "integrationssamordnare.\n\nKommuner delar med sig av hur de arbetar.")


def event_with(in_app, **fields) -> str:
    """A published event (see builders.make_event) with ``registered`` confirmed attendees; its slug."""
    registered = fields.pop("registered", 0)
    with in_app():
        now = utcnow()
        event = make_event(now, description=AGENDA_DESCRIPTION, **fields)
        for n in range(registered):
            register(event, now, n + 1)
        return event.slug


def booking(in_app, **fields) -> str:
    """The personal-link token of a confirmed registration."""
    with in_app():
        now = utcnow()
        event = make_event(now, no_show_fee=25000, **fields)
        return register(event, now, first_name="Åsa", last_name="Öberg").token


def fill_registration(page, email="asa@example.org"):
    page.get_by_label("Förnamn").fill("Åsa")
    page.get_by_label("Efternamn").fill("Öberg")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Befattning").fill("Kommunikatör")
    page.get_by_label("Organisation", exact=True).fill("Nacka kommun")
    page.get_by_label("Jag godkänner").check()


def index(page, in_app):
    event_with(in_app, title="Kommunikation och integration", capacity=120, registered=2)
    event_with(in_app, title="Nowa Nyfiken på Almedalen", kind="seminar", capacity=10, registered=7)
    event_with(in_app, title="Strategiskt forum", kind="forum", capacity=1, registered=1)
    with in_app():
        now = utcnow()
        make_event(now, title="Vilka är vi?", kind="course", registration_deadline=now - timedelta(hours=1))
    page.goto("/")


def event_open(page, in_app):
    page.goto("/events/" + event_with(in_app, capacity=120, registered=2, no_show_fee=25000,
                                      fee_notice="Vid utebliven avbokning debiterar vi 250 kronor."))


def event_few_places_left(page, in_app):
    page.goto("/events/" + event_with(in_app, capacity=10, registered=8))


def event_fully_booked(page, in_app):
    page.goto("/events/" + event_with(in_app, capacity=1, registered=1))


def event_fully_booked_no_waitlist(page, in_app):
    page.goto("/events/" + event_with(in_app, capacity=1, registered=1, waitlist_enabled=False))


def event_closed(page, in_app):
    with in_app():
        now = utcnow()
        slug = make_event(now, registration_deadline=now - timedelta(hours=1)).slug
    page.goto("/events/" + slug)


def register_empty(page, in_app):
    page.goto(f"/events/{event_with(in_app)}/register")


def register_empty_english(page, in_app):
    page.goto(f"/events/{event_with(in_app)}/register?lang=en")


def register_with_errors(page, in_app):
    page.goto(f"/events/{event_with(in_app)}/register")
    page.get_by_label("E-post").fill("inte-en-adress")
    page.get_by_role("button", name="Anmäl dig").click()
    page.locator("#error-summary").wait_for()


def register_closed(page, in_app):
    with in_app():
        now = utcnow()
        slug = make_event(now, registration_deadline=now - timedelta(hours=1)).slug
    page.goto(f"/events/{slug}/register")


def registered_confirmed(page, in_app):
    page.goto(f"/events/{event_with(in_app)}/register")
    fill_registration(page)
    page.get_by_role("button", name="Anmäl dig").click()
    page.get_by_role("heading", name="Du är anmäld").wait_for()


def registered_waitlisted(page, in_app):
    page.goto(f"/events/{event_with(in_app, capacity=1, registered=1)}/register")
    fill_registration(page)
    page.get_by_role("button", name="Anmäl dig till väntelistan").click()
    page.get_by_role("heading", name="Du står på väntelistan").wait_for()


def personal_page(page, in_app):
    page.goto(f"/r/{booking(in_app)}")


def personal_page_cancelled(page, in_app):
    page.goto(f"/r/{booking(in_app)}/cancel")
    page.get_by_role("button", name="Ja, avboka min anmälan").click()
    page.get_by_role("status").wait_for()


def cancel_page(page, in_app):
    page.goto(f"/r/{booking(in_app)}/cancel")


def transfer_page(page, in_app):
    page.goto(f"/r/{booking(in_app)}/transfer")


def transfer_with_errors(page, in_app):
    page.goto(f"/r/{booking(in_app)}/transfer")
    page.get_by_role("button", name="Lämna över min plats").click()
    page.locator("#error-summary").wait_for()


def login_page(page, in_app):
    page.goto("/login")


def login_with_errors(page, in_app):
    page.goto("/login")
    page.get_by_label("E-post").fill("organisator@example.org")
    page.get_by_label("Lösenord").fill("fel lösenord")
    page.get_by_role("button", name="Logga in").click()
    page.locator("#error-summary").wait_for()


def not_found(page, in_app):
    page.goto("/events/finns-inte")


STATES = [index, event_open, event_few_places_left, event_fully_booked, event_fully_booked_no_waitlist,
          event_closed, register_empty, register_empty_english, register_with_errors, register_closed,
          registered_confirmed, registered_waitlisted, personal_page, personal_page_cancelled, cancel_page,
          transfer_page, transfer_with_errors, login_page, login_with_errors, not_found]


@pytest.mark.parametrize("state", STATES, ids=[state.__name__ for state in STATES])
def test_page_state_has_no_wcag_violations(page, in_app, state):
    state(page, in_app)
    assert_accessible(page)
    assert_reflows(page)
    save_screenshots(page, state.__name__.replace("_", "-"))
