"""The badge pages: who may use them, and what each returns."""
from datetime import timedelta
from io import BytesIO

import pytest
from builders import log_in, make_event, make_user, register
from conftest import csrf_token, submit
from pypdf import PdfReader

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.jobs import run_queued
from eventapp.models import BadgePrint, BadgeRun
from eventapp.services import badges
from eventapp.services.events import get_event


@pytest.fixture
def event(app):
    """An event starting in an hour: its door is open to its check-in volunteers."""
    with app.app_context():
        event = make_event(utcnow(), slug="konferens", title="Kommunikation och integration",
                           starts_at=utcnow() + timedelta(hours=1))
        first = register(event, utcnow(), 1, first_name="Åsa", last_name="Öberg-Ärlig").registration
        register(event, utcnow(), 2, first_name="محمود", last_name="آغا")
        return {"slug": event.slug, "registration": first.id, "code": first.check_in_code}


def login(app, client, role):
    """Logged in without the login form (tested elsewhere); a check-in volunteer works this event's door."""
    with app.app_context():
        events = [get_event("konferens")] if role == "checkin" else []
        user_id = make_user(f"{role}@example.org", role, events=events).id
    log_in(client, user_id)


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


ORGANISER_PAGES = ["/admin/events/konferens/badges/", "/admin/events/konferens/badges/preview.png?layout=card",
                   "/admin/events/konferens/badges/runs/1"]
WALK_IN = "/admin/events/konferens/badges/registration/{id}.pdf"


