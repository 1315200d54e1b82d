"""Actions on several attendees from the list: ticked ones or all the filter finds."""
import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import BadgeRun, OutboxMessage, Registration, RegistrationStatus


@pytest.fixture
def event(app, client):
    with app.app_context():
        now = utcnow()
        event = make_event(now, capacity=3)
        people = [register(event, now, n, first_name=first, last_name=last, organisation=org).registration.id
                  for n, (first, last, org) in enumerate([
                      ("Åsa", "Öberg", "Nacka kommun"), ("Örjan", "Öberg", "Göteborgs stad"),
                      ("Bo", "Berg", "Migrationsverket"), ("Cia", "Ahl", "Scouterna")], start=1)]
        log_in(client, make_user("org@example.org", "organiser").id)
        return {"slug": event.slug, "id": event.id, "people": people}


def status(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).status


def test_the_list_finds_oberg_without_dots_and_ticks_each_row(client, event):
    page = client.get(f"/admin/events/{event['slug']}/attendees?q=oberg").get_data(as_text=True)
    assert page.index("Öberg, Åsa") < page.index("Öberg, Örjan") and "Berg, Bo" not in page
    assert f'name="selected" value="{event["people"][0]}"' in page
    assert "Bocka för Åsa Öberg" in page


def test_badges_for_everyone_the_filter_finds(app, client, event):
    url = f"/admin/events/{event['slug']}/attendees"
    response = submit(client, url + "/bulk", {"scope": "filtered", "action": "badges", "q": "goteborg"},
                      form_url=url)
    assert response.status_code == 303 and "/badges/runs/" in response.headers["Location"]
    with app.app_context():
        run = db.session.scalar(db.select(BadgeRun))
        assert run.registration_ids == [event["people"][1]]


def test_badges_for_ticked_attendees_in_swedish_order(app, client, event):
    url = f"/admin/events/{event['slug']}/attendees"
    first, second, bo, _ = event["people"]
    submit(client, url + "/bulk", {"scope": "selected", "action": "badges", "selected": [second, bo, first]},
           form_url=url)
    with app.app_context():
        assert db.session.scalar(db.select(BadgeRun)).registration_ids == [bo, first, second]


def test_cancel_asks_first_and_names_everyone(app, client, event):
    url = f"/admin/events/{event['slug']}/attendees"
    first, second, _, waiting = event["people"]
    confirm = submit(client, url + "/bulk", {"scope": "selected", "action": "cancel", "selected": [first, second]},
                     form_url=url)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Åsa Öberg" in page and "Örjan Öberg" in page
    assert status(app, first) == RegistrationStatus.CONFIRMED
    done = submit(client, url + "/bulk", {"scope": "selected", "action": "cancel", "confirmed": "yes",
                                          "selected": [first, second]}, form_url=url)
    assert done.status_code == 302
    assert (status(app, first), status(app, second), status(app, waiting)) == (
        RegistrationStatus.CANCELLED, RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED)
    flashed = client.get(url).get_data(as_text=True)
    assert "2 anmälningar avbokades." in flashed and "Cia Ahl" in flashed


def test_give_places_from_the_waiting_list(app, client, event):
    url = f"/admin/events/{event['slug']}/attendees"
    with app.app_context():
        db.session.get(Registration, event["people"][0]).status = RegistrationStatus.CANCELLED
        db.session.commit()
    waiting = event["people"][3]
    submit(client, url + "/bulk", {"scope": "selected", "action": "promote", "confirmed": "yes",
                                   "selected": [waiting]}, form_url=url)
    assert status(app, waiting) == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize(("data", "field"), [
    ({"scope": "selected", "action": "cancel"}, "selected-error"),
    ({"scope": "selected", "action": "", "selected": "1"}, "action-error"),
    ({"scope": "selected", "action": "explode", "selected": "1"}, "action-error"),
    ({"scope": "nobody", "action": "cancel", "selected": "1"}, "scope-error"),
    ({"scope": "selected", "action": "cancel", "selected": "x"}, "selected-error"),
    ({"scope": "filtered", "action": "cancel", "q": "ingen-sådan"}, "selected-error"),
])
def test_bad_input_is_explained_and_changes_nothing(app, client, event, data, field):
    url = f"/admin/events/{event['slug']}/attendees"
    response = submit(client, url + "/bulk", data, form_url=url)
    assert response.status_code == 422 and f'id="{field}"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(BadgeRun)) == 0
        statuses = set(db.session.scalars(db.select(Registration.status)))
        assert statuses == {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED}
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 4


def test_another_events_registration_cannot_be_chosen(app, client, event):
    with app.app_context():
        now = utcnow()
        other = register(make_event(now), now, 9).registration.id
    url = f"/admin/events/{event['slug']}/attendees"
    response = submit(client, url + "/bulk", {"scope": "selected", "action": "cancel", "confirmed": "yes",
                                              "selected": [other]}, form_url=url)
    assert response.status_code == 422
    assert status(app, other) == RegistrationStatus.CONFIRMED
