"""The privacy notice, the organisers' request page and `flask privacy purge`."""
import json
from datetime import timedelta

import pytest
from builders import make_event, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.services.accounts import create_user

PASSWORD = "ett långt lösenord"


def login_as(app, client, role):
    with app.app_context():
        create_user(f"{role}@example.org", role, PASSWORD)
    assert submit(client, "/login", {"email": f"{role}@example.org", "password": PASSWORD}).status_code == 302


@pytest.fixture
def person(app):
    with app.app_context():
        event = make_event(utcnow())
        register(event, utcnow(), first_name="Dari", last_name="Karimi", email="dari@example.org",
                 dietary="Halal")
        return "dari@example.org"


def test_the_notice_is_linked_from_the_registration_form(app, client):
    with app.app_context():
        slug = make_event(utcnow()).slug
    form = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert 'href="/privacy"' in form
    notice = client.get("/privacy").get_data(as_text=True)
    assert "Så hanterar vi dina personuppgifter" in notice
    assert "90 dagar efter att evenemanget har avslutats" in notice


@pytest.mark.parametrize("role, status", [(None, 302), ("checkin", 403), ("finance", 403),
                                          ("organiser", 200), ("admin", 200)])
def test_only_organisers_answer_requests(app, client, role, status):
    if role:
        login_as(app, client, role)
    assert client.get("/admin/privacy").status_code == status
    if status != 200:
        # Posting is refused the same way (CSRF is not even reached for strangers).
        assert client.post("/admin/privacy", data={"email": "x@example.org", "action": "erase"}).status_code in (
            302, 403, 400)


def test_export_downloads_the_persons_data_as_json(app, client, person):
    login_as(app, client, "organiser")
    response = submit(client, "/admin/privacy", {"email": person, "action": "export"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment;" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["registrations"][0]["dietary"] == "Halal"


def test_erasure_needs_the_confirmation_then_erases(app, client, person):
    login_as(app, client, "organiser")
    refused = submit(client, "/admin/privacy", {"email": person, "action": "erase"})
    assert refused.status_code == 422
    assert "Bekräfta att begäran kommer från den här personen." in refused.get_data(as_text=True)
    done = submit(client, "/admin/privacy", {"email": person, "action": "erase", "confirm": "y"})
    assert done.status_code == 200
    assert "1 anmälan raderad." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Registration.first_name)) == "–"


@pytest.mark.parametrize("data", [{"email": "", "action": "export"}, {"email": "okänd@example.org", "action": "export"},
                                  {"email": "dari@example.org", "action": "nonsense"}])
def test_bad_requests_get_a_message_and_change_nothing(app, client, person, data):
    login_as(app, client, "organiser")
    response = submit(client, "/admin/privacy", data)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(Registration.first_name)) == "Dari"


def test_purge_command_uses_the_days_given(app):
    with app.app_context():
        now = utcnow()
        starts = now - timedelta(days=20)
        event = make_event(starts - timedelta(days=30), starts_at=starts)
        register(event, starts - timedelta(days=29), first_name="Kvar")
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["privacy", "purge"])
    assert kept.exit_code == 0 and "Purged 0 registrations" in kept.output
    purged = runner.invoke(args=["privacy", "purge", "--days", "14"])
    assert "Purged 1 registrations of 1 events that ended more than 14 days ago." in purged.output
    with app.app_context():
        assert db.session.scalar(db.select(Registration.first_name)) == "–"
    assert runner.invoke(args=["privacy", "purge", "--days", "-3"]).exit_code == 2
