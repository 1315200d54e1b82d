"""Any input to the public forms and links: a page or a clear message, never a server error."""
from urllib.parse import quote

import pytest
from builders import make_event, register
from conftest import csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventapp.database import utcnow
from eventapp.extensions import db, limiter
from eventapp.models import Registration

FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Text as people and robots type it: any script, control characters, very long, or odd values.
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=190, max_size=600),
    st.sampled_from(["", " ", "\r\n", "'; DROP TABLE registration;--", "=HYPERLINK(\"x\")", "\x00",
                     "a@b", "a" * 255 + "@example.org", "٣٤٥", "y", "on", "0", "556016-0680", "+46 70 1"]),
)
REGISTRATION_FIELDS = ["first_name", "last_name", "email", "organisation", "organisation_kind", "job_title",
                       "phone", "dietary", "org_number", "invoice_reference", "consent", "website", "form_shown"]


def token(client, url: str) -> str:
    """The session's CSRF token, fetched once: it stays valid for the whole session."""
    if not hasattr(client, "fuzz_csrf_token"):
        client.fuzz_csrf_token = csrf_token(client, url)
    return client.fuzz_csrf_token


@pytest.fixture
def unlimited(app):
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.fixture
def event(app):
    with app.app_context():
        event = make_event(utcnow(), capacity=3)
        token = register(event, utcnow(), 900).token
        return event.slug, token


@given(form=st.fixed_dictionaries({}, optional={name: ANY_TEXT for name in REGISTRATION_FIELDS}))
@FUZZ
def test_registration_form(app, client, unlimited, event, form):
    slug, _ = event
    url = f"/events/{slug}/register"
    response = client.post(url, data={**form, "csrf_token": token(client, url)})
    assert response.status_code in (200, 302, 400, 422), response.status_code  # 400: a NUL character
    if response.status_code == 422:
        assert 'class="error-summary"' in response.get_data(as_text=True)


@given(form=st.fixed_dictionaries({}, optional={name: ANY_TEXT for name in
                                                ["first_name", "last_name", "email", "phone", "dietary",
                                                 "job_title", "confirm"]}))
@FUZZ
def test_transfer_form(app, client, unlimited, event, form):
    _, personal = event
    url = f"/r/{personal}/transfer"
    response = client.post(url, data={**form, "csrf_token": token(client, url)})
    assert response.status_code in (200, 302, 400, 422), response.status_code  # 400: a NUL character


@given(path=st.text(max_size=120), method=st.sampled_from(["GET", "POST"]))
@FUZZ
def test_links_with_anything_in_them(app, client, unlimited, event, path, method):
    for url in (f"/r/{quote(path, safe='')}", f"/events/{quote(path, safe='')}/register",
                f"/r/{quote(path, safe='')}/cancel"):
        response = client.open(url, method=method, data={"csrf_token": "x", "email": path})
        assert response.status_code < 500, (url, response.status_code)


@given(email=ANY_TEXT, password=ANY_TEXT)
@settings(FUZZ, max_examples=4)  # each refused login costs a deliberate argon2 hash
def test_login_form(app, client, unlimited, email, password):
    response = client.post("/login", data={"email": email, "password": password,
                                            "csrf_token": token(client, "/login")})
    assert response.status_code in (400, 422)  # 400: a NUL character


def test_nothing_was_stored_for_rejected_input(app, client, unlimited, event):
    """The fuzzed forms above may register people; a refused one must leave no row behind."""
    slug, _ = event
    url = f"/events/{slug}/register"
    before = _count(app)
    response = client.post(url, data={"first_name": "\x01", "email": "x", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 422
    assert _count(app) == before


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Registration))
