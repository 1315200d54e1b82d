"""Logging in to the back office."""
import pytest
from conftest import submit

from eventapp.services.accounts import create_user


@pytest.fixture
def organiser(app):
    with app.app_context():
        create_user("organisator@example.org", "organiser", "ett långt lösenord")
    return "organisator@example.org", "ett långt lösenord"


def test_back_office_needs_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_see_the_events(client, organiser):
    email, password = organiser
    response = submit(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302
    assert "Anmälda" in client.get("/admin/").get_data(as_text=True)


def test_wrong_password_is_refused(client, organiser):
    email, _ = organiser
    response = submit(client, "/login", {"email": email, "password": "fel lösenord"})
    assert response.status_code == 422
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_never_redirects_to_another_site(client, organiser):
    email, password = organiser
    response = submit(client, "/login?next=//evil.example/", {"email": email, "password": password},
                      form_url="/login")
    assert response.headers["Location"] == "/admin/"


def test_checkin_volunteer_does_not_see_the_organiser_pages(app, client):
    with app.app_context():
        create_user("dorr@example.org", "checkin", "ett långt lösenord")
    submit(client, "/login", {"email": "dorr@example.org", "password": "ett långt lösenord"})
    assert client.get("/admin/").status_code == 403
