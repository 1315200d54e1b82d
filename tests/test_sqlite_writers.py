"""SQLite writers queue for their turn (flock beside the database) instead of sleeping and retrying."""
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from eventapp import sqlite_writers


@pytest.fixture
def queue(tmp_path):
    return str(tmp_path / "app.db-writers.lock")


def test_the_next_writer_goes_as_soon_as_the_one_before_is_done(queue):
    first, second = {}, {}
    sqlite_writers.take_turn(first, queue, timeout=5)
    got_it = []
    waiter = threading.Thread(target=lambda: (sqlite_writers.take_turn(second, queue, timeout=5),
                                              got_it.append(time.monotonic())))
    waiter.start()
    deadline = time.monotonic() + 5
    while not sqlite_writers.is_waiting(waiter) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sqlite_writers.is_waiting(waiter) and not got_it
    released = time.monotonic()
    sqlite_writers.end_turn(first)
    waiter.join(5)
    # Woken by the kernel, not by a retry some 100 ms later (a generous bound for a busy machine).
    assert got_it and got_it[0] - released < 0.09
    sqlite_writers.end_turn(second)
    for info in (first, second):
        sqlite_writers.close(info)


def test_a_writer_gives_up_after_the_timeout_and_leaves_no_turn_behind(queue):
    holder, impatient, later = {}, {}, {}
    sqlite_writers.take_turn(holder, queue, timeout=5)
    began = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        sqlite_writers.take_turn(impatient, queue, timeout=0.2)
    assert 0.2 <= time.monotonic() - began < 3
    assert not sqlite_writers.is_waiting(threading.current_thread())
    sqlite_writers.end_turn(holder)
    # The abandoned wait lets go at once; the next writer, and the impatient one again, get their turn.
    sqlite_writers.take_turn(later, queue, timeout=2)
    sqlite_writers.end_turn(later)
    sqlite_writers.take_turn(impatient, queue, timeout=2)
    sqlite_writers.end_turn(impatient)
    for info in (holder, impatient, later):
        sqlite_writers.close(info)


def test_a_turn_taken_twice_by_one_connection_is_one_turn(queue):
    info, other = {}, {}
    sqlite_writers.take_turn(info, queue, timeout=1)
    sqlite_writers.take_turn(info, queue, timeout=1)
    sqlite_writers.end_turn(info)
    sqlite_writers.take_turn(other, queue, timeout=1)  # free after one end_turn
    sqlite_writers.end_turn(other)
    sqlite_writers.end_turn(other)  # nothing held: nothing to do
    for each in (info, other):
        sqlite_writers.close(each)


def test_closing_a_connection_lets_the_next_writer_in(queue):
    gone, next_one = {}, {}
    sqlite_writers.take_turn(gone, queue, timeout=1)
    sqlite_writers.close(gone)
    sqlite_writers.take_turn(next_one, queue, timeout=1)
    sqlite_writers.close(next_one)


@pytest.mark.parametrize(("database", "path"), [
    ("/srv/eventapp.db", "/srv/eventapp.db-writers.lock"), (":memory:", None), ("", None), (None, None),
    ("file:shared?mode=memory", None)])
def test_only_a_database_file_has_a_queue(database, path):
    assert sqlite_writers.lock_path(database) == path


def test_writing_transactions_of_the_app_take_turns(app):
    """Through the app: a second writer waits in the queue until the first commits."""
    from eventapp.database import begin_write
    from eventapp.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only: PostgreSQL writers lock rows")
        begin_write()
        second_done = threading.Event()

        def second_writer():
            with app.app_context():
                begin_write()
                second_done.set()
                db.session.rollback()
                db.session.remove()

        other = threading.Thread(target=second_writer)
        other.start()
        deadline = time.monotonic() + 5
        while not sqlite_writers.is_waiting(other) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sqlite_writers.is_waiting(other) and not second_done.is_set()
        db.session.commit()
        assert second_done.wait(5)
        other.join(5)
        db.session.remove()
