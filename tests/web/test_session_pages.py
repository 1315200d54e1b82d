"""Sessions to choose on the form, the personal page and the API; check-in per meeting at the door
and through the API; certificates to download and to verify; a calendar link per meeting."""
import re
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Certificate, EventSession, Registration, SessionAttendance, SessionChoice, User
from eventapp.services import checkin, personal_links
from eventapp.services.api_tokens import create_token

PERSON = {"first_name": "Åsa", "last_name": "Öberg", "email": "asa@example.org", "organisation": "Nacka kommun",
          "job_title": "Kommunikatör", "consent": "y"}


def add_session(event, title, starts, hours=1, **fields):
    session = EventSession(event_id=event.id, title=title, starts_at=starts, ends_at=starts + timedelta(hours=hours),
                           **fields)
    db.session.add(session)
    db.session.commit()
    return session.id


@pytest.fixture
def conference(app):
    """A conference in a month with three workshops: A (1 place) and B at the same time, C later."""
    now = utcnow()
    with app.app_context():
        event = make_event(now, capacity=50)
        afternoon = event.starts_at + timedelta(hours=5)
        ids = {"A": add_session(event, "Workshop A", afternoon, choosable=True, capacity=1),
               "B": add_session(event, "Workshop B", afternoon + timedelta(minutes=30), choosable=True),
               "C": add_session(event, "Workshop C", afternoon + timedelta(hours=2), choosable=True, capacity=30)}
        return {"slug": event.slug, "id": event.id, **ids}


def choices(app):
    with app.app_context():
        return sorted((r.email, c.session.title) for c in db.session.scalars(db.select(SessionChoice))
                      for r in [c.registration])


def stored(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Registration))


def test_the_form_offers_the_sessions_as_checkboxes_named_sessions(client, conference):
    page = client.get(f"/events/{conference['slug']}/register").get_data(as_text=True)
    for name in "ABC":
        assert re.search(rf'<input[^>]*name="sessions"[^>]*value="{conference[name]}"', page)
    assert "Workshop A" in page and "(1 plats)" in page


def test_a_pick_is_stored_with_the_registration(app, client, conference):
    response = submit(client, f"/events/{conference['slug']}/register",
                      {**PERSON, "sessions": [str(conference["A"]), str(conference["C"])]})
    assert response.status_code == 302
    assert choices(app) == [("asa@example.org", "Workshop A"), ("asa@example.org", "Workshop C")]


@pytest.mark.parametrize(("picks", "message"), [
    (["A", "B"], "samtidigt"), (["999999"], "Det finns inget pass"), (["abc"], "Välj passen i listan"),
    (["²"], "Välj passen i listan"), ([str(2**40)], "Välj passen i listan")])
def test_bad_picks_get_a_message_and_store_nothing(app, client, conference, picks, message):
    sent = [str(conference.get(p, p)) for p in picks]
    response = submit(client, f"/events/{conference['slug']}/register", {**PERSON, "sessions": sent})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="asa@example.org"' in page  # the rest of the form is kept
    assert stored(app) == 0


def test_a_full_session_is_refused_and_the_form_kept(app, client, conference):
    with app.app_context():
        from eventapp.services.registration import Attendee, register_attendee

        register_attendee(conference["id"], Attendee("Bo", "Ek", "bo@example.org", sessions=(conference["A"],)),
                          utcnow())
    page = client.get(f"/events/{conference['slug']}/register").get_data(as_text=True)
    assert "Workshop A" in page and "fullbokat" in page
    response = submit(client, f"/events/{conference['slug']}/register", {**PERSON, "sessions": [str(conference["A"])]})
    assert response.status_code == 422
    assert "fullbokat" in response.get_data(as_text=True)
    assert 'value="Öberg"' in response.get_data(as_text=True)
    assert stored(app) == 1


def test_the_personal_page_shows_and_changes_the_picks(app, client, conference):
    with app.app_context():
        result = register(db.session.get(EventSession, conference["A"]).event, utcnow(), 1,
                          sessions=(conference["A"],))
        token = result.token
        register(result.registration.event, utcnow(), 2)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Workshop A" in page and 'name="sessions"' in page
    response = submit(client, f"/r/{token}/sessions", {"sessions": [str(conference["C"])]}, form_url=f"/r/{token}")
    assert response.status_code == 302
    assert choices(app) == [("anna1@example.org", "Workshop C")]
    response = submit(client, f"/r/{token}/sessions", {"sessions": [str(conference["B"]), str(conference["A"])]},
                      form_url=f"/r/{token}")
    assert response.status_code == 422 and "samtidigt" in response.get_data(as_text=True)
    assert choices(app) == [("anna1@example.org", "Workshop C")]


