"""A gunicorn worker recycled in the middle of delivering the outbox leaves nothing claimed.

One worker, recycled every few requests, delivering right after each registration: the worker
going away ends its delivery after the message in hand and hands the rest of its claim back
(`worker_exit` in gunicorn.conf.py), so every e-mail goes out now, not after the 15-minute claim
timeout.
"""
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from builders import make_event
from test_two_app_servers import ROOT, free_port, register_through, stop, wait_until_healthy

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus


def test_every_e_mail_goes_out_although_the_worker_is_recycled_while_sending(app, database_uri, tmp_path):
    with app.app_context():
        event = make_event(utcnow(), capacity=100)
        event_id, slug = event.id, event.slug
    # The testing configuration delivers nothing in the background, and rate limits would stop the
    # registrations from one address: the development configuration with the bench's limits off.
    env = {**os.environ, "EVENTAPP_ENV": "development", "DATABASE_URL": database_uri, "MAIL_SERVER": "",
           "EVENTAPP_INSTANCE_PATH": str(tmp_path), "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4",
           "GUNICORN_MAX_REQUESTS": "6", "GUNICORN_MAX_REQUESTS_JITTER": "0", "GUNICORN_ACCESS_LOG": "/dev/null",
           "OUTBOX_DELIVER_AFTER_RESPONSE": "1", "OUTBOX_QUIET_SECONDS": "0", "OUTBOX_PATIENCE_SECONDS": "0"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "bench.baseline_app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(base, process)
            with ThreadPoolExecutor(max_workers=4) as pool:
                statuses = list(pool.map(lambda n: register_through(base, slug, n), range(24)))
            assert statuses == [200] * 24
            deadline = time.monotonic() + 60
            while True:
                with app.app_context():
                    waiting = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(
                        OutboxMessage.event_id == event_id,
                        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
                    db.session.remove()
                if not waiting or time.monotonic() > deadline:
                    break
                register_through(base, slug, 1000 + int(time.monotonic()))  # wakes the next worker
                time.sleep(0.5)
        finally:
            stop(process)
    assert log_path.read_text().count("Autorestarting worker") >= 3
    assert waiting == 0
