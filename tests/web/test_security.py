"""Security headers, cookie flags, rate limits and the anti-robot checks of the public form."""
import pathlib
import re
import time
from types import SimpleNamespace

import pytest
from builders import make_event, register
from conftest import csrf_token, submit

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from eventapp import create_app
from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.security import CONTENT_SECURITY_POLICY

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"
#: Template folders for PDFs and e-mails: never served to a browser, so the CSP does not apply.
NOT_SERVED = {"badges", "invoices", "emails"}
VALID = {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org", "organisation": "Nacka kommun",
         "consent": "y"}


@pytest.fixture
def event(app):
    with app.app_context():
        event = make_event(utcnow())
        return SimpleNamespace(id=event.id, slug=event.slug)


def registration_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Registration))


@pytest.mark.parametrize("path", ["/", "/login", "/privacy", "/no-such-page"])
def test_every_page_has_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_in_development():
    class Development(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Development)
    assert "Strict-Transport-Security" not in app.test_client().get("/privacy").headers


def test_templates_have_no_inline_script_or_style():
    """The CSP forbids inline script and style: does any page template still carry one?"""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "pdf" in path.name or path.parent.name in NOT_SERVED:
            continue  # rendered to PDF by WeasyPrint or sent by e-mail, never served under the CSP
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle\s*=", text) \
                or re.search(r"\son[a-z]+\s*=", text) or "<style" in text:
            offenders.append(path.name)
    assert offenders == []


def test_personal_pages_are_not_cached(app, client, event):
    with app.app_context():
        token = register(db.session.get(__import__("eventapp").models.Event, event.id), utcnow()).token
    response = client.get(f"/r/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_production_refuses_debug_and_the_default_secret(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)

    class Debugging(ProductionConfig):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        DEBUG = True

    with pytest.raises(RuntimeError, match="Debug"):
        create_app(Debugging)


def test_production_cookies_are_secure_httponly_and_samesite():
    class Production(ProductionConfig):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Production)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_registration_is_rate_limited_per_address(app, client, event):
    app.config["RATELIMIT_REGISTRATION"] = "3 per minute"
    try:
        url = f"/events/{event.slug}/register"
        statuses = [submit(client, url, {**VALID, "email": f"p{n}@example.org"}).status_code for n in range(4)]
    finally:
        app.config["RATELIMIT_REGISTRATION"] = TestingConfig.__dict__.get("RATELIMIT_REGISTRATION", "30 per minute")
    assert statuses == [302, 302, 302, 429]
    assert registration_count(app) == 3
    # Reading the form is not limited.
    assert client.get(url).status_code == 200


def test_personal_links_are_rate_limited(app, client):
    app.config["RATELIMIT_PERSONAL_LINK"] = "5 per minute"
    try:
        statuses = [client.get(f"/r/guess{n:020d}").status_code for n in range(6)]
        refused = client.get("/r/x?lang=en").get_data(as_text=True)
    finally:
        app.config["RATELIMIT_PERSONAL_LINK"] = "60 per minute"
    assert statuses == [404] * 5 + [429]
    assert "Too many attempts" in refused


def test_the_honeypot_stops_a_robot(app, client, event):
    response = submit(client, f"/events/{event.slug}/register", {**VALID, "website": "http://spam.example"})
    assert response.status_code == 422
    assert "Lämna det här fältet tomt." in response.get_data(as_text=True)
    assert registration_count(app) == 0


