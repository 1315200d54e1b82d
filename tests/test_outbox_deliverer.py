"""The background deliverer lets requests go first: it waits for a quiet moment, but not for ever.

These run the real thread against the real clock, so each checks a bound that a slow machine can
only make easier to meet: a delivery no sooner than the quiet moment allows, and one during a rush
that lasts far longer than the patience.
"""
import os
import threading
import time
import warnings

from eventapp.background import OutboxDeliverer


class Deliveries:
    def __init__(self):
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, stopping):
        with self.lock:
            self.times.append(time.monotonic())


def test_delivery_waits_until_the_requests_pause(app):
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=0.3, patience=60)
    for _ in range(10):  # a burst: one request every 20 ms
        last_wake = time.monotonic()  # before the wake: the deliverer can only start waiting after it
        deliverer.wake()
        time.sleep(0.02)
    assert deliverer.wait_until_idle(timeout=30)
    assert len(deliveries.times) == 1  # one delivery for the whole burst
    assert deliveries.times[0] - last_wake >= 0.3


def test_a_rush_longer_than_the_patience_is_delivered_during_it(app):
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=0.3, patience=0.5)
    ends = time.monotonic() + 3
    while time.monotonic() < ends:
        deliverer.wake()
        time.sleep(0.02)
    assert deliveries.times and deliveries.times[0] < ends
    assert deliverer.wait_until_idle(timeout=30)


def test_without_a_quiet_moment_set_it_delivers_at_once(app):
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries)
    woken = time.monotonic()
    deliverer.wake()
    assert deliverer.wait_until_idle(timeout=30)
    assert len(deliveries.times) == 1 and deliveries.times[0] - woken < 5


def test_idle_means_nothing_is_waiting_for_its_quiet_moment(app):
    """While the deliverer waits for a pause, is it reported busy (a test or shutdown waiting for it)?"""
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=0.5, patience=60)
    deliverer.wake()
    assert not deliverer.wait_until_idle(timeout=0.1)
    assert deliveries.times == []
    assert deliverer.wait_until_idle(timeout=30) and len(deliveries.times) == 1


def test_stopping_ends_the_wait_for_a_quiet_moment_without_delivering(app):
    """A worker going away while its deliverer waits for a pause: it stops at once, delivering nothing."""
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=30, patience=60)
    deliverer.wake()
    began = time.monotonic()
    assert deliverer.stop(timeout=5)
    assert time.monotonic() - began < 5 and deliveries.times == []


def test_stopping_lets_the_delivery_in_hand_finish_and_tells_it_so(app):
    started, seen = threading.Event(), []

    def deliver(stopping):
        started.set()
        while not stopping():
            time.sleep(0.01)
        seen.append("asked to stop")

    deliverer = OutboxDeliverer(app, deliver)
    deliverer.wake()
    assert started.wait(5)
    assert deliverer.stop(timeout=5) and seen == ["asked to stop"]
    deliverer.wake()  # a request answered while the worker goes away: no further delivery
    assert deliverer.stop(timeout=5) and seen == ["asked to stop"]


def test_stopping_a_deliverer_never_started_is_at_once(app):
    assert OutboxDeliverer(app, Deliveries()).stop(timeout=0)


def test_a_request_in_hand_holds_the_delivery_back_until_it_ends(app):
    """Requests waiting for the database's lock end none for a while: is that still no quiet moment?"""
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=0.2, patience=60)
    deliverer.request_began()
    deliverer.wake()  # another request was answered meanwhile
    time.sleep(0.6)  # three quiet moments without a wake, but with a request in hand
    assert deliveries.times == []
    ended = time.monotonic()
    deliverer.request_ended()
    assert deliverer.wait_until_idle(timeout=30)
    assert len(deliveries.times) == 1 and deliveries.times[0] - ended >= 0.2


def test_a_request_in_hand_for_longer_than_the_patience_does_not_hold_it_back(app):
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=0.2, patience=0.5)
    deliverer.request_began()
    deliverer.wake()
    assert deliverer.wait_until_idle(timeout=30)  # the request is still in hand
    assert len(deliveries.times) == 1
    deliverer.request_ended()


def test_each_further_batch_waits_for_a_quiet_moment_of_its_own(app):
    """A rush that begins while the first batch is written: does the next batch wait for it?"""
    batches = []

    def deliver(stopping):
        batches.append(time.monotonic())
        if len(batches) == 1:
            deliverer.request_began()
        return len(batches) < 3  # more is due after the first two batches

    deliverer = OutboxDeliverer(app, deliver, quiet=0.2, patience=60)
    deliverer.wake()
    time.sleep(0.6)
    assert len(batches) == 1
    ended = time.monotonic()
    deliverer.request_ended()
    assert deliverer.wait_until_idle(timeout=30)
    assert len(batches) == 3 and batches[1] - ended >= 0.2


def test_a_rush_in_another_worker_is_no_quiet_moment(app):
    """A worker with nothing in hand while the others answer a rush must not write e-mails on the
    cores they answer on: the processes forked after the deliverer was made share when a request of
    theirs last began or ended."""
    deliveries = Deliveries()
    deliverer = OutboxDeliverer(app, deliveries, quiet=0.3, patience=60)
    reading, writing = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
        worker = os.fork()
    if worker == 0:  # the busy worker: a request every 20 ms for a second and a half
        try:
            ends = time.monotonic() + 1.5
            while True:
                deliverer.request_began()
                time.sleep(0.01)
                last = time.monotonic()  # no later than the activity the next line notes
                deliverer.request_ended()
                if last >= ends:
                    break
                time.sleep(0.01)
            os.write(writing, repr(last).encode())
        finally:
            os._exit(0)
    os.close(writing)
    deliverer.wake()  # this worker's only request was answered: its own part of the server is quiet
    os.waitpid(worker, 0)
    with os.fdopen(reading) as pipe:
        rush_ended = float(pipe.read())
    assert deliverer.wait_until_idle(timeout=30)
    assert len(deliveries.times) == 1 and deliveries.times[0] - rush_ended >= 0.3


def test_an_app_delivering_after_responses_has_its_deliverer_before_workers_are_forked(database_uri):
    """gunicorn forks its workers from the app it preloaded: made then, the deliverer's note of
    activity is the one every worker shares."""
    from config import TestingConfig
    from eventapp import create_app
    from eventapp.web.outbox import deliverer

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_uri
        OUTBOX_DELIVER_AFTER_RESPONSE = True

    class WithoutDelivery(Config):
        OUTBOX_DELIVER_AFTER_RESPONSE = False

    app = create_app(Config)
    made = app.extensions.get("outbox_deliverer")
    assert isinstance(made, OutboxDeliverer) and deliverer(app) is made
    assert "outbox_deliverer" not in create_app(WithoutDelivery).extensions
