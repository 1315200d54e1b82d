"""The door page: who may open it, checking in with and without the script, walk-ins, volunteers."""
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register
from conftest import csrf_token, submit

from eventapp.database import utcnow
from eventapp.extensions import db, limiter
from eventapp.models import CheckinAssignment, Registration, RegistrationStatus, User


@pytest.fixture(autouse=True)
def _fresh_login_limit(app):
    """The login limit counts per address across the whole run; these tests log in for real."""
    limiter.reset()
@pytest.fixture
def door(app):
    """An event happening now with two confirmed attendees; accounts for each role."""
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30), starts_at=now - timedelta(minutes=30), capacity=3,
                           registration_deadline=now - timedelta(hours=1))
        registered = now - timedelta(days=2)
        anna = register(event, registered, n=1).registration
        register(event, registered, n=2, first_name="Åsa", last_name="Öberg", organisation="Migrationsverket")
        users = {role: make_user(f"{role}@example.org", role, events=[event] if role == "checkin" else []).id
                 for role in ("organiser", "checkin", "finance")}
        users["other"] = make_user("annan-dorr@example.org", "checkin").id
        return {"slug": event.slug, "event_id": event.id, "anna": anna.id, "code": anna.check_in_code,
                "users": users}


def login(client, email):
    with client.application.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == email))
    log_in(client, user_id)


def checked_in(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).checked_in_at


@pytest.mark.parametrize(("email", "status"), [
    ("organiser@example.org", 200), ("checkin@example.org", 200),
    ("annan-dorr@example.org", 403), ("finance@example.org", 403)])
def test_only_organisers_and_the_assigned_volunteers_open_the_door(client, door, email, status):
    login(client, email)
    assert client.get(f"/checkin/{door['slug']}").status_code == status


def test_a_volunteer_starts_on_the_list_of_their_events(client, door):
    response = submit(client, "/login", {"email": "checkin@example.org", "password": "ett långt lösenord"})
    assert response.headers["Location"] == "/checkin/"
    page = client.get("/checkin/").get_data(as_text=True)
    assert f"/checkin/{door['slug']}" in page
    login(client, "annan-dorr@example.org")
    assert f"/checkin/{door['slug']}" not in client.get("/checkin/").get_data(as_text=True)


def test_check_in_by_code_without_javascript(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}"
    response = submit(client, url + "/code", {"code": f"  {door['code'].lower()} "}, form_url=url)
    assert response.status_code == 302
    assert f"last={door['anna']}" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Anna Andersson 1 är incheckad." in page
    assert "Incheckade 1 av 2" in page
    assert checked_in(app, door["anna"]) is not None


def test_check_in_twice_with_the_script_says_so(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}"
    token = csrf_token(client, url)
    headers = {"Accept": "application/json"}
    first = client.post(url + "/code", data={"csrf_token": token, "code": door["code"]}, headers=headers)
    assert first.status_code == 200 and first.json["ok"] and not first.json["already"]
    second = client.post(url + "/code", data={"csrf_token": token, "code": door["code"]}, headers=headers)
    assert second.json["already"] and "redan incheckad" in second.json["message"]
    assert second.json["counts"] == {"checked_in": 1, "expected": 2}
    assert "Ångra" in second.json["panel"]


def test_a_wrong_code_is_explained_and_changes_nothing(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}"
    response = client.post(url + "/code", data={"csrf_token": csrf_token(client, url), "code": "=cmd|x"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert "ingen incheckningskod" in response.json["message"]
    assert checked_in(app, door["anna"]) is None


def test_an_empty_code_is_explained(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}"
    response = submit(client, url + "/code", {"code": ""}, form_url=url, follow_redirects=True)
    assert response.status_code == 200
    assert "Skanna namnbrickan eller skriv dess kod." in response.get_data(as_text=True)


def test_search_tap_and_undo(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}"
    results = client.get(url + "/results?q=åsa").get_data(as_text=True)
    assert "Åsa Öberg" in results and "Anna" not in results
    token = csrf_token(client, url)
    assert client.post(f"{url}/registrations/{door['anna']}", data={"csrf_token": token}).status_code == 302
    assert checked_in(app, door["anna"]) is not None
    page = client.get(url + "?q=anna").get_data(as_text=True)
    assert "Incheckad kl." in page
    assert client.post(f"{url}/registrations/{door['anna']}/undo", data={"csrf_token": token}).status_code == 302
    assert checked_in(app, door["anna"]) is None


def test_a_registration_of_another_event_cannot_be_tapped_in(app, client, door):
    with app.app_context():
        other = make_event(utcnow() - timedelta(days=30), registration_deadline=utcnow() + timedelta(days=1))
        stranger = register(other, utcnow(), n=7).registration.id
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}"
    client.post(f"{url}/registrations/{stranger}", data={"csrf_token": csrf_token(client, url)})
    assert checked_in(app, stranger) is None


def test_walk_in_registers_and_checks_in_until_full(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}/walk-in"
    person = {"first_name": "Darius", "last_name": "Karimi", "email": "darius@example.org",
              "organisation": "Scouterna", "consent": "y"}
    response = submit(client, url, person)
    assert response.status_code == 302
    full = submit(client, url, {**person, "email": "ny@example.org"})
    assert full.status_code == 422
    assert "Alla 3 platser är tagna" in full.get_data(as_text=True)
    missing = submit(client, url, {"first_name": "X"})
    assert missing.status_code == 422
    with app.app_context():
        walk_ins = db.session.scalars(db.select(Registration).where(Registration.email == "darius@example.org")).all()
        assert [(r.status, r.checked_in_at is not None) for r in walk_ins] == [(RegistrationStatus.CONFIRMED, True)]
        assert db.session.query(Registration).count() == 3


def test_organisers_assign_and_remove_volunteers(app, client, door):
    login(client, "organiser@example.org")
    url = f"/checkin/{door['slug']}/staff"
    assert "annan-dorr@example.org" in client.get(url).get_data(as_text=True)
    assert submit(client, url, {"email": "annan-dorr@example.org"}).status_code == 302
    assert submit(client, url, {"email": "organiser@example.org"}).status_code == 422
    with app.app_context():
        other = db.session.scalar(db.select(User).where(User.email == "annan-dorr@example.org"))
        assert db.session.get(CheckinAssignment, (other.id, door["event_id"])) is not None
    response = submit(client, f"{url}/{other.id}/remove", {}, form_url=url)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CheckinAssignment, (other.id, door["event_id"])) is None


