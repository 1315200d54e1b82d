"""The personal link: see the registration, cancel, send a colleague; GET never changes anything."""
import pytest
from builders import make_event, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration


@pytest.fixture
def booking(app):
    """(token, registration id, event slug) for a confirmed registration."""
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=1)
        result = register(event, now)
        register(event, now, 2)  # first on the waiting list
        return result.token, result.registration.id, event.slug


def status_of(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).status


def test_personal_page_shows_the_registration(client, booking):
    token, _, _ = booking
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Anna Andersson 1" in page and "Bekräftad" in page
    assert "Avboka" in page and "Skicka en kollega i stället" in page


@pytest.mark.parametrize("path", ["/r/{token}", "/r/{token}/cancel", "/r/{token}/transfer"])
def test_get_never_changes_anything(app, client, booking, path):
    token, registration_id, _ = booking
    assert client.get(path.format(token=token)).status_code == 200
    assert status_of(app, registration_id) == "confirmed"


def test_cancel_with_confirmation_promotes_the_waiting_list(app, client, booking):
    token, registration_id, _ = booking
    response = submit(client, f"/r/{token}/cancel", {})
    assert response.status_code == 302
    assert status_of(app, registration_id) == "cancelled"
    assert "Din anmälan är avbokad." in client.get(f"/r/{token}").get_data(as_text=True)
    with app.app_context():
        statuses = sorted(db.session.scalars(db.select(Registration.status)))
    assert statuses == ["cancelled", "confirmed"]


def test_cancel_without_csrf_token_is_refused(app, client, booking):
    token, registration_id, _ = booking
    assert client.post(f"/r/{token}/cancel").status_code == 400
    assert status_of(app, registration_id) == "confirmed"


def test_send_a_colleague_instead(app, client, booking):
    token, registration_id, _ = booking
    colleague = {"first_name": "Bertil", "last_name": "Berg", "email": "bertil@example.org", "confirm": "y"}
    response = submit(client, f"/r/{token}/transfer", colleague)
    assert response.status_code == 302
    assert status_of(app, registration_id) == "transferred"
    assert "Bertil Berg" in client.get(f"/r/{token}").get_data(as_text=True)


def test_transfer_needs_the_confirmation_box(app, client, booking):
    token, registration_id, _ = booking
    colleague = {"first_name": "Bertil", "last_name": "Berg", "email": "bertil@example.org"}
    response = submit(client, f"/r/{token}/transfer", colleague)
    assert response.status_code == 422
    assert "Bekräfta att du lämnar över din plats." in response.get_data(as_text=True)
    assert status_of(app, registration_id) == "confirmed"


def test_transfer_to_oneself_is_explained(app, client, booking):
    token, registration_id, _ = booking
    response = submit(client, f"/r/{token}/transfer",
                      {"first_name": "A", "last_name": "B", "email": "ANNA1@example.org", "confirm": "y"})
    assert response.status_code == 422
    assert "inte din egen" in response.get_data(as_text=True)
    assert status_of(app, registration_id) == "confirmed"


@pytest.mark.parametrize("token", ["nonsense", "x" * 44, "x" * 300])
def test_unknown_links_get_a_friendly_404(client, booking, token):
    response = client.get(f"/r/{token}")
    assert response.status_code == 404
    assert "Personliga länkar slutar gälla" in response.get_data(as_text=True)
    assert client.post(f"/r/{token}/cancel").status_code in (400, 404)
