"""The site works on a closed conference network: no page loads anything from another origin."""
from urllib.parse import urlsplit

from builders import make_event, register
from playwright.sync_api import expect

from eventapp.database import utcnow


def test_every_public_page_loads_only_from_the_apps_own_origin(new_page, in_app, live_server):
    with in_app():
        now = utcnow()
        event = make_event(now, no_show_fee=25000)
        token = register(event, now).token
        slug = event.slug
    paths = ["/", f"/events/{slug}", f"/events/{slug}/register", f"/events/{slug}/register?lang=en",
             f"/r/{token}", f"/r/{token}/cancel", f"/r/{token}/transfer", "/login", "/events/finns-inte"]
    page = new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")

    origin = urlsplit(live_server).netloc
    assert {urlsplit(url).netloc for url in requests} == {origin}
    loaded = {urlsplit(url).path for url in requests}
    # The recorder saw the page's own resources, so an outside one would have been seen too.
    assert {"/static/style.css", "/static/forms.js", "/theme.css"} <= loaded


STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def test_pages_work_under_a_strict_content_security_policy(page, in_app):
    """No inline script or style attribute: the pages keep working with scripts and styles from the site only."""
    with in_app():
        now = utcnow()
        event = make_event(now)
        token = register(event, now).token
        slug = event.slug

    def with_strict_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route("**/*", with_strict_policy)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    for path in ["/", f"/events/{slug}", f"/r/{token}", f"/r/{token}/transfer", "/login"]:
        page.goto(path)
    page.goto(f"/events/{slug}/register")
    page.get_by_role("button", name="Anmäl dig").click()
    # forms.js ran: the error summary has the focus.
    expect(page.locator("#error-summary")).to_be_focused()
    assert refused == []
