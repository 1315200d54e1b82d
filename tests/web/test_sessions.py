"""Back-office sessions: idle timeout, closed accounts, cookies, a fresh session on login, and
logout, a new password or deactivation ending every session of the account."""
import re

import pytest
from builders import log_in, make_user
from conftest import submit

from config import ProductionConfig
from eventapp import create_app
from eventapp.database import utcnow
from eventapp.extensions import db, limiter


@pytest.fixture(autouse=True)
def _fresh_login_limit(app):
    """The login limit counts per address across the whole run; these tests log in for real."""
    limiter.reset()
@pytest.fixture
def organiser(app):
    with app.app_context():
        return make_user("organisator@example.org", "organiser").id


def idle_for(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session["seen"] = int(utcnow().timestamp()) - seconds


@pytest.mark.parametrize(("idle", "logged_in"), [(-1, True), (0, True), (1, False)])
def test_a_session_ends_after_the_idle_timeout(app, client, organiser, idle, logged_in):
    """A second short of the timeout still works; a second past it sends the user to log in."""
    log_in(client, organiser)
    idle_for(client, app.config["IDLE_TIMEOUT"] + idle)
    response = client.get("/admin/")
    assert (response.status_code == 200) is logged_in
    if not logged_in:
        assert "/login" in response.headers["Location"]
        assert client.get("/admin/").status_code == 302  # and stays logged out


def test_activity_keeps_the_session_alive(app, client, organiser):
    log_in(client, organiser)
    idle_for(client, app.config["IDLE_TIMEOUT"] - 120)
    assert client.get("/admin/").status_code == 200
    idle_for(client, 0)
    with client.session_transaction() as session:
        session["seen"] -= 120  # the request above was two minutes ago
    assert client.get("/admin/").status_code == 200


def test_a_closed_account_is_logged_out_at_its_next_request(app, client, organiser):
    log_in(client, organiser)
    with app.app_context():
        from eventapp.models import User

        db.session.get(User, organiser).active = False
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_login_starts_a_fresh_session(app, client, organiser):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "en"
    submit(client, "/login", {"email": "organisator@example.org", "password": "ett långt lösenord"})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
        assert session["_user_id"] == f"{organiser}:0"


def test_production_cookies_are_secure_httponly_and_lax(monkeypatch, tmp_path):
    class Production(ProductionConfig):
        SECRET_KEY = "a-long-random-production-secret-of-48-characters"  # noqa: S105
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "prod.db")

    production = create_app(Production)
    client = production.test_client()
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert (cookie.secure, cookie.http_only, cookie.same_site) == (True, True, "Lax")


# Ending every session of an account: logout, a new password, deactivation ----------------------


def copy_of_session(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def log_out(client):
    """Press "Log out" in the page header."""
    page = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/logout", data={"csrf_token": token})


def logged_in_by_form(client) -> None:
    response = submit(client, "/login", {"email": "organisator@example.org", "password": "ett långt lösenord"})
    assert response.status_code == 302


def test_a_copied_session_cookie_is_logged_out_with_the_logout(app, client, organiser):
    """The shared computer: someone copied the cookie before the user logged out. Does it still open /admin/?"""
    logged_in_by_form(client)
    copy = copy_of_session(app, client)
    assert copy.get("/admin/").status_code == 200
    assert log_out(client).status_code == 302
    response = copy.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_ends_the_sessions_in_other_browsers_too(app, client, organiser):
    log_in(client, organiser)
    elsewhere = app.test_client()
    log_in(elsewhere, organiser)
    assert log_out(client).status_code == 302
    assert elsewhere.get("/admin/").status_code == 302


def test_a_new_password_ends_every_session(app, client, organiser):
    log_in(client, organiser)
    result = app.test_cli_runner().invoke(args=["users", "password", "organisator@example.org",
                                                "--password", "tre nya ord i rad"])
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    assert submit(client, "/login", {"email": "organisator@example.org",
                                     "password": "tre nya ord i rad"}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_deactivation_ends_every_session_and_reactivating_brings_none_back(app, client, organiser):
    log_in(client, organiser)
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "organisator@example.org"])
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        from eventapp.models import User

        db.session.get(User, organiser).active = True
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_a_session_that_names_no_version_is_not_logged_in(app, client, organiser):
    """A cookie from before session versions, or one naming only the account, opens nothing."""
    log_in(client, organiser)
    with client.session_transaction() as session:
        session["_user_id"] = str(organiser)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("session_id", ["1:x", ":", "²:0", "99999999999999999999:0", "1:99999999999999999999"])
def test_a_malformed_session_id_is_simply_not_logged_in(app, client, organiser, session_id):
    with client.session_transaction() as session:
        session["_user_id"] = session_id.replace("1", str(organiser), 1)
        session["seen"] = int(utcnow().timestamp())
    assert client.get("/admin/").status_code == 302
