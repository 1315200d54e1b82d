"""Input that no page expects is answered with a clear 4xx, never a 500 (PostgreSQL refuses NUL in text)."""
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user
from conftest import csrf_token

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.services.api_tokens import create_token


@pytest.fixture
def site(app):
    with app.app_context():
        event = make_event(utcnow() - timedelta(days=30))
        user = make_user("organiser@example.org", "organiser")
        return {"slug": event.slug, "user": user.id, "token": create_token(user.email, now=utcnow())[1]}


@pytest.mark.parametrize("url", ["/events/a%00b", "/events/a%00b/register", "/api/v1/events/a%00b",
                                 "/api/v1/events/a%00b/registrations", "/checkin/a%00b"])
def test_a_nul_in_the_address_is_400(client, site, url):
    log_in(client, site["user"])
    response = client.get(url, headers={"Authorization": f"Bearer {site['token']}"} if "/api/" in url else {})
    assert response.status_code == 400
    if "/api/" in url:
        assert response.json["error"]["code"] == "bad_request"


def test_a_nul_in_a_search_finds_nobody(client, site):
    log_in(client, site["user"])
    response = client.get(f"/checkin/{site['slug']}/results?q=a%00b")
    assert response.status_code == 200 and "Ingen hittades" in response.get_data(as_text=True)


def test_a_nul_in_a_form_changes_nothing(app, client, site):
    log_in(client, site["user"])
    url = f"/checkin/{site['slug']}/walk-in"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "first_name": "A", "last_name": "B",
                                      "email": "a@example.org", "organisation": "X", "consent": "y",
                                      "dietary": "nötter\x00"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Registration).count() == 0
