"""REST API v1: tokens, events (GET/PUT), registrations, check-ins, errors with stable codes."""
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import ApiToken, Event, Registration
from eventapp.services.api_tokens import create_token

EVENT = {
    "title": "Nowa Nyfiken på Almedalen", "kind": "seminar",
    "starts_at": "2027-02-03T08:00:00+01:00", "ends_at": "2027-02-03T10:00:00+01:00",
    "venue": "Nordstan", "city": "Göteborg", "capacity": 60, "waitlist": True,
    "registration_opens_at": "2026-12-01T00:00:00+01:00", "registration_deadline": "2027-02-02T00:00:00+01:00",
    "cancellation_deadline": None, "price": 0, "no_show_fee": 25000, "published": True,
    "series": "Nowa Nyfiken på",
}


@pytest.fixture
def api(app, client):
    """Tokens per role and a running event with one registration."""
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30), starts_at=now - timedelta(minutes=10),
                           registration_deadline=now - timedelta(hours=1))
        registration = register(event, now - timedelta(days=2)).registration
        tokens = {}
        for role in ("admin", "organiser", "finance", "checkin"):
            make_user(f"{role}@example.org", role, events=[event] if role == "checkin" else [])
            tokens[role] = create_token(f"{role}@example.org", now=now)[1]
        make_user("annan@example.org", "checkin")
        tokens["other_checkin"] = create_token("annan@example.org", now=now)[1]
        data = {"slug": event.slug, "event_id": event.id, "registration": registration.id,
                "code": registration.check_in_code}

    def call(method, url, role=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        return client.open(url, method=method, headers=headers, **kwargs)

    return call, data


def test_no_token_is_401_with_a_json_error(api):
    call, _ = api
    response = call("GET", "/api/v1/events")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer ev_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "ev_nothing"])
def test_a_bad_token_is_401(api, header):
    call, _ = api
    response = call("GET", "/api/v1/events", headers={"Authorization": header})
    assert (response.status_code, response.json["error"]["code"]) == (401, "invalid_token")


def test_a_revoked_token_stops_working(app, api):
    call, _ = api
    assert call("GET", "/api/v1/events", "organiser").status_code == 200
    with app.app_context():
        for row in db.session.scalars(db.select(ApiToken)):
            row.revoked_at = utcnow()
        db.session.commit()
    assert call("GET", "/api/v1/events", "organiser").status_code == 401


def test_tokens_are_stored_hashed_and_note_their_last_use(app, api):
    call, _ = api
    call("GET", "/api/v1/events", "organiser")
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken).join(ApiToken.user).where(
            ApiToken.user.has(email="organiser@example.org")))
        assert row.last_used_at is not None
        assert len(row.token_hash) == 64 and row.prefix.startswith("ev_")


def test_unknown_api_addresses_answer_in_json(api):
    call, _ = api
    response = call("GET", "/api/v1/nothing-here", "organiser")
    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")
    response = call("DELETE", "/api/v1/events", "organiser")
    assert (response.status_code, response.json["error"]["code"]) == (405, "method_not_allowed")


