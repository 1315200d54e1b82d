"""Browser tests: the app served by a live server on its own SQLite file, driven by the system Chromium.

Fixtures for later journeys: ``live_server`` (the base URL), ``in_app`` (build data with
``tests/builders.py`` inside the served app), ``worker`` (the background jobs run as the worker
would), ``page`` / ``new_page`` (fresh browser profiles whose
every request is checked to stay on the app's origin) and ``log_in`` (a back-office account of a
given role, logged in through the login form).
"""
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import flask_migrate
import pytest
from builders import make_user
from conftest import empty_database
from werkzeug.serving import make_server

from config import TestingConfig
from eventapp import create_app, jobs
from eventapp.extensions import db, limiter
from eventapp.models import Event
from eventapp.services.organisations import load_reference_data

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"

#: Without these flags Chromium calls Google's services (updates, sync, safe browsing) at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PASSWORD = "e2e-password-1234"  # noqa: S105


def chromium_path() -> str | None:
    """The system Chromium (``EVENTAPP_CHROMIUM`` overrides); Playwright's own download is never used."""
    if "EVENTAPP_CHROMIUM" in os.environ:
        candidates = [os.environ["EVENTAPP_CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def skip_reason(live_server: bool = True) -> str | None:
    if chromium_path() is None:
        return "browser tests need Chromium: apt-get install chromium, or set EVENTAPP_CHROMIUM to its path"
    if live_server and os.environ.get("TEST_DATABASE_URL") and not os.environ.get("EVENTAPP_E2E_ALWAYS"):
        # The live server always uses its own SQLite file, so a second run would repeat the first.
        return "browser tests run in the SQLite pass only (set EVENTAPP_E2E_ALWAYS=1 to run them here too)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            reason = skip_reason(live_server="e2e_app" in getattr(item, "fixturenames", ()))
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory):
    """The application on a SQLite file of its own, migrated, with the registers loaded."""
    folder = tmp_path_factory.mktemp("e2e")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(folder / "e2e.db")

    previous = os.environ.get("EVENTAPP_INSTANCE_PATH")
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(folder / "instance")
    try:
        app = create_app(Config)
    finally:
        if previous is None:
            os.environ.pop("EVENTAPP_INSTANCE_PATH")
        else:
            os.environ["EVENTAPP_INSTANCE_PATH"] = previous
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(request):
    """Empty the database each test used: the live server's, or the suite's for tests that use ``app``."""
    yield
    for name in ("e2e_app", "app"):
        if name in request.fixturenames:
            empty_database(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def live_server(e2e_app) -> Iterator[str]:
    """The base URL of the app served from a thread, e.g. http://127.0.0.1:41234."""
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def worker(e2e_app) -> Iterator[None]:
    """Runs the jobs the live server queues, as the worker process does, from a thread of the tests."""
    stop = threading.Event()

    def work():
        while not stop.is_set():
            with e2e_app.app_context():
                jobs.run_queued()
            stop.wait(0.1)

    thread = threading.Thread(target=work, name="e2e-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)


@pytest.fixture
def in_app(e2e_app) -> Callable:
    """``with in_app(): make_event(...)`` builds data in the served app's database."""

    @contextmanager
    def context():
        with e2e_app.app_context():
            yield
            db.session.remove()

    return context


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # as for actions: a busy CI machine is slow, not wrong

    path = chromium_path()
    if path is None:
        pytest.skip(skip_reason() or "no Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Open a page in a fresh browser profile (its own cookies: another person).

    Every request any of these pages makes is recorded; the test fails if one leaves the app's origin.
    """
    contexts = []
    requests: list[str] = []

    def open_page(viewport: dict | None = None):
        context = browser.new_context(base_url=live_server, viewport=viewport or DESKTOP, locale="sv-SE")
        context.set_default_timeout(10_000)
        context.on("request", lambda request: requests.append(request.url))
        contexts.append(context)
        return context.new_page()

    open_page.requests = requests
    yield open_page
    for context in contexts:
        context.close()
    origin = urlsplit(live_server)
    outside = [url for url in requests
               if urlsplit(url).scheme not in ("data", "blob", "about")
               and (urlsplit(url).scheme, urlsplit(url).netloc) != (origin.scheme, origin.netloc)]
    assert not outside, f"requests outside the app's origin: {outside}"


@pytest.fixture
def page(new_page):
    """A desktop-sized page in a fresh profile."""
    return new_page()


@pytest.fixture
def log_in(in_app, live_server) -> Callable:
    """``log_in(page, "organiser")``: create an account with that role and log in through the form.

    A check-in volunteer is assigned to the events whose slugs are given: ``log_in(page, "checkin", ["slug"])``.
    """

    def log_in_as(page, role: str, event_slugs=(), email: str | None = None) -> str:
        email = email or f"{role}@example.org"
        with in_app():
            events = [db.session.scalar(db.select(Event).filter_by(slug=slug)) for slug in event_slugs]
            make_user(email, role, password=PASSWORD, events=events)
        limiter.reset()  # the login form allows a few attempts a minute, counted over the whole suite
        page.goto("/login")
        page.get_by_label("E-post").fill(email)
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return email

    return log_in_as
