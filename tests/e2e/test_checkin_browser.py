"""The door page in a real browser at phone size: live search, one tap, a scanner's code and Enter,
undo, all without a page reload. Chromium talks to the app through request interception, so no
server or port is needed. Skipped where Chromium (or Playwright) is not installed."""
import shutil
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from builders import log_in, make_event, make_user, register

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
SITE = "http://eventapp.test"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def door(app):
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30), starts_at=now - timedelta(minutes=15),
                           registration_deadline=now - timedelta(hours=1))
        registered = now - timedelta(days=2)
        åsa = register(event, registered, n=1, first_name="Åsa", last_name="Öberg",
                       organisation="Migrationsverket").registration
        darius = register(event, registered, n=2, first_name="Darius", last_name="Karimi").registration
        volunteer = make_user("dorr@example.org", "checkin", events=[event])
        return {"slug": event.slug, "åsa": åsa.id, "darius": darius.id, "code": darius.check_in_code,
                "volunteer": volunteer.id}


@pytest.fixture
def phone(app, door, browser):
    """A phone-sized page logged in as the event's volunteer, served by the app without a server."""
    client = app.test_client()
    log_in(client, door["volunteer"])
    cookie = client.get_cookie("session")

    def serve(route):
        request = route.request
        url = urlsplit(request.url)
        headers = {k: v for k, v in request.all_headers().items() if k.lower() != "host"}
        response = client.open(url.path + (f"?{url.query}" if url.query else ""), method=request.method,
                               headers=headers, data=request.post_data_buffer)
        body = response.get_data()
        response.close()
        route.fulfill(status=response.status_code, headers=dict(response.headers), body=body)

    # The suite's one Chromium (tests/e2e/conftest.py): a second Playwright cannot run beside it.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "session", "value": cookie.value, "url": SITE}])
    context.route(f"{SITE}/**", serve)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def checked_in(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).checked_in_at is not None


def test_a_volunteer_checks_people_in_on_a_phone(app, door, phone):
    phone.goto(f"{SITE}/checkin/{door['slug']}")
    counts = phone.locator("#door-counts")
    assert counts.inner_text() == "Incheckade 0 av 2"
    phone.evaluate("window.notReloaded = true")
    # Nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    phone.fill("#q", "åsa")  # live search: no button pressed
    phone.locator("#door-results strong", has_text="Åsa Öberg").wait_for()
    phone.locator("#door-results").get_by_role("button", name="Checka in Åsa Öberg").tap()
    playwright.expect(counts).to_have_text("Incheckade 1 av 2")
    assert checked_in(app, door["åsa"])

    phone.fill("#code", f" {door['code'].lower()} ")  # what a handheld scanner types, then Enter
    phone.press("#code", "Enter")
    playwright.expect(counts).to_have_text("Incheckade 2 av 2")
    assert "Darius Karimi är incheckad." in phone.locator("#door-last").inner_text()
    assert phone.input_value("#code") == ""
    assert checked_in(app, door["darius"])

    phone.locator("#door-last").get_by_role("button", name="Ångra Darius Karimi").tap()
    playwright.expect(counts).to_have_text("Incheckade 1 av 2")
    assert not checked_in(app, door["darius"])
    assert phone.evaluate("window.notReloaded === true")
