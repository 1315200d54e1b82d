"""Back-office sessions: idle timeout, closed accounts, cookies, a fresh session on login."""
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
        assert session["_user_id"] == str(organiser)


def test_production_cookies_are_secure_httponly_and_lax(monkeypatch, tmp_path):
    class Production(ProductionConfig):
        SECRET_KEY = "a-long-random-production-secret"  # noqa: S105
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "prod.db")

    production = create_app(Production)
    client = production.test_client()
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert (cookie.secure, cookie.http_only, cookie.same_site) == (True, True, "Lax")
