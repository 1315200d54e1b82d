"""Attendees helping themselves: their link again, nothing disclosed about an address, their own details."""
from types import SimpleNamespace

import pytest
from builders import attendee as person
from builders import make_event, register, written
from conftest import submit

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage, Registration
from eventapp.services.group_booking import BookingRequest, Colleague, book
from eventapp.services.group_booking import find_by_token as booking_by_token
from eventapp.services.registration import find_by_token
from eventapp.services.self_service import RESEND_INTERVAL

VALID = {
    "first_name": "Mallory", "last_name": "Test", "email": "karin@example.org", "organisation": "nacka",
    "job_title": "Kommunikatör", "consent": "y",
}


@pytest.fixture
def event(app):
    with app.app_context():
        now = utcnow()
        event = make_event(now, title="Kommunikation och integration")
        register(event, now, 1, first_name="Karin", last_name="Lind", email="karin@example.org")
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
        return SimpleNamespace(slug=event.slug, id=event.id)


def links_sent(app):
    with app.app_context():
        return [m.recipient for m in db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == "personal_link"))]


def test_registering_again_with_a_registered_address_shows_nothing_stored(app, client, event):
    """Someone else types Karin's address: no name, no status; Karin gets her link."""
    response = submit(client, f"/events/{event.slug}/register", VALID)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Karin" not in page and "Lind" not in page and "bekräftad" not in page
    assert "Om karin@example.org redan är anmäld" in page
    assert links_sent(app) == ["karin@example.org"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1


def test_the_link_sent_to_a_registered_address_works(app, ctx, event):
    from eventapp.services.self_service import send_link

    send_link(event.id, "KARIN@example.org", utcnow())
    [message] = db.session.scalars(db.select(OutboxMessage)).all()
    text = written(message)
    token = next(word for word in text.split() if "/r/" in word).rsplit("/r/", 1)[1]
    assert find_by_token(token, utcnow()).first_name == "Karin"


def test_resend_answers_the_same_for_a_registered_and_an_unknown_address(app, client, event):
    known = submit(client, f"/events/{event.slug}/resend", {"email": "karin@example.org"},
                   form_url=f"/events/{event.slug}")
    unknown = submit(client, f"/events/{event.slug}/resend", {"email": "ingen@example.org"},
                     form_url=f"/events/{event.slug}")
    assert known.status_code == unknown.status_code == 200
    same = known.get_data(as_text=True).replace("karin@example.org", "ADDRESS")
    assert same == unknown.get_data(as_text=True).replace("ingen@example.org", "ADDRESS")
    assert links_sent(app) == ["karin@example.org"]


def test_resend_sends_one_e_mail_however_often_it_is_asked_for(app, client, event):
    for _ in range(3):
        submit(client, f"/events/{event.slug}/resend", {"email": "karin@example.org"})
    assert links_sent(app) == ["karin@example.org"]


def test_a_coordinator_who_only_booked_colleagues_gets_the_group_link_again(app, client, event):
    """The booker has no registration of their own: asking for the link sends the booking's summary
    with a group link that works, once however often they ask."""
    with app.app_context():
        now = utcnow()
        book(event.id, BookingRequest(person(50, email="samordnare@example.org"),
                                      [Colleague("Omid", "Rahimi", "omid@example.org")], booker_attending=False),
             now - 2 * RESEND_INTERVAL)
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
    for _ in range(3):
        page = submit(client, f"/events/{event.slug}/resend", {"email": "Samordnare@example.org"},
                      form_url=f"/events/{event.slug}").get_data(as_text=True)
    assert "Om Samordnare@example.org är anmäld" in page
    with app.app_context():
        [summary] = db.session.scalars(db.select(OutboxMessage)).all()
        assert (summary.kind, summary.recipient) == ("booking_summary", "samordnare@example.org")
        token = next(word for word in written(summary).split() if "/g/" in word).rsplit("/g/", 1)[1]
        assert booking_by_token(token, utcnow()).booker_email == "samordnare@example.org"
    assert links_sent(app) == []


def test_resend_is_rate_limited(app, client, event):
    app.config["RATELIMIT_RESEND"] = "2 per minute"
    try:
        answers = [submit(client, f"/events/{event.slug}/resend", {"email": f"x{n}@example.org"}).status_code
                   for n in range(3)]
    finally:
        app.config["RATELIMIT_RESEND"] = "10 per minute"
    assert answers == [200, 200, 429]


@pytest.mark.parametrize("address", ["", "inte-en-adress", "karin@example.org\r\nBcc: x@example.org"])
def test_a_bad_address_is_explained_beside_the_field(app, client, event, address):
    response = submit(client, f"/events/{event.slug}/resend", {"email": address})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert links_sent(app) == []


def test_the_event_page_offers_to_send_the_link(client, event):
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Hittar du inte din bekräftelse?" in page
    assert f'action="/events/{event.slug}/resend"' in page


@pytest.fixture
def attendee(app):
    """A registration with its personal link, at an event asking one question."""
    from eventapp.models import Question

    with app.app_context():
        now = utcnow()
        event = make_event(now, title="Strategiskt forum")
        question = Question(event_id=event.id, kind="choice", text="Målgrupp", choices=["Chefer", "Strateger"],
                            required=True, position=1)
        db.session.add(question)
        db.session.commit()
        result = register(event, now, 1, first_name="Karin", dietary="Vegetarisk", answers={question.id: "Chefer"})
        return SimpleNamespace(token=result.token, id=result.registration_id, slug=event.slug, event_id=event.id,
                               question=question.id)


def test_an_attendee_changes_their_diet_and_the_organisers_see_it(app, client, attendee):
    url = f"/r/{attendee.token}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Vegetarisk" in page
    response = submit(client, url, {"dietary": "Vegan, nötallergi", "job_title": "Strateg", "phone": "",
                                    "invoice_reference": "", f"question_{attendee.question}": "Strateger"})
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, attendee.id)
        assert registration.dietary == "Vegan, nötallergi" and registration.job_title == "Strateg"
        assert registration.answers[0].value == "Strateger"
        from eventapp.services.history import event_history

        [line] = [line for line in event_history(attendee.event_id) if "ändrade sin anmälan" in line.what]
        assert line.who == "Deltagaren"
        assert "Befattning: Kommunikatör → Strateg" in line.details
        assert any("Målgrupp" in detail for detail in line.details)


