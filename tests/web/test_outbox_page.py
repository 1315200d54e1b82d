"""The organisers' outbox page."""
import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus
from eventapp.services import email_texts
from eventapp.services.outbox import deliver_due


def log_in_as(app, client, role):
    with app.app_context():
        user_id = make_user(f"{role}@example.org", role).id
        db.session.commit()
    log_in(client, user_id)


@pytest.fixture
def failed_message(app, smtp_server):
    """A confirmation the mail server refused, and one it took."""
    smtp_server.recorder.refuse.add("finns.inte@example.org")
    with app.test_request_context():
        now = utcnow()
        event = make_event(now)
        register(event, now, 1, email="finns.inte@example.org")
        register(event, now, 2)
        deliver_due(now)
        return db.session.scalar(db.select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED))


def test_the_outbox_needs_login(client):
    response = client.get("/admin/outbox/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["finance", "checkin"])
@pytest.mark.parametrize("path", ["/admin/outbox/", "/admin/outbox/1"])
def test_other_roles_may_not_read_e_mail(app, client, role, path):
    log_in_as(app, client, role)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_organisers_see_failures_with_the_servers_reply(app, client, failed_message, role):
    log_in_as(app, client, role)
    page = client.get("/admin/outbox/?status=failed").get_data(as_text=True)
    assert "finns.inte@example.org" in page and "User unknown" in page and "Misslyckades" in page
    assert "anna2@example.org" not in page
    detail = client.get(f"/admin/outbox/{failed_message}").get_data(as_text=True)
    assert "550" in detail and "Hej Anna" in detail and "invite.ics" in detail  # attachments by name
    assert "BEGIN:VCALENDAR" not in detail and "instance/" not in detail


def test_the_outbox_is_shown_fifty_at_a_time(app, client):
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=None)
        for n in range(51):
            register(event, now, n)
    log_in_as(app, client, "organiser")
    first = client.get("/admin/outbox/").get_data(as_text=True)
    assert first.count("anna") == 50 and "Sida 1 av 2" in first
    second = client.get("/admin/outbox/?page=2").get_data(as_text=True)
    assert second.count("anna") == 1 and "anna0@example.org" in second
    assert client.get("/admin/outbox/?page=²").status_code == 200


def test_a_message_reads_as_it_is_sent_but_without_a_working_link(app, client):
    """Before and after it is sent, does the organiser read the e-mail, never the person's link?"""
    with app.app_context():
        now = utcnow()
        register(make_event(now), now)
        message_id = db.session.scalar(db.select(OutboxMessage.id))
    log_in_as(app, client, "organiser")
    for _ in range(2):
        detail = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
        assert "Hej Anna" in detail and "/r/" not in detail
        with app.app_context():
            deliver_due(utcnow())


def test_an_unknown_status_filter_shows_everything(app, client, failed_message):
    log_in_as(app, client, "organiser")
    response = client.get("/admin/outbox/?status=<script>")
    assert response.status_code == 200 and "anna2@example.org" in response.get_data(as_text=True)


def test_a_failed_message_can_be_sent_again(app, client, failed_message, smtp_server):
    log_in_as(app, client, "organiser")
    smtp_server.recorder.refuse.clear()
    response = submit(client, f"/admin/outbox/{failed_message}/retry", {},
                      form_url=f"/admin/outbox/{failed_message}")
    assert response.status_code == 302
    with app.app_context():
        assert len(deliver_due(utcnow()).sent) == 1
        assert db.session.get(OutboxMessage, failed_message).status == OutboxStatus.SENT


def test_retry_needs_the_csrf_token_and_an_existing_message(app, client, failed_message):
    log_in_as(app, client, "organiser")
    assert client.post(f"/admin/outbox/{failed_message}/retry").status_code == 400
    assert submit(client, "/admin/outbox/999999/retry", {}, form_url=f"/admin/outbox/{failed_message}"
                  ).status_code == 404
    assert client.get("/admin/outbox/999999").status_code == 404
    with app.app_context():
        assert db.session.get(OutboxMessage, failed_message).status == OutboxStatus.FAILED


def test_the_html_part_is_shown_inert_and_framed_only_here(app, client):
    with app.app_context():
        now = utcnow()
        register(make_event(now, title="<script>alert(1)</script> Konferens"), now)
        message_id = db.session.scalar(db.select(OutboxMessage.id))
    log_in_as(app, client, "organiser")
    html = client.get(f"/admin/outbox/{message_id}/html")
    assert html.status_code == 200 and "Hej Anna" in html.get_data(as_text=True)
    assert "<script>alert" not in html.get_data(as_text=True)
    policy = html.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "frame-ancestors 'self'" in policy
    assert "/r/" not in html.get_data(as_text=True)


def test_a_sent_message_is_listed_with_the_subject_it_went_out_with(app, client):
    """An event's own subject has merge fields: the list shows it as the recipient got it, not the
    default subject of a confirmation."""
    with app.test_request_context():
        now = utcnow()
        event = make_event(now, title="Strategiskt forum")
        organiser = make_user("skribent@example.org", "organiser")
        email_texts.save_text(event.id, "confirmation", "sv", "Välkommen {first_name} – & <välkommen>",
                              "Ta med en fråga.", actor=organiser, now=now)
        register(event, now, 1, first_name="Karin")
        register(event, now, 2, first_name="Omid")
        deliver_due(now)
    log_in_as(app, client, "organiser")
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "Välkommen Karin – &amp; &lt;välkommen&gt;" in page and "Välkommen Omid" in page
    assert "Anmälan bekräftad" not in page
