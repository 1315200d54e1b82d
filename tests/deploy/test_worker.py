"""The web server and the worker as production runs them: gunicorn enqueues, `flask worker` delivers.

Both processes share the database and a job queue: a SQLite file (one machine) or Redis (several).
Registrations sent through the web get their e-mails from the worker, through a real SMTP server; a
worker killed in the middle of sending loses nothing.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from builders import make_event
from test_two_app_servers import ROOT, free_port, register_through, stop, wait_until_healthy

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus
from eventapp.services.outbox import CLAIM_TIMEOUT, deliver_due

BIN = Path(sys.executable).parent


def redis_reachable() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path) -> dict:
    """The worker's queue as the environment names it: a SQLite file, or Redis (across machines)."""
    if request.param == "sqlite":
        return {"JOB_QUEUE": f"sqlite:///{tmp_path / 'jobs.db'}"}
    if not redis_reachable():
        pytest.skip(f"no Redis at {REDIS}")
    return {"JOB_QUEUE": REDIS, "JOB_QUEUE_NAME": f"eventapp-test-{uuid.uuid4().hex}"}


@pytest.fixture
def web_and_worker(app, database_uri, tmp_path, smtp_server, queue):
    """gunicorn serving a new event; yields (its base URL, the event's slug, a function starting a worker)."""
    with app.app_context():
        event = make_event(utcnow(), capacity=100)
        slug = event.slug
    # The development configuration: it takes MAIL_SERVER from the environment (testing has none).
    env = {**os.environ, "EVENTAPP_ENV": "development", "DATABASE_URL": database_uri,
           "EVENTAPP_INSTANCE_PATH": str(tmp_path), **queue,
           "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2", "GUNICORN_ACCESS_LOG": "/dev/null",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port)}
    processes = []

    def start(*command: str) -> subprocess.Popen:
        log = open(tmp_path / f"{len(processes)}.log", "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        processes.append((process, log))
        return process

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start(str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
                "eventapp:create_app()")
    try:
        wait_until_healthy(base, web)
        yield base, slug, lambda: start(str(BIN / "flask"), "--app", "eventapp", "worker")
    finally:
        for process, log in processes:
            stop(process)
            log.close()


def waiting(app) -> int:
    """Messages not yet sent."""
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
        db.session.remove()
    return count


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_the_worker_delivers_what_the_web_server_queued(app, web_and_worker, smtp_server):
    base, slug, start_worker = web_and_worker
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda n: register_through(base, slug, n), range(12)))
    assert statuses == [200] * 12
    assert waiting(app) == 12  # queued with the registrations; nobody delivers in the web server
    start_worker()
    assert wait_for(lambda: waiting(app) == 0)
    delivered = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages)
    assert delivered == sorted(f"p{n}@example.org" for n in range(12))


def test_a_worker_killed_while_sending_loses_nothing(app, web_and_worker, smtp_server):
    """Killed in the middle of a batch, its claim lapses and every e-mail still goes out."""
    base, slug, start_worker = web_and_worker
    smtp_server.recorder.delay = 0.3
    for n in range(10):
        assert register_through(base, slug, n) == 200
    worker = start_worker()
    assert wait_for(lambda: len(smtp_server.recorder.messages) >= 2)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert waiting(app) > 0
    smtp_server.recorder.delay = 0
    with app.app_context():
        deliver_due(utcnow() + CLAIM_TIMEOUT + CLAIM_TIMEOUT / 10)  # what the next worker's sweep does then
    assert waiting(app) == 0
    arrived = {m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages}
    assert arrived == {f"p{n}@example.org" for n in range(10)}