class TestMinimumFillTime:
    @pytest.fixture(autouse=True)
    def two_seconds(self, app):
        app.config["REGISTRATION_MIN_FILL_SECONDS"] = 2
        yield
        app.config["REGISTRATION_MIN_FILL_SECONDS"] = 0

    @staticmethod
    def shown_stamp(client, url):
        page = client.get(url).get_data(as_text=True)
        return re.search(r'name="form_shown" type="hidden" value="([^"]+)"', page).group(1)

    def test_a_form_sent_at_once_is_refused_with_a_clear_message(self, app, client, event):
        url = f"/events/{event.slug}/register"
        stamp = self.shown_stamp(client, url)
        response = client.post(url, data={**VALID, "form_shown": stamp, "csrf_token": csrf_token(client, url)})
        assert response.status_code == 422
        assert "snabbare än en människa" in response.get_data(as_text=True)
        assert registration_count(app) == 0

    def test_a_form_filled_in_for_longer_is_accepted(self, app, client, event, monkeypatch):
        url = f"/events/{event.slug}/register"
        stamp = self.shown_stamp(client, url)
        later = time.time() + 2.5
        monkeypatch.setattr("eventapp.form_guard.time.time", lambda: later)
        response = client.post(url, data={**VALID, "form_shown": stamp, "csrf_token": csrf_token(client, url)})
        assert response.status_code == 302
        assert registration_count(app) == 1

    @pytest.mark.parametrize(("after", "accepted"), [(3599, True), (3601, False)])
    def test_a_stamp_lives_an_hour(self, app, client, event, monkeypatch, after, accepted):
        url = f"/events/{event.slug}/register"
        stamp = self.shown_stamp(client, url)
        token = csrf_token(client, url)
        later = time.time() + after
        monkeypatch.setattr("eventapp.form_guard.time.time", lambda: later)
        response = client.post(url, data={**VALID, "form_shown": stamp, "csrf_token": token})
        assert response.status_code == (302 if accepted else 422)
        if not accepted:
            assert "Formuläret hade gått ut" in response.get_data(as_text=True)
        assert registration_count(app) == (1 if accepted else 0)

    def test_a_stamp_is_good_only_in_the_session_it_was_shown_in(self, app, event, monkeypatch):
        """One page fetched, its stamp replayed by many robots: each of their sessions is refused."""
        url = f"/events/{event.slug}/register"
        shown_in = app.test_client()
        stamp = self.shown_stamp(shown_in, url)
        later = time.time() + 10
        monkeypatch.setattr("eventapp.form_guard.time.time", lambda: later)
        statuses = []
        for number in range(3):
            robot = app.test_client()
            statuses.append(robot.post(url, data={**VALID, "email": f"robot{number}@example.org",
                                                  "form_shown": stamp, "csrf_token": csrf_token(robot, url)}
                                       ).status_code)
        assert statuses == [422, 422, 422]
        assert registration_count(app) == 0
        # In its own session the same stamp still works.
        assert shown_in.post(url, data={**VALID, "form_shown": stamp,
                                        "csrf_token": csrf_token(shown_in, url)}).status_code == 302

    @pytest.mark.parametrize("stamp", [None, "", "form.forged.signature", "x" * 300])
    def test_a_missing_or_forged_stamp_is_refused(self, app, client, event, stamp):
        url = f"/events/{event.slug}/register"
        data = {**VALID, "csrf_token": csrf_token(client, url)}
        if stamp is not None:
            data["form_shown"] = stamp
        response = client.post(url, data=data)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        # A fresh stamp comes back, so the person can simply send the form again.
        assert re.search(r'name="form_shown" type="hidden" value="[^"]+\.[^"]+"', page)
        assert registration_count(app) == 0


# Keys and the demo in production ---------------------------------------------------------------


@pytest.mark.parametrize(("key", "starts"), [("x" * 31, False), ("short", False), ("x" * 32, True),
                                              ("å" * 16, True)])  # counted in bytes: 16 × 2
def test_production_needs_a_secret_key_of_32_bytes(tmp_path, key, starts):
    class Production(ProductionConfig):
        SECRET_KEY = key
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "prod.db")

    if starts:
        assert create_app(Production).config["SECRET_KEY"] == key
    else:
        with pytest.raises(RuntimeError, match="at least 32 bytes"):
            create_app(Production)


def test_seed_demo_is_refused_in_production(tmp_path):
    """The demo's logins are printed for anyone: a production database must never get them."""
    class Production(ProductionConfig):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "prod.db")

    production = create_app(Production)
    result = production.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "refused in production" in result.output
    assert "demo-organisator" not in result.output
    assert not (tmp_path / "prod.db").exists() or (tmp_path / "prod.db").stat().st_size == 0


def test_the_development_key_is_random_per_instance_folder(monkeypatch, tmp_path):
    """No key written in the source: each instance folder makes its own, and keeps it across restarts."""
    monkeypatch.delenv("SECRET_KEY", raising=False)

    class Development(DevelopmentConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    keys = []
    for folder in ("one", "two", "one"):
        monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path / folder))
        keys.append(create_app(Development).config["SECRET_KEY"])
    assert keys[0] == keys[2] != keys[1]
    assert len(keys[0]) >= 32 and "development" not in keys[0]
    assert (tmp_path / "one" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_session_signed_with_another_instances_key_is_not_accepted(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)

    class Development(DevelopmentConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path / "mine"))
    mine = create_app(Development).test_client()
    mine.get("/?lang=en")
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path / "theirs"))
    theirs = create_app(Development).test_client()
    theirs.set_cookie("session", mine.get_cookie("session").value)
    assert "Svenska" not in theirs.get("/privacy").get_data(as_text=True)  # the English choice did not come along
