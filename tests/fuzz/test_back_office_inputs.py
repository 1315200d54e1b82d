"""Any input behind the login: numbers in addresses, query strings and forms, JSON, sizes. An answer
or a clear 4xx, never a server error."""
import io
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register
from conftest import csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter
from werkzeug.test import EnvironBuilder

from config import TestingConfig
from eventapp import create_app
from eventapp.database import utcnow
from eventapp.extensions import limiter
from eventapp.services.api_tokens import create_token

FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Numbers past every column (PostgreSQL integer, SQLite's 64 bits), and the largest that fits.
BIG_IDS = [2**31 - 1, 2**31, 2**63, 99999999999999999999999]
#: Digits that str.isdigit accepts and int() refuses, and the odd ones int() takes.
ODD_DIGITS = ["²", "¹²", "1²", "³³³", "٣", "੧", "-1", "0", "+1", " 1", "1_0", "99999999999999999999999", ""]


class _UrlMapOnly(TestingConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"


def id_routes():
    """(rule, method) for every route of the app with a number in its address."""
    app = create_app(_UrlMapOnly)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.rule, method


ID_ROUTES = list(id_routes())


@pytest.fixture
def unlimited(app):
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.fixture
def site(app):
    """An event happening now, a registration, an admin and the event's check-in volunteer."""
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30))
        registration = register(event, now - timedelta(days=20)).registration
        admin = make_user("admin@example.org", "admin")
        volunteer = make_user("dorr@example.org", "checkin", events=[event])
        return {"slug": event.slug, "registration": registration.id, "admin": admin.id,
                "volunteer": volunteer.id, "token": create_token(admin.email, now=now)[1]}


def logged_in(app, user_id):
    client = app.test_client()
    log_in(client, user_id)
    return client


def test_every_id_route_is_known():
    """The routes below are found from the app, so a new one with an id is checked too."""
    assert ("/admin/outbox/<int:message_id>", "GET") in ID_ROUTES
    assert ("/checkin/<slug>/registrations/<int:registration_id>", "POST") in ID_ROUTES


@pytest.mark.parametrize(("rule", "method"), ID_ROUTES)
@pytest.mark.parametrize("number", BIG_IDS[1:])
def test_a_number_past_the_columns_is_not_found(app, site, unlimited, rule, method, number):
    url = rule.replace("<slug>", site["slug"])
    url = url.split("<", 1)[0] + str(number) + url.split(">", 1)[1]
    client = logged_in(app, site["admin"])
    data = {"csrf_token": csrf_token(client, "/login")} if method != "GET" else None
    response = client.open(url, method=method, data=data)
    assert response.status_code == 404, (method, url, response.status_code)


@pytest.mark.parametrize(("rule", "method"), ID_ROUTES)
def test_the_largest_id_a_column_holds_is_looked_up(app, site, unlimited, rule, method):
    url = rule.replace("<slug>", site["slug"])
    url = url.split("<", 1)[0] + str(BIG_IDS[0]) + url.split(">", 1)[1]
    client = logged_in(app, site["admin"])
    data = {"csrf_token": csrf_token(client, "/login")} if method != "GET" else None
    response = client.open(url, method=method, data=data)
    assert response.status_code < 500, (method, url, response.status_code)


@pytest.mark.parametrize("number", BIG_IDS[1:])
def test_a_volunteer_checking_in_a_number_past_the_columns(app, site, number):
    client = logged_in(app, site["volunteer"])
    response = client.post(f"/checkin/{site['slug']}/registrations/{number}",
                           data={"csrf_token": csrf_token(client, f"/checkin/{site['slug']}")})
    assert response.status_code == 404


@given(value=st.one_of(st.sampled_from(ODD_DIGITS), st.text(alphabet="0123456789²³¹⁰٣۴੧", max_size=14)))
@FUZZ
def test_odd_digits_in_query_strings_and_forms(app, site, unlimited, value):
    client = logged_in(app, site["admin"])
    slug = site["slug"]
    assert client.get(f"/admin/events/{slug}/attendees", query_string={"page": value}).status_code == 200
    assert client.get(f"/checkin/{slug}", query_string={"last": value}).status_code == 200
    token = csrf_token(client, f"/admin/events/{slug}/groups")
    moved = client.post(f"/admin/events/{slug}/groups/move",
                        data={"csrf_token": token, "registration_id": value, "group_id": value})
    assert moved.status_code in (302, 400)
    waived = client.post(f"/admin/events/{slug}/no-shows/waive",
                         data={"csrf_token": token, "registration": value, "reason": "Sjuk"})
    assert waived.status_code in (302, 422)


@given(name=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30)
       .filter(str.strip).map(lambda text: text + "\n" + text))