def test_a_wrong_answer_is_explained_and_nothing_changes(app, client, attendee):
    url = f"/r/{attendee.token}/edit"
    response = submit(client, url, {"dietary": "Vegan", f"question_{attendee.question}": "Något annat",
                                    "phone": "ring mig"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="phone-error"' in page
    with app.app_context():
        assert db.session.get(Registration, attendee.id).dietary == "Vegetarisk"


def test_after_the_registration_deadline_nothing_can_be_changed(app, client, attendee):
    from datetime import timedelta

    from eventapp.models import Event

    with app.app_context():
        event = db.session.get(Event, attendee.event_id)
        event.registration_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    url = f"/r/{attendee.token}/edit"
    assert "Uppgifterna gick att ändra till och med" in client.get(url).get_data(as_text=True)
    response = submit(client, url, {"dietary": "Vegan"}, form_url="/login")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Registration, attendee.id).dietary == "Vegetarisk"


def test_the_organiser_sees_the_attendees_changes_on_their_page(app, client, attendee):
    from builders import log_in, make_user

    submit(client, f"/r/{attendee.token}/edit", {"dietary": "Vegan", "job_title": "Strateg",
                                                 f"question_{attendee.question}": "Chefer"})
    with app.app_context():
        user_id = make_user("organisator@example.org", "organiser").id
    log_in(client, user_id)
    page = client.get(f"/admin/events/{attendee.slug}/attendees/{attendee.id}").get_data(as_text=True)
    assert "Karin Andersson 1 ändrade sin anmälan." in page
    assert "Befattning: Kommunikatör → Strateg" in page