@pytest.fixture
def course(app):
    """A course of five weekly meetings whose second is going on now; Anna and Bo registered."""
    now = utcnow()
    with app.app_context():
        first = now - timedelta(weeks=1, minutes=10)
        event = make_event(now - timedelta(days=40), kind="course", title="Vilka är vi?", starts_at=first,
                           ends_at=first + timedelta(weeks=4, hours=1), registration_deadline=first - timedelta(days=1))
        meetings = [add_session(event, f"Träff {n + 1}", first + timedelta(weeks=n)) for n in range(5)]
        anna = register(event, now - timedelta(days=30), 1)
        bo = register(event, now - timedelta(days=30), 2)
        make_user("ledare@example.org", "checkin", events=[event])
        token = create_token("ledare@example.org", now=now)[1]
        return {"slug": event.slug, "id": event.id, "meetings": meetings, "anna": anna.registration_id,
                "code": anna.registration.check_in_code, "bo": bo.registration_id, "api": token}


def attended(app, registration_id):
    with app.app_context():
        return sorted(db.session.scalars(db.select(SessionAttendance.session_id).where(
            SessionAttendance.registration_id == registration_id)))


def test_the_door_picks_the_meeting_going_on_and_checks_in_to_it(app, client, course):
    with app.app_context():
        leader = db.session.scalar(db.select(User.id).where(User.email == "ledare@example.org"))
    log_in(client, leader)
    page = client.get(f"/checkin/{course['slug']}").get_data(as_text=True)
    second = course["meetings"][1]
    assert re.search(rf'<option value="{second}" selected>Träff 2', page)
    response = submit(client, f"/checkin/{course['slug']}/code", {"code": course["code"], "session": str(second)},
                      form_url=f"/checkin/{course['slug']}")
    assert response.status_code == 302 and f"session={second}" in response.headers["Location"]
    assert attended(app, course["anna"]) == [second]
    refused = submit(client, f"/checkin/{course['slug']}/registrations/{course['bo']}",
                     {"session": str(course["meetings"][2])}, form_url=f"/checkin/{course['slug']}",
                     follow_redirects=True)
    assert "Incheckningen till Träff 3 öppnar" in refused.get_data(as_text=True)
    assert attended(app, course["bo"]) == []


def test_the_api_checks_in_to_a_meeting_and_lists_attendance(app, client, course):
    headers = {"Authorization": f"Bearer {course['api']}"}
    second, third = course["meetings"][1], course["meetings"][2]
    url = f"/api/v1/events/{course['slug']}/checkins"

    def check_in(session):
        return client.post(url, json={"code": course["code"], "session": session}, headers=headers)

    response = check_in(second)
    assert response.status_code == 201 and response.json["session"] == second
    again = check_in(second)
    assert again.status_code == 200 and again.json["already_checked_in"]
    early = check_in(third)
    assert early.status_code == 409 and early.json["error"]["code"] == "checkin_closed"
    assert check_in(10**9).status_code == 404
    assert check_in(2**40).status_code == 422
    assert client.delete(f"{url}/{course['code']}?session=x", headers=headers).status_code == 422
    listed = client.get(f"/api/v1/events/{course['slug']}/registrations", headers=headers).json
    anna = next(r for r in listed if r["id"] == course["anna"])
    assert [s["title"] for s in anna["sessions"]] == [f"Träff {n}" for n in range(1, 6)]
    assert [s["id"] for s in anna["sessions"] if s["checked_in_at"]] == [second]
    assert client.get(f"{url}?session={second}", headers=headers).json == {"checked_in": 1, "expected": 2}
    assert client.get(f"{url}?session=oops", headers=headers).status_code == 404
    undone = client.delete(f"{url}/{course['code']}?session={second}", headers=headers)
    assert undone.status_code == 200 and undone.json["registration"]["checked_in_at"] is None
    assert attended(app, course["anna"]) == []


