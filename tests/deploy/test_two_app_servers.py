"""Two gunicorn instances on different ports against one database: the hall is still never overbooked.

This is the several-app-servers set-up of the README, shrunk to one machine: each instance has its
own processes, connection pool and rate-limit counters; only the database (and the SECRET_KEY) is
shared, and the capacity rule holds because it is decided in the database.
"""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from builders import make_event

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Registration

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def stop(process: subprocess.Popen) -> None:
    """gunicorn's quick shutdown; a worker still there after a few seconds is killed."""
    try:
        workers = [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    except OSError:
        workers = []
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(base: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn at {base} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn at {base} did not become healthy")


@pytest.fixture
def two_servers(app, database_uri, tmp_path):
    env = {**os.environ, "EVENTAPP_ENV": "testing", "TEST_DATABASE_URL": database_uri,
           "EVENTAPP_INSTANCE_PATH": str(tmp_path), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2",
           "GUNICORN_ACCESS_LOG": "/dev/null"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    servers = []
    for number in range(2):
        port = free_port()
        log = open(tmp_path / f"gunicorn-{number}.log", "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}", "eventapp:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        servers.append((f"http://127.0.0.1:{port}", process, log))
    try:
        for base, process, _ in servers:
            wait_until_healthy(base, process)
        yield [base for base, _, _ in servers]
    finally:
        for _, process, log in servers:
            stop(process)
            log.close()


def register_through(base: str, slug: str, n: int) -> int:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    url = f"{base}/events/{slug}/register"
    with opener.open(url, timeout=30) as page:
        token = CSRF_RE.search(page.read().decode()).group(1)
    form = {"csrf_token": token, "first_name": "Deltagare", "last_name": str(n), "email": f"p{n}@example.org",
            "organisation": "Nacka kommun", "consent": "y"}
    with opener.open(url, data=urllib.parse.urlencode(form).encode(), timeout=30) as answer:
        return answer.status


def test_two_app_servers_share_one_database_without_overbooking(app, two_servers):
    with app.app_context():
        event = make_event(utcnow(), capacity=6)
        event_id, slug = event.id, event.slug
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: register_through(two_servers[n % 2], slug, n), range(20)))
    assert statuses == [200] * 20  # each followed its redirect to the outcome page
    with app.app_context():
        stored = Counter(db.session.scalars(db.select(Registration.status).where(Registration.event_id == event_id)))
    assert stored == {"confirmed": 6, "waitlisted": 14}


def test_the_master_warms_up_before_forking(two_servers, tmp_path):
    """gunicorn.conf.py compiles the templates once in the master, so every worker starts warm."""
    for number in range(2):
        log = (tmp_path / f"gunicorn-{number}.log").read_text()
        assert re.search(r"Warmed up: \d{2,} templates compiled", log), log
        assert log.index("Warmed up") < log.index("Booting worker")
