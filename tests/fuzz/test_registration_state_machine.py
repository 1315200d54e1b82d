"""Registration, cancellation, substitution and time passing in any order, on the suite's database.

A small model of the rules predicts every outcome; after each step the database must agree with it.
Invariants: never more confirmed than places, the waiting list in the order people joined it, and
every freed place refilled while anyone waits and the event has not started.
"""
from datetime import timedelta

import pytest
from builders import attendee, make_event
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select

from eventapp.extensions import db
from eventapp.models import Event, Registration, RegistrationStatus
from eventapp.services import cancellation
from eventapp.services import registration as service
from eventapp.services.errors import DomainError

ACTIVE = {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED}
PEOPLE = st.integers(min_value=1, max_value=12)


class RegistrationMachine(RuleBasedStateMachine):
    start = None  # set by the test: the clock at the beginning

    @initialize(capacity=st.integers(min_value=1, max_value=3), waitlist=st.sampled_from([True, True, False]))
    def open_event(self, capacity, waitlist):
        self.now = self.start
        event = make_event(self.now, capacity=capacity, waitlist_enabled=waitlist)
        self.event_id, self.capacity, self.waitlist = event.id, capacity, waitlist
        self.starts_at, self.deadline = event.starts_at, event.registration_deadline
        self.status: dict[int, str] = {}     # registration id -> expected status
        self.email: dict[int, str] = {}
        self.queue: list[int] = []           # the waiting list, first in line first

    def teardown(self):
        db.session.rollback()
        db.session.execute(delete(Registration).where(Registration.event_id == self.event_id))
        db.session.execute(delete(Event).where(Event.id == self.event_id))
        db.session.commit()

    # The model -----------------------------------------------------------------------------

    def active_id(self, email):
        return next((i for i, e in self.email.items() if e == email and self.status[i] in ACTIVE), None)

    def confirmed(self):
        return sum(1 for s in self.status.values() if s == RegistrationStatus.CONFIRMED)

    def tick(self):
        # People act at least a second apart, so joining times differ as they do in life.
        self.now += timedelta(seconds=1)

    # Rules ---------------------------------------------------------------------------------

    @rule(person=PEOPLE)
    def register(self, person):
        self.tick()
        email = f"person{person}@example.org"
        existing = self.active_id(email)
        try:
            result = service.register_attendee(self.event_id, attendee(person, email=email.upper()), self.now)
        except DomainError as error:
            assert self.now >= self.deadline or (self.confirmed() >= self.capacity and not self.waitlist), error
            return
        assert self.now < self.deadline
        if existing is not None:
            assert (result.registration.id, result.created) == (existing, False)
            return
        assert result.created
        expected = RegistrationStatus.CONFIRMED if self.confirmed() < self.capacity else RegistrationStatus.WAITLISTED
        assert result.registration.status == expected
        self.status[result.registration.id] = expected
        self.email[result.registration.id] = email
        if expected == RegistrationStatus.WAITLISTED:
            self.queue.append(result.registration.id)

    @rule(people=st.lists(PEOPLE, min_size=2, max_size=4))
    def a_crowd_registers(self, people):
        for person in people:
            self.register(person)

    @rule(data=st.data())
    def cancel(self, data):
        if not self.status:
            return
        self.tick()
        registration_id = data.draw(st.sampled_from(sorted(self.status)))
        allowed = self.status[registration_id] in ACTIVE and self.now < self.starts_at
        try:
            result = cancellation.cancel_registration(registration_id, self.now)
        except DomainError:
            assert not allowed
            return
        assert allowed
        was_confirmed = self.status[registration_id] == RegistrationStatus.CONFIRMED
        self.status[registration_id] = result.registration.status
        if registration_id in self.queue:
            self.queue.remove(registration_id)
        if was_confirmed and self.queue:
            promoted = self.queue.pop(0)
            self.status[promoted] = RegistrationStatus.CONFIRMED
            assert [r.id for r in result.promoted] == [promoted]
        else:
            assert result.promoted == []

    @rule(data=st.data(), colleague=PEOPLE)
    def transfer(self, data, colleague):
        if not self.status:
            return
        self.tick()
        registration_id = data.draw(st.sampled_from(sorted(self.status)))
        email = f"person{colleague}@example.org"
        allowed = (self.status[registration_id] in ACTIVE and self.now < self.starts_at
                   and self.active_id(email) is None)
        try:
            result = cancellation.transfer_registration(registration_id, attendee(colleague, email=email), self.now)
        except DomainError:
            assert not allowed
            return
        assert allowed
        new = result.registration.id
        self.status[new], self.status[registration_id] = self.status[registration_id], RegistrationStatus.TRANSFERRED
        self.email[new] = email
        if registration_id in self.queue:  # the colleague keeps the place in the queue
            self.queue[self.queue.index(registration_id)] = new

    @rule(hours=st.sampled_from([1, 1, 24, 24, 24 * 4, 24 * 12]))
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)

    # Invariants ----------------------------------------------------------------------------

    @invariant()
    def database_agrees_with_the_model(self):
        if not hasattr(self, "event_id"):
            return
        db.session.rollback()
        stored = dict(db.session.execute(
            select(Registration.id, Registration.status).where(Registration.event_id == self.event_id)).all())
        assert stored == self.status

    @invariant()
    def never_overbooked(self):
        if hasattr(self, "event_id"):
            assert self.confirmed() <= self.capacity

    @invariant()
    def waiting_list_in_order_and_freed_places_refilled(self):
        if not hasattr(self, "event_id"):
            return
        waiting = list(db.session.scalars(
            select(Registration).where(Registration.event_id == self.event_id,
                                       Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.queued_at, Registration.id)))
        assert [r.id for r in waiting] == self.queue
        assert [service.waitlist_position(r) for r in waiting] == list(range(1, len(waiting) + 1))
        if waiting and self.now < self.starts_at:
            assert self.confirmed() == self.capacity


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_registration_rules_hold_in_any_order(ctx, now):
    RegistrationMachine.start = now
    run_state_machine_as_test(RegistrationMachine, settings=settings(
        max_examples=15, stateful_step_count=25, deadline=None, database=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))