def test_a_volunteer_cannot_assign_volunteers(app, client, door):
    login(client, "checkin@example.org")
    url = f"/checkin/{door['slug']}/staff"
    assert client.get(url).status_code == 403
    response = client.post(url, data={"csrf_token": csrf_token(client, f"/checkin/{door['slug']}"),
                                      "email": "annan-dorr@example.org"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.query(CheckinAssignment).count() == 1


def test_the_page_loads_its_script_from_a_file(client, door):
    login(client, "checkin@example.org")
    page = client.get(f"/checkin/{door['slug']}").get_data(as_text=True)
    assert 'src="/static/checkin.js"' in page
    assert "<script>" not in page
    for path in ("/static/checkin.js", "/static/vendor/jsqr/jsQR.js", "/static/vendor/jsqr/LICENSE"):
        served = client.get(path)
        assert served.status_code == 200, path
        served.close()
    assert 'data-jsqr-url="/static/vendor/jsqr/jsQR.js"' in page


def test_the_event_page_of_the_back_office_leads_to_the_door(client, door):
    login(client, "organiser@example.org")
    page = client.get(f"/admin/events/{door['slug']}").get_data(as_text=True)
    assert f'href="/checkin/{door["slug"]}"' in page
    assert f'href="/checkin/{door["slug"]}/staff"' in page


def test_only_the_check_in_pages_may_use_the_camera(client, door):
    login(client, "organiser@example.org")
    for page in (f"/checkin/{door['slug']}", f"/checkin/{door['slug']}/walk-in", "/checkin/"):
        assert "camera=(self)" in client.get(page).headers["Permissions-Policy"], page
    for page in ("/", "/login", f"/admin/events/{door['slug']}/attendees"):
        assert "camera=()" in client.get(page).headers["Permissions-Policy"], page


def test_the_door_lists_who_has_not_arrived_in_swedish_order(app, client, door):
    login(client, "checkin@example.org")
    page = client.get(f"/checkin/{door['slug']}").get_data(as_text=True)
    waiting = page[page.index('id="door-waiting"'):]
    assert "Inte kommit än" in waiting and "(2)" in waiting
    assert waiting.index("Anna Andersson 1") < waiting.index("Åsa Öberg")
    submit(client, f"/checkin/{door['slug']}/registrations/{door['anna']}", {}, form_url=f"/checkin/{door['slug']}")
    fragment = client.get(f"/checkin/{door['slug']}/not-arrived").get_data(as_text=True)
    assert "(1)" in fragment and "Anna Andersson" not in fragment and "Åsa Öberg" in fragment


@pytest.fixture
def past_door(app):
    """An event that ended 25 hours ago (its door closed an hour ago), and its volunteer with a token."""
    from eventapp.services.api_tokens import create_token

    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30), starts_at=now - timedelta(hours=33),
                           registration_deadline=now - timedelta(days=2))
        register(event, now - timedelta(days=20), n=1, first_name="Hemlig")
        volunteer = make_user("checkin@example.org", "checkin", events=[event])
        make_user("organiser@example.org", "organiser")
        return {"slug": event.slug, "token": create_token(volunteer.email, now=now)[1]}


def test_a_volunteer_of_a_past_event_no_longer_sees_its_attendees(client, past_door):
    """Names and addresses of a past event are not a volunteer's business once its door has closed."""
    login(client, "checkin@example.org")
    for url in (f"/checkin/{past_door['slug']}?q=Hemlig", f"/checkin/{past_door['slug']}/results?q=Hemlig"):
        response = client.get(url)
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert "Andersson 1" not in page and "anna1@example.org" not in page
        assert "Incheckningen stängde" in page
    api = client.get(f"/api/v1/events/{past_door['slug']}/registrations",
                     headers={"Authorization": f"Bearer {past_door['token']}"})
    assert api.status_code == 403 and "anna1@example.org" not in api.get_data(as_text=True)


def test_an_organiser_still_sees_the_attendees_of_a_past_event(client, past_door):
    login(client, "organiser@example.org")
    assert "Andersson 1" in client.get(f"/checkin/{past_door['slug']}?q=Hemlig").get_data(as_text=True)


def test_a_volunteer_sees_a_coming_event_on_the_list_but_cannot_open_it_yet(app, client):
    now = utcnow()
    with app.app_context():
        event = make_event(now, starts_at=now + timedelta(hours=25))
        make_user("checkin@example.org", "checkin", events=[event])
        slug = event.slug
    login(client, "checkin@example.org")
    page = client.get("/checkin/").get_data(as_text=True)
    assert event_title(app, slug) in page and f'href="/checkin/{slug}"' not in page
    assert "Incheckningen öppnar" in page
    assert client.get(f"/checkin/{slug}").status_code == 403


def event_title(app, slug):
    from eventapp.models import Event

    with app.app_context():
        return db.session.scalar(db.select(Event.title).where(Event.slug == slug))
