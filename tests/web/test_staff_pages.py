"""Staff accounts in the browser's terms: invite, choose a password, forgotten password, bad links."""
import email
import email.policy
import re
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, written
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db, limiter
from eventapp.models import OutboxMessage, StaffLink, User

PASSWORD = "grusväg kanelbulle fyrtorn"  # noqa: S105


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()


@pytest.fixture
def admin(app, client):
    with app.app_context():
        user_id = make_user("chef@example.org", "admin").id
    log_in(client, user_id)
    return user_id


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return messages


def link_in(app, message: OutboxMessage) -> str:
    """The link in the e-mail as the worker writes it (``message`` from ``outbox``)."""
    with app.app_context():
        text = email.message_from_string(written(db.session.merge(message)), policy=email.policy.default).get_body(
            preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/]+(/login/password/\S+)", text).group(1)


def test_an_admin_invites_a_volunteer_who_chooses_a_password_and_lands_at_the_door(app, client, admin):
    with app.app_context():
        # Starting within the hour: its door is open to its volunteers.
        event = make_event(utcnow(), starts_at=utcnow() + timedelta(hours=1))
        event_id, slug = event.id, event.slug
    form = client.get(f"/admin/staff/invite?role=checkin&event={event_id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]* value="checkin"', form) and f'value="{event_id}" checked' in form
    response = submit(client, "/admin/staff/invite", {"email": "Dorr@example.org", "name": "Dörr Dan",
                                                      "role": "checkin", "events": str(event_id)})
    assert response.status_code == 302
    assert "dorr@example.org" in client.get("/admin/staff/").get_data(as_text=True)
    (message,) = outbox(app)
    assert message.kind == "staff_invitation"

    volunteer = app.test_client()
    link = link_in(app, message)
    page = volunteer.get(link)
    assert page.status_code == 200 and "Välj ett lösenord" in page.get_data(as_text=True)
    response = submit(volunteer, link, {"password": PASSWORD, "repeat": PASSWORD})
    assert response.headers["Location"] == "/checkin/"
    assert slug in volunteer.get("/checkin/").get_data(as_text=True)
    again = volunteer.get(link)
    assert again.status_code == 410 and "Länken har redan använts" in again.get_data(as_text=True)
    assert 'name="password"' not in again.get_data(as_text=True)


def test_bad_input_is_explained_beside_the_field_and_nothing_is_stored(app, client, admin):
    response = submit(client, "/admin/staff/invite", {"email": "inte-en-adress", "role": "organiser"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    response = submit(client, "/admin/staff/invite", {"email": "ny@example.org", "role": "kung"})
    assert response.status_code == 422 and 'id="role-error"' in response.get_data(as_text=True)
    response = submit(client, "/admin/staff/invite", {"email": "ny@example.org", "role": "checkin",
                                                      "events": ["x", "99999"]})
    assert response.status_code == 422 and 'id="events-error"' in response.get_data(as_text=True)
    response = submit(client, "/admin/staff/invite", {"email": "chef@example.org", "role": "organiser"})
    assert response.status_code == 422 and "Det finns redan ett konto" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
    assert outbox(app) == []


def test_a_weak_password_is_explained_and_the_link_keeps_working(app, client, admin):
    submit(client, "/admin/staff/invite", {"email": "ny@example.org", "role": "finance"})
    link = link_in(app, outbox(app)[0])
    person = app.test_client()
    response = submit(person, link, {"password": "qwertyuiop12", "repeat": "qwertyuiop12"})
    assert response.status_code == 422 and 'id="password-error"' in response.get_data(as_text=True)
    response = submit(person, link, {"password": PASSWORD, "repeat": PASSWORD + "!"})
    assert response.status_code == 422 and 'id="repeat-error"' in response.get_data(as_text=True)
    assert person.get(link).status_code == 200


def test_forgotten_password_answers_the_same_for_known_and_unknown_addresses(app, client):
    with app.app_context():
        make_user("anna@example.org", "organiser")
    assert "Glömt lösenord?" in client.get("/login").get_data(as_text=True)
    known = submit(client, "/login/reset", {"email": "anna@example.org"}).get_data(as_text=True)
    unknown = submit(client, "/login/reset", {"email": "okand@example.org"}).get_data(as_text=True)
    assert known.replace("anna@example.org", "X") == unknown.replace("okand@example.org", "X")
    (message,) = outbox(app)
    assert message.recipient == "anna@example.org"

    link = link_in(app, message)
    response = submit(client, link, {"password": PASSWORD, "repeat": PASSWORD})
    assert response.headers["Location"] == "/admin/"
    client.post("/logout", data={"csrf_token": ""})
    fresh = app.test_client()
    assert submit(fresh, "/login", {"email": "anna@example.org", "password": PASSWORD}).status_code == 302


def test_an_empty_reset_form_is_explained(client):
    response = submit(client, "/login/reset", {"email": ""})
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)


def test_expired_and_tampered_links_get_a_clear_page_not_a_login(app, client):
    with app.app_context():
        make_user("anna@example.org", "organiser")
    submit(client, "/login/reset", {"email": "anna@example.org"})
    link = link_in(app, outbox(app)[0])
    tampered = client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert tampered.status_code == 404 and "Länken är inte giltig" in tampered.get_data(as_text=True)
    assert submit(client, link[:-2] + "zz", {"password": PASSWORD, "repeat": PASSWORD},
                  form_url="/login/reset").status_code == 404
    with app.app_context():
        db.session.execute(db.update(StaffLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    expired = client.get(link)
    page = expired.get_data(as_text=True)
    assert expired.status_code == 410 and "Länken har gått ut" in page and "/login/reset" in page
    assert 'name="password"' not in page


def test_a_deactivated_account_is_logged_out_and_cannot_log_in(app, client, admin):
    with app.app_context():
        other = make_user("borta@example.org", "organiser", password=PASSWORD).id
    them = app.test_client()
    log_in(them, other)
    assert them.get("/admin/").status_code == 200
    submit(client, f"/admin/staff/{other}/deactivate", {}, form_url=f"/admin/staff/{other}")
    assert them.get("/admin/").status_code == 302
    assert submit(app.test_client(), "/login", {"email": "borta@example.org", "password": PASSWORD}).status_code == 422
    assert "Avstängt" in client.get("/admin/staff/").get_data(as_text=True)


def test_the_outbox_shows_a_staff_link_to_administrators_only(app, client, admin):
    submit(client, "/admin/staff/invite", {"email": "ny@example.org", "role": "organiser"})
    message_id = outbox(app)[0].id
    assert client.get(f"/admin/outbox/{message_id}").status_code == 200
    organiser = app.test_client()
    with app.app_context():
        log_in(organiser, make_user("org@example.org", "organiser").id)
    assert organiser.get(f"/admin/outbox/{message_id}").status_code == 403


def test_the_volunteers_page_leads_to_an_invitation_not_a_command(app, client, admin):
    with app.app_context():
        event = make_event(utcnow())
        slug, event_id = event.slug, event.id
    page = client.get(f"/checkin/{slug}/staff").get_data(as_text=True)
    assert "flask" not in page and "Alla incheckningskonton" not in page
    assert "Det finns inget incheckningskonto än." in page
    assert f"/admin/staff/invite?role=checkin&amp;event={event_id}" in page


def test_deactivating_an_account_ends_its_sessions_and_reactivating_brings_none_back(app, client, admin):
    """Deactivated in the back office while logged in elsewhere: is that browser logged out at once,
    and does taking the account back into use revive its old session?"""
    with app.app_context():
        organiser = make_user("arr@example.org", "organiser").id
    elsewhere = app.test_client()
    log_in(elsewhere, organiser)
    assert elsewhere.get("/admin/").status_code == 200
    with app.app_context():
        from eventapp.models import User
        from eventapp.services import staff_accounts

        staff_accounts.set_active(organiser, False, actor=db.session.get(User, admin), now=utcnow())
        staff_accounts.set_active(organiser, True, actor=db.session.get(User, admin), now=utcnow())
    assert elsewhere.get("/admin/").status_code == 302


def test_a_password_chosen_with_a_reset_link_ends_the_other_sessions(app, client):
    """The password was lost, or stolen: whoever is logged in with the old one elsewhere is logged out,
    and the person who chose the new one stays logged in."""
    with app.app_context():
        anna = make_user("anna@example.org", "organiser").id
    elsewhere = app.test_client()
    log_in(elsewhere, anna)
    submit(client, "/login/reset", {"email": "anna@example.org"})
    response = submit(client, link_in(app, outbox(app)[0]), {"password": PASSWORD, "repeat": PASSWORD})
    assert response.headers["Location"] == "/admin/"
    assert elsewhere.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 200