def test_put_event_takes_sessions_with_places_and_returns_their_ids(app, client):
    now = utcnow()
    with app.app_context():
        make_user("org@example.org", "organiser")
        token = create_token("org@example.org", now=now)[1]
    headers = {"Authorization": f"Bearer {token}"}
    starts = (now + timedelta(days=30)).replace(microsecond=0)
    body = {"title": "Forum", "kind": "conference", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
            "registration_opens_at": now.isoformat(), "registration_deadline": (starts - timedelta(days=2)).isoformat(),
            "sessions": [{"title": "World café", "starts_at": (starts + timedelta(hours=5)).isoformat(),
                          "ends_at": (starts + timedelta(hours=6)).isoformat(), "choosable": True, "capacity": 10}]}
    assert client.put("/api/v1/events/forum-1", json=body, headers=headers).status_code == 201
    session = client.get("/api/v1/events/forum-1", headers=headers).json["sessions"][0]
    assert session["choosable"] is True and session["capacity"] == 10 and isinstance(session["id"], int)
    body["sessions"][0] |= {"id": session["id"], "capacity": 12}
    assert client.put("/api/v1/events/forum-1", json=body, headers=headers).status_code == 200
    again = client.get("/api/v1/events/forum-1", headers=headers).json["sessions"][0]
    assert (again["id"], again["capacity"]) == (session["id"], 12)
    body["sessions"][0]["capacity"] = 0
    assert client.put("/api/v1/events/forum-1", json=body, headers=headers).status_code == 422


def test_certificates_after_the_course_for_those_who_came(app, client):
    now = utcnow()
    with app.app_context():
        first = now - timedelta(weeks=6)
        event = make_event(now - timedelta(weeks=10), kind="course", title="Vilka är vi?", starts_at=first,
                           ends_at=first + timedelta(weeks=4, hours=1), registration_deadline=first - timedelta(days=1))
        for n in range(5):
            add_session(event, f"Träff {n + 1}", first + timedelta(weeks=n))
        anna = register(event, now - timedelta(weeks=8), 1).registration
        bo = register(event, now - timedelta(weeks=8), 2).registration
        for meeting in event.sessions[:4]:
            checkin.check_in(event.id, anna.id, actor=None, now=meeting.starts_at, session_id=meeting.id)
        anna_token, anna_link = personal_links.new_link(anna, now)
        bo_token, bo_link = personal_links.new_link(bo, now)
        db.session.add_all([anna_link, bo_link])
        db.session.commit()
        slug = event.slug
        organiser, finance = make_user("org@example.org", "organiser").id, make_user("fin@example.org", "finance").id
    response = client.get(f"/r/{anna_token}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert client.get(f"/r/{bo_token}/certificate.pdf").status_code == 404
    assert client.get("/r/not-a-token/certificate.pdf").status_code == 404
    with app.app_context():
        code = db.session.scalar(db.select(Certificate.code))
    verified = client.get(f"/certificates/{code.lower()}")
    assert verified.status_code == 200
    assert "Anna Andersson 1" in verified.get_data(as_text=True) and "4 av 5 träffar" in verified.get_data(as_text=True)
    assert client.get("/certificates/AAAABBBBCCCC").status_code == 404
    log_in(client, finance)
    assert client.get(f"/admin/events/{slug}/certificates").status_code == 403
    log_in(client, organiser)
    bulk = client.get(f"/admin/events/{slug}/certificates")
    assert bulk.status_code == 200 and bulk.data.startswith(b"%PDF")


def test_a_course_has_a_calendar_entry_and_a_pair_of_links_per_meeting(client, course):
    page = client.get(f"/events/{course['slug']}").get_data(as_text=True)
    assert page.count("calendar.google.com/calendar/render") == 5
    assert page.count("outlook.office.com") == 5
    ics = client.get(f"/events/{course['slug']}/calendar.ics").get_data(as_text=True)
    assert ics.count("BEGIN:VEVENT") == 5


def test_exports_door_list_and_statistics_show_the_sessions(app, client, conference):
    with app.app_context():
        from eventapp.models import Event

        event = db.session.get(Event, conference["id"])
        register(event, utcnow(), 1, sessions=(conference["A"], conference["C"]))
        register(event, utcnow(), 2, sessions=(conference["C"],))
        make_user("org@example.org", "organiser")
        organiser = db.session.scalar(db.select(User.id).where(User.email == "org@example.org"))
    log_in(client, organiser)
    csv = client.get(f"/admin/events/{conference['slug']}/attendees.csv").get_data(as_text=True)
    header, *rows = csv.splitlines()
    assert header.rstrip().endswith("Valda pass")
    assert any(row.endswith("Workshop A, Workshop C") for row in rows)
    assert client.get(f"/admin/events/{conference['slug']}/attendees.xlsx").status_code == 200
    assert client.get(f"/admin/events/{conference['slug']}/door-list.pdf").data.startswith(b"%PDF")
    stats = client.get(f"/admin/events/{conference['slug']}/statistics").get_data(as_text=True)
    assert "1 av 1" in stats and "2 av 30" in stats
