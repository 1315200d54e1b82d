"""Rate limits hold whichever gunicorn worker answers: five workers, the production configuration.

Without REDIS_URL the workers share the counters in a file in the instance folder; with it, Redis
counts. Either way the 11th wrong password within a minute from one address is refused with 429,
not the 51st (ten per worker, as when each worker counted for itself).
"""
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_two_app_servers import ROOT, free_port, stop, wait_until_healthy

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(params=["shared file", "redis"])
def five_workers(request, app, database_uri, tmp_path):
    env = {**os.environ, "EVENTAPP_ENV": "production", "DATABASE_URL": database_uri,
           "SECRET_KEY": "a-random-production-key-for-this-test-only-0123456789",
           "EVENTAPP_INSTANCE_PATH": str(tmp_path), "WEB_CONCURRENCY": "5", "GUNICORN_THREADS": "2",
           "GUNICORN_ACCESS_LOG": "/dev/null"}
    env.pop("REDIS_URL", None)
    env.pop("RATELIMIT_STORAGE_URI", None)
    if request.param == "redis":
        if not redis_reachable():
            pytest.skip("no Redis on 127.0.0.1:6379")
        # Other checkouts may run this test against the same Redis at the same moment.
        env.update(REDIS_URL="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "eventapp:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(base, process)
            yield base
        finally:
            stop(process)


def send(base: str, path: str, **kwargs) -> tuple[int, dict, str]:
    request = urllib.request.Request(base + path, **kwargs)  # noqa: S310 (http://127.0.0.1)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (http://127.0.0.1)
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_11th_wrong_password_in_a_minute_is_refused_whichever_worker_answers(five_workers):
    # The production session cookie is Secure, which a cookie jar keeps off http://: sent by hand.
    _, headers, page = send(five_workers, "/login")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    form = urllib.parse.urlencode({"csrf_token": CSRF_RE.search(page).group(1), "email": "gissare@example.org",
                                   "password": "inte rätt lösenord"}).encode()

    def attempt(_):
        return send(five_workers, "/login", data=form, headers={"Cookie": cookie})

    # All at once, so that every worker takes some of them.
    with ThreadPoolExecutor(max_workers=11) as pool:
        answers = list(pool.map(attempt, range(11)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [422] * 10 + [429]
    refused = next(headers for status, headers, _ in answers if status == 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