@settings(FUZZ, max_examples=10)
def test_a_group_name_with_a_line_break(app, site, unlimited, name):
    """Refused beside the list with the form's message, which is a lazy string."""
    client = logged_in(app, site["admin"])
    url = f"/admin/events/{site['slug']}/groups"
    response = client.post(f"{url}/1", data={"csrf_token": csrf_token(client, url), "name": name})
    assert response.status_code == 302
    assert "Radbrytningar" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"code": ' + "[" * 100_000,
    '{"waive": ' + "[" * 40 + "]" * 40 + "}",  # parses, but deeper than any document of the API
])
@pytest.mark.parametrize("path", ["checkins", "no-shows/approve"])
def test_deeply_nested_json_is_refused_as_invalid(client, site, body, path):
    response = client.post(f"/api/v1/events/{site['slug']}/{path}", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {site['token']}"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


def test_json_nested_as_deep_as_the_api_needs_is_read(client, site):
    body = {"waive": [{"registration": site["registration"], "reason": "Sjuk"}]}
    response = client.post(f"/api/v1/events/{site['slug']}/no-shows/approve", json=body,
                           headers={"Authorization": f"Bearer {site['token']}"})
    assert response.status_code != 400


# Request size ------------------------------------------------------------------------------------

MB = 1024 * 1024


def post_multipart(client, url: str, data: dict):
    """POST ``data`` as multipart/form-data, closing the temporary file a large body is spooled to."""
    environ = EnvironBuilder(path=url, method="POST", data=data).get_environ()
    try:
        response = client.open(environ)
        response.get_data()
        response.close()
        return response
    finally:
        environ["wsgi.input"].close()


@pytest.mark.parametrize(("size", "status"), [(5 * MB - 1024, 422), (5 * MB + 1, 413), (50 * MB, 413)])
def test_an_anonymous_upload_to_the_login_is_refused_past_5_mb(client, unlimited, size, status):
    token = csrf_token(client, "/login")
    response = post_multipart(client, "/login", {"csrf_token": token, "email": "a@example.org", "password": "x",
                                                 "file": (io.BytesIO(b"x" * size), "big.bin")})
    assert response.status_code == status
    if status == 413:
        assert "högst 5 MB" in response.get_data(as_text=True)


def test_a_large_registration_form_is_refused(app, client, unlimited):
    with app.app_context():
        slug = make_event(utcnow()).slug
    url = f"/events/{slug}/register"
    response = post_multipart(client, url, {"csrf_token": csrf_token(client, url), "first_name": "Åsa",
                                            "file": (io.BytesIO(b"x" * (6 * MB)), "big.bin")})
    assert response.status_code == 413


def test_an_organiser_uploading_a_large_logo_is_told_the_limit_beside_the_field(app, site):
    client = logged_in(app, site["admin"])
    url = f"/admin/events/{site['slug']}/badges/"
    response = post_multipart(client, url + "logo", {"csrf_token": csrf_token(client, url),
                                                     "logo": (io.BytesIO(b"x" * (6 * MB)), "foto.png")})
    assert response.status_code == 422
    assert "högst 2 MB" in response.get_data(as_text=True)


def test_the_larger_logo_limit_is_not_for_anonymous_visitors(client, site):
    url = f"/admin/events/{site['slug']}/badges/logo"
    response = post_multipart(client, url, {"logo": (io.BytesIO(b"x" * (6 * MB)), "foto.png")})
    assert response.status_code == 413


# Headers of refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "method", "allowed"), [
    ("/logout", "GET", {"POST"}),
    ("/events/x/registered", "POST", {"GET", "HEAD"}),
    ("/api/v1/events", "DELETE", {"GET", "HEAD"}),
])
def test_a_405_says_which_methods_are_allowed(client, url, method, allowed):
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert allowed <= {part.strip() for part in response.headers["Allow"].split(",")}


def test_a_429_says_when_to_try_again(app, client):
    app.config["RATELIMIT_PERSONAL_LINK"] = "2 per minute"
    try:
        answers = [client.get(f"/r/guess{n:020d}") for n in range(3)]
    finally:
        app.config["RATELIMIT_PERSONAL_LINK"] = "60 per minute"
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert "Retry-After" not in answers[0].headers
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60


@given(value=st.one_of(st.sampled_from(ODD_DIGITS + [str(n) for n in BIG_IDS]),
                       st.text(alphabet="0123456789²³¹⁰٣۴੧", max_size=24)))
@settings(FUZZ, max_examples=15)
def test_odd_ids_in_the_bulk_action_and_the_invitation(app, site, unlimited, value):
    client = logged_in(app, site["admin"])
    url = f"/admin/events/{site['slug']}/attendees"
    response = client.post(url + "/bulk", data={"csrf_token": csrf_token(client, url), "scope": "selected",
                                                "action": "cancel", "selected": [value, str(site["registration"])]})
    assert response.status_code in (200, 422), response.status_code
    assert client.get("/admin/staff/invite", query_string={"role": "checkin", "event": value}).status_code == 200