def test_put_creates_then_updates_an_event(app, api):
    call, _ = api
    created = call("PUT", "/api/v1/events/nyfiken-almedalen", "organiser", json=EVENT)
    assert created.status_code == 201, created.json
    assert created.json["slug"] == "nyfiken-almedalen"
    assert created.json["starts_at"] == "2027-02-03T07:00:00+00:00"
    assert created.json["series"] == "Nowa Nyfiken på"
    updated = call("PUT", "/api/v1/events/nyfiken-almedalen", "organiser", json={"capacity": 80})
    assert updated.status_code == 200
    assert (updated.json["capacity"], updated.json["title"], updated.json["no_show_fee"]) == (80, EVENT["title"], 25000)
    shown = call("GET", "/api/v1/events/nyfiken-almedalen", "finance")
    assert shown.json == updated.json
    assert "nyfiken-almedalen" in [e["slug"] for e in call("GET", "/api/v1/events", "organiser").json]


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_at": "2027-02-03T07:00:00+01:00"}, "ends_at"),
    ({"starts_at": "2027-02-03T08:00:00"}, "starts_at"),
    ({"starts_at": "3 februari"}, "starts_at"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 10 ** 12}, "capacity"),
    ({"capacity": "60"}, "capacity"),
    ({"no_show_fee": -1}, "no_show_fee"),
    ({"published": "yes"}, "published"),
    ({"kind": "party"}, "kind"),
    ({"title": "Rad\nbrytning"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"venue": "nul\x00"}, "venue"),
    ({"sessions": [{"title": "Träff 1"}]}, "sessions[0].starts_at"),
    ({"colour": "blue"}, "colour"),
    ({"feedback_questions": "Hur var lokalen?"}, "feedback_questions"),
    ({"feedback_questions": [f"Fråga {n}" for n in range(6)]}, "feedback_questions"),
    ({"feedback_questions": ["Rad\nbrytning"]}, "feedback_questions"),
    ({"feedback_questions": ["Samma", "samma"]}, "feedback_questions"),
    ({"feedback_named": "ja"}, "feedback_named"),
])
def test_invalid_input_gets_field_errors_and_changes_nothing(app, api, change, field):
    call, _ = api
    response = call("PUT", "/api/v1/events/nyfiken-almedalen", "organiser", json={**EVENT, **change})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert field in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(Event).where(Event.slug == "nyfiken-almedalen")) is None


def test_creating_needs_the_essential_fields(api):
    call, _ = api
    response = call("PUT", "/api/v1/events/tom", "organiser", json={"title": "Tom"})
    fields = response.json["error"]["fields"]
    assert {"kind", "starts_at", "ends_at", "registration_opens_at", "registration_deadline"} <= set(fields)
    assert fields["kind"] == ["Krävs när ett evenemang skapas."]


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_an_object_is_400(api, body):
    call, _ = api
    response = call("PUT", "/api/v1/events/x", "organiser", data=body, content_type="application/json")
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_json")


def test_a_bad_slug_is_a_field_error(api):
    call, _ = api
    response = call("PUT", "/api/v1/events/Inte OK", "organiser", json=EVENT)
    assert response.status_code == 422 and "slug" in response.json["error"]["fields"]


def test_registrations_carry_organisation_status_and_code(api):
    call, data = api
    response = call("GET", f"/api/v1/events/{data['slug']}/registrations", "checkin")
    assert response.status_code == 200
    [registration] = response.json
    assert registration["organisation"] == {"name": "Nacka kommun", "kind": "municipality",
                                            "municipality_code": "0182", "org_number": None}
    assert (registration["status"], registration["code"], registration["checked_in_at"]) == (
        "confirmed", data["code"], None)
    assert call("GET", f"/api/v1/events/{data['slug']}/registrations?status=waitlisted", "organiser").json == []
    bad = call("GET", f"/api/v1/events/{data['slug']}/registrations?status=odd", "organiser")
    assert bad.status_code == 422


def test_check_in_by_code_twice_and_undo(app, api):
    call, data = api
    url = f"/api/v1/events/{data['slug']}/checkins"
    first = call("POST", url, "checkin", json={"code": f" {data['code'].lower()} "})
    assert first.status_code == 201
    assert first.json["counts"] == {"checked_in": 1, "expected": 1}
    second = call("POST", url, "checkin", json={"code": data["code"]})
    assert (second.status_code, second.json["already_checked_in"]) == (200, True)
    assert call("GET", url, "organiser").json == {"checked_in": 1, "expected": 1}
    undone = call("DELETE", f"{url}/{data['code']}", "checkin")
    assert undone.status_code == 200 and undone.json["registration"]["checked_in_at"] is None
    with app.app_context():
        assert db.session.get(Registration, data["registration"]).checked_in_at is None


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"code": "ZZZZZZZZ"}, 422, "unknown_code"),
    ({"code": "!"}, 422, "unknown_code"),
    ({"code": 12345678}, 422, "validation_failed"),
    ({}, 422, "validation_failed"),
])
def test_bad_codes_are_explained(api, body, status, code):
    call, data = api
    response = call("POST", f"/api/v1/events/{data['slug']}/checkins", "checkin", json=body)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_a_volunteer_of_another_event_is_refused(app, api):
    call, data = api
    response = call("POST", f"/api/v1/events/{data['slug']}/checkins", "other_checkin", json={"code": data["code"]})
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")
    assert call("GET", f"/api/v1/events/{data['slug']}/registrations", "other_checkin").status_code == 403
    assert call("GET", f"/api/v1/events/{data['slug']}/registrations", "finance").status_code == 403
    with app.app_context():
        assert db.session.get(Registration, data["registration"]).checked_in_at is None


