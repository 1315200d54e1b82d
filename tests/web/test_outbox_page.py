"""The organisers' outbox page, and delivery after a response when no separate deliverer runs."""
import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus
from eventapp.services import outbox
from eventapp.services.outbox import deliver_due
from eventapp.web.outbox import deliverer


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
    assert "550" in detail and "Hej Anna" in detail and "BEGIN:VCALENDAR" in detail


def test_a_registrations_message_not_yet_written_says_when_it_will_be(app, client):
    with app.app_context():
        now = utcnow()
        register(make_event(now), now)
        message_id = db.session.scalar(db.select(OutboxMessage.id))
    log_in_as(app, client, "organiser")
    detail = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "med anmälans personliga länk" in detail and "fakturans PDF" not in detail
    with app.app_context():
        deliver_due(utcnow())
    detail = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Hej Anna" in detail and "med anmälans personliga länk" not in detail


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


def test_the_web_app_delivers_after_the_response(app, client, smtp_server):
    """Is a registration's e-mail sent once the response has gone, without a separate deliverer?"""
    with app.app_context():
        slug = make_event(utcnow()).slug
    app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = True
    try:
        response = submit(client, f"/events/{slug}/register", {
            "first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org",
            "organisation": "Nacka kommun", "job_title": "Kommunikatör", "consent": "y"})
        assert response.status_code == 302
        assert smtp_server.recorder.messages == []  # the response is not held up by the mail server
        response.close()  # what the WSGI server does once the response is sent
        assert deliverer(app).wait_until_idle(timeout=30)
    finally:
        app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = False
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages] == ["asa@example.org"]


def test_a_burst_of_registrations_is_delivered_in_a_few_claims(app, client, smtp_server, monkeypatch):
    """Do twenty registrations in a row share the background deliveries instead of claiming one each?"""
    with app.app_context():
        slug = make_event(utcnow(), capacity=100).slug
    claims = []
    claim_due = outbox.claim_due
    monkeypatch.setattr(outbox, "claim_due", lambda *a, **kw: claims.append(1) or claim_due(*a, **kw))
    app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = True
    try:
        background = deliverer(app)
        with background._changed:  # hold the deliverer while the burst arrives
            for number in range(20):
                response = submit(client, f"/events/{slug}/register", {
                    "first_name": "Åsa", "last_name": f"Öberg {number}", "email": f"asa{number}@example.org",
                    "organisation": "Nacka kommun", "job_title": "Kommunikatör", "consent": "y"})
                assert response.status_code == 302
                response.close()
        assert background.wait_until_idle(timeout=30)
    finally:
        app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = False
    assert len(smtp_server.recorder.messages) == 20
    assert len(claims) <= 2


def test_a_request_that_queues_nothing_takes_no_write_lock(app, client, monkeypatch):
    """With nothing due, does the background deliverer only read (SQLite's write lock stays free)?"""
    with app.app_context():
        slug = make_event(utcnow()).slug
    claims = []
    monkeypatch.setattr(outbox, "claim_due", lambda *a, **kw: claims.append(1))
    app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = True
    try:
        response = client.post(f"/events/{slug}/register", data={})  # refused: no CSRF token, nothing queued
        response.close()
        assert deliverer(app).wait_until_idle(timeout=30)
    finally:
        app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = False
    assert claims == []


def test_a_request_is_counted_as_in_hand_until_it_ends(app):
    app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = True
    try:
        with app.test_request_context("/"):
            app.preprocess_request()
            assert deliverer(app)._in_hand == 1
        assert deliverer(app)._in_hand == 0
    finally:
        app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = False


def test_every_request_counted_in_is_counted_out(app, client):
    """However a request ends (a page, a 404, a refused form, a login asked for), is it no longer
    counted as in hand, so the deliverer's quiet moment can come?"""
    with app.app_context():
        slug = make_event(utcnow()).slug
    app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = True
    try:
        for method, path in [("GET", f"/events/{slug}"), ("GET", "/events/no-such-event"),
                             ("POST", f"/events/{slug}/register"), ("GET", "/admin/outbox"),
                             ("GET", "/admin/outbox/"), ("GET", "/healthz")]:
            response = client.open(path, method=method)
            response.close()
            assert response.status_code in (200, 302, 308, 400, 404), (path, response.status_code)
            assert deliverer(app)._in_hand == 0, path
        assert deliverer(app).wait_until_idle(timeout=30)
    finally:
        app.config["OUTBOX_DELIVER_AFTER_RESPONSE"] = False

