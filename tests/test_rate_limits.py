"""The rate-limit counters that the worker processes of one machine share (eventapp/rate_limits.py)."""
import multiprocessing
import time

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from config import TestingConfig
from eventapp import create_app
from eventapp.rate_limits import SQLiteStorage, storage_uri


@pytest.fixture
def uri(tmp_path):
    return storage_uri(str(tmp_path))


def test_the_scheme_is_known_to_the_limits_library(uri):
    assert isinstance(storage_from_string(uri), SQLiteStorage)


def test_counts_within_a_window_and_starts_again_after_it(uri, monkeypatch):
    storage = storage_from_string(uri)
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == pytest.approx(time.time() + 60, abs=2)
    later = time.time() + 61
    monkeypatch.setattr("eventapp.rate_limits.time.time", lambda: later)
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1


def test_clear_and_reset(uri):
    storage = storage_from_string(uri)
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 1)
    storage.reset()
    assert storage.get("b") == 0
    assert storage.check()


def _hit(uri: str, hits: int, allowed) -> None:
    limiter = FixedWindowRateLimiter(storage_from_string(uri))
    limit = RateLimitItemPerMinute(10)
    passed = sum(limiter.hit(limit, "127.0.0.1", "auth.login") for _ in range(hits))
    with allowed.get_lock():
        allowed.value += passed


def test_processes_share_one_count(uri):
    """Five processes, as gunicorn's workers, eight attempts each: exactly ten of the forty get through."""
    context = multiprocessing.get_context("fork")
    allowed = context.Value("i", 0)
    processes = [context.Process(target=_hit, args=(uri, 8, allowed)) for _ in range(5)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    assert [process.exitcode for process in processes] == [0] * 5
    assert allowed.value == 10


def test_a_storage_made_before_a_fork_opens_its_own_connection_in_the_child(uri):
    """gunicorn makes the app (and this storage) in the master and forks the workers from it."""
    storage = storage_from_string(uri)
    storage.incr("k", 60)
    context = multiprocessing.get_context("fork")
    child = context.Process(target=storage.incr, args=("k", 60))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert storage.get("k") == 2


def test_without_redis_the_app_counts_in_its_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))

    class Shared(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_STORAGE_URI = None

    app = create_app(Shared)
    assert app.config["RATELIMIT_STORAGE_URI"] == storage_uri(str(tmp_path))


def test_with_redis_the_app_counts_there(tmp_path):
    class WithRedis(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"

    assert create_app(WithRedis).config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