def test_a_volunteer_cannot_change_an_event(app, api):
    """An organiser-only action by a check-in volunteer changes nothing."""
    call, data = api
    response = call("PUT", f"/api/v1/events/{data['slug']}", "checkin", json={"capacity": 1, "title": "Kapad"})
    assert response.status_code == 403
    with app.app_context():
        event = db.session.get(Event, data["event_id"])
        assert (event.capacity, event.title) != (1, "Kapad")


def test_a_browser_session_needs_its_csrf_token_to_change_anything(app, client, api):
    _, data = api
    with app.app_context():
        organiser = db.session.scalar(db.select(db.text("id FROM app_user WHERE email = 'organiser@example.org'")))
    log_in(client, organiser)
    assert client.get("/api/v1/events").status_code == 200
    response = client.put(f"/api/v1/events/{data['slug']}", json={"capacity": 99})
    assert (response.status_code, response.json["error"]["code"]) == (400, "csrf_failed")


def test_the_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    described = {(path, method) for path, operations in document["paths"].items() for method in operations}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in described, f"{method} {path} is not in openapi.json"


def cli(app, *args):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_tokens_from_the_command_line(app):
    with app.app_context():
        make_user("skanner@example.org", "checkin")
    created = cli(app, "tokens", "create", "skanner@example.org", "--name", "skanner 1")
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert token.startswith("ev_") and len(token) > 40
    listed = cli(app, "tokens", "list", "skanner@example.org")
    assert "skanner 1" in listed.output and "active" in listed.output and token not in listed.output
    token_id = listed.output.split("\t")[0]
    assert cli(app, "tokens", "revoke", token_id).exit_code == 0
    assert "revoked" in cli(app, "tokens", "list", "skanner@example.org").output
    with app.app_context():
        from eventapp.models import AuditEntry
        assert [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))] == [
            "api_token.created", "api_token.revoked"]
    assert cli(app, "tokens", "create", "ingen@example.org").exit_code != 0


def test_users_create_ties_a_volunteer_to_events(app):
    with app.app_context():
        event = make_event(utcnow())
        slug = event.slug
    result = cli(app, "users", "create", "dorr@example.org", "--role", "checkin", "--event", slug,
                 "--password", "ett långt lösenord")
    assert result.exit_code == 0, result.output
    with app.app_context():
        from eventapp.models import CheckinAssignment
        assert db.session.query(CheckinAssignment).count() == 1
    wrong = cli(app, "users", "create", "x@example.org", "--role", "checkin", "--event", "finns-inte",
                "--password", "ett långt lösenord")
    assert wrong.exit_code != 0
    with app.app_context():
        from eventapp.models import User
        assert db.session.scalar(db.select(User).where(User.email == "x@example.org")) is None


def test_the_feedback_settings_go_in_and_come_back(api):
    call, data = api
    response = call("PUT", f"/api/v1/events/{data['slug']}", "organiser",
                    json={"feedback_questions": ["Hur var  lokalen?", "Hur var maten?"], "feedback_named": True})
    assert response.status_code == 200
    shown = call("GET", f"/api/v1/events/{data['slug']}", "organiser").json
    assert (shown["feedback_questions"], shown["feedback_named"]) == (["Hur var lokalen?", "Hur var maten?"], True)
    call("PUT", f"/api/v1/events/{data['slug']}", "organiser", json={"capacity": 50})
    assert call("GET", f"/api/v1/events/{data['slug']}", "organiser").json["feedback_named"] is True
