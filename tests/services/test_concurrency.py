"""Rule 2 under load: real concurrent writers, each with its own connection, on the suite's database."""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from builders import attendee, make_event

from eventapp.extensions import db
from eventapp.models import OutboxMessage, Registration
from eventapp.services.registration import register_attendee


def run_concurrently(app, event_id, attendees, now, workers=12):
    def one(person):
        with app.test_request_context():
            try:
                result = register_attendee(event_id, person, now)
                return result.registration.status, result.created
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, attendees))


def test_sixty_registrations_for_twenty_places(app, now):
    """Are exactly 20 confirmed and 40 waitlisted, with no error and each with its e-mail, when 60 people
    register at once?"""
    with app.app_context():
        event_id = make_event(now, capacity=20).id
    outcomes = run_concurrently(app, event_id, [attendee(n) for n in range(60)], now)
    assert Counter(status for status, _ in outcomes) == {"confirmed": 20, "waitlisted": 40}
    with app.app_context():
        stored = Counter(db.session.scalars(db.select(Registration.status).where(Registration.event_id == event_id)))
        assert stored == {"confirmed": 20, "waitlisted": 40}
        mail = Counter(db.session.execute(db.select(OutboxMessage.kind, OutboxMessage.registration_id)).all())
        assert Counter(kind for kind, _ in mail) == {"confirmation": 20, "waitlisted": 40}
        assert set(mail.values()) == {1}  # one e-mail per registration


def test_the_same_person_submitting_many_times_at_once_gets_one_registration(app, now):
    with app.app_context():
        event_id = make_event(now, capacity=5).id
    outcomes = run_concurrently(app, event_id, [attendee(1)] * 10, now, workers=10)
    assert sum(created for _, created in outcomes) == 1
    assert {status for status, _ in outcomes} == {"confirmed"}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1