@pytest.mark.parametrize("url", ORGANISER_PAGES + [WALK_IN])
def test_anonymous_visitors_are_sent_to_log_in(client, event, url):
    response = client.get(url.format(id=event["registration"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["finance", "checkin"])
@pytest.mark.parametrize("url", ORGANISER_PAGES)
def test_other_roles_may_not_print_an_events_badges(app, client, event, role, url):
    login(app, client, role)
    assert client.get(url).status_code == 403


def test_finance_may_not_print_a_walk_in_badge(app, client, event):
    login(app, client, "finance")
    assert client.get(WALK_IN.format(id=event["registration"])).status_code == 403


def test_posting_without_csrf_token_changes_nothing(app, client, event):
    login(app, client, "organiser")
    response = client.post("/admin/events/konferens/badges/", data={"layout": "a6", "sort": "last_name",
                                                                    "selection": "all"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(BadgeRun).count() == 0


def test_organiser_creates_the_pdf_and_downloads_it(app, client, event):
    login(app, client, "organiser")
    page = client.get("/admin/events/konferens/badges/")
    assert page.status_code == 200 and "2 bekräftade deltagare" in page.get_data(as_text=True)
    response = submit(client, "/admin/events/konferens/badges/",
                      {"layout": "card", "selection": "all", "sort": "last_name", "back_text": ""})
    assert response.status_code == 303
    with app.app_context():
        run_queued()  # what the worker does: render the run
    run_page = client.get(response.headers["Location"])
    assert "2 namnbrickor är klara." in run_page.get_data(as_text=True)
    assert "Refresh" not in run_page.headers
    download = client.get(response.headers["Location"] + ".pdf")
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    text = pdf_text(download.data)
    assert "Öberg-Ärlig" in text and "محمود" in text
    with app.app_context():
        assert db.session.query(BadgePrint).count() == 2


def test_a_run_in_progress_refreshes_itself(app, client, event):
    login(app, client, "organiser")
    with app.app_context():
        run_id = badges.start_run(get_event("konferens").id, badges.BadgeOptions(), actor=None, now=utcnow()).id
    page = client.get(f"/admin/events/konferens/badges/runs/{run_id}")
    assert page.headers["Refresh"] == "2"
    assert "Skapar 0 av 2 namnbrickor" in page.get_data(as_text=True)
    assert client.get(f"/admin/events/konferens/badges/runs/{run_id}.pdf").status_code == 404


def test_only_new_when_all_are_printed_says_so(app, client, event):
    login(app, client, "organiser")
    data = {"layout": "a6", "selection": "all", "sort": "last_name"}
    submit(client, "/admin/events/konferens/badges/", data)
    with app.app_context():
        run_queued()
    response = submit(client, "/admin/events/konferens/badges/", {**data, "selection": "new"})
    assert response.status_code == 422
    assert "redan skrivits ut" in response.get_data(as_text=True)


def test_an_event_without_confirmed_attendees_gets_a_message_not_a_pdf(app, client):
    with app.app_context():
        make_event(utcnow(), slug="tom")
    login(app, client, "organiser")
    page = client.get("/admin/events/tom/badges/")
    assert "inga bekräftade deltagare" in page.get_data(as_text=True) and "preview.png" not in page.get_data(
        as_text=True)
    response = submit(client, "/admin/events/tom/badges/", {"layout": "a6", "selection": "all", "sort": "last_name"},
                      form_url="/admin/events/tom/badges/")
    assert response.status_code == 422
    assert client.get("/admin/events/tom/badges/preview.png").status_code == 404


@pytest.mark.parametrize("data", [
    {"layout": "a3", "selection": "all", "sort": "last_name"},
    {"layout": "a6", "selection": "some", "sort": "last_name"},
    {"layout": "a6", "selection": "all", "sort": "email"},
    {"layout": "a6", "selection": "all", "sort": "last_name", "back_text": "x" * 601},
])
def test_bad_choices_get_a_message_and_change_nothing(app, client, event, data):
    login(app, client, "organiser")
    response = submit(client, "/admin/events/konferens/badges/", data)
    assert response.status_code == 422
    assert "error-summary" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(BadgeRun).count() == 0


def test_preview_is_a_png_and_bad_options_are_a_400(app, client, event):
    login(app, client, "organiser")
    response = client.get("/admin/events/konferens/badges/preview.png?layout=a7&sort=organisation&selection=all")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert client.get("/admin/events/konferens/badges/preview.png?layout=zz").status_code == 400
    with app.app_context():
        assert db.session.query(BadgePrint).count() == 0


def test_unknown_event_run_or_registration_is_a_404(app, client, event):
    login(app, client, "organiser")
    assert client.get("/admin/events/finns-inte/badges/").status_code == 404
    assert client.get("/admin/events/konferens/badges/runs/999").status_code == 404
    assert client.get(WALK_IN.format(id=999999)).status_code == 404


def test_a_volunteer_of_another_event_may_not_print_its_badges(app, client, event):
    with app.app_context():
        other = make_event(utcnow(), slug="annat")
        user_id = make_user("annan@example.org", "checkin", events=[other]).id
    log_in(client, user_id)
    assert client.get(WALK_IN.format(id=event["registration"])).status_code == 403


@pytest.mark.parametrize("role", ["checkin", "organiser"])
def test_walk_in_badge_at_the_door(app, client, event, role):
    login(app, client, role)
    url = WALK_IN.format(id=event["registration"])
    page = client.get(url)
    assert page.status_code == 200 and "Åsa Öberg-Ärlig" in page.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "layout": "single"})
    assert response.mimetype == "application/pdf"
    assert len(PdfReader(BytesIO(response.data)).pages) == 1
    assert event["code"] in pdf_text(response.data)
    with app.app_context():
        assert db.session.query(BadgePrint).count() == 1


def test_walk_in_badge_with_a_bad_layout_is_refused(app, client, event):
    login(app, client, "checkin")
    url = WALK_IN.format(id=event["registration"])
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "layout": "poster"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(BadgePrint).count() == 0


def test_organiser_uploads_and_removes_the_logo(app, client, event):
    from PIL import Image

    login(app, client, "organiser")
    picture = BytesIO()
    Image.new("RGB", (200, 100), "navy").save(picture, "PNG")
    url = "/admin/events/konferens/badges/"
    response = client.post(url + "logo", data={"csrf_token": csrf_token(client, url),
                                               "logo": (BytesIO(picture.getvalue()), "logo.png")})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Logotypen är sparad" in page and "Ta bort logotypen" in page
    response = client.post(url + "logo/delete", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    assert "Ta bort logotypen" not in client.get(url).get_data(as_text=True)


def test_a_logo_that_is_not_an_image_gets_a_message(app, client, event):
    login(app, client, "organiser")
    url = "/admin/events/konferens/badges/"
    response = client.post(url + "logo", data={"csrf_token": csrf_token(client, url),
                                               "logo": (BytesIO(b"<svg/>"), "logo.svg")})
    assert response.status_code == 422
    assert "PNG- eller JPEG-bild" in response.get_data(as_text=True)
    response = client.post(url + "logo", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 422 and "Välj en bildfil." in response.get_data(as_text=True)
