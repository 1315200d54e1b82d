"""How long queuing a confirmation and delivering the outbox take.

    .venv/bin/python bench/outbox_delivery.py [registrations]   (default 200)

Registers N people on a fresh SQLite database (each registration queues its confirmation in the
same transaction, without its body), then delivers the outbox to an in-process SMTP server
(aiosmtpd, from the test extra) with one and with four deliverers at once; the deliverers write
each message (text, HTML, calendar invitation) before sending it.
"""
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

import flask_migrate  # noqa: E402
from smtp_server import SMTPServer  # noqa: E402

from config import TestingConfig  # noqa: E402
from eventapp import create_app  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import Event, OutboxMessage  # noqa: E402
from eventapp.services.outbox import deliver_due  # noqa: E402
from eventapp.services.registration import Attendee, register_attendee  # noqa: E402


def main(count: int) -> None:
    folder = tempfile.mkdtemp(prefix="bench-outbox-")
    os.environ["EVENTAPP_INSTANCE_PATH"] = folder

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(folder, "bench.db")

    app = create_app(Config)
    now = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    with app.app_context():
        flask_migrate.upgrade()
        event = Event(slug="bench", title="Kommunikation och integration – lär av varandra", venue="Citykonferensen",
                      city="Stockholm", starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=8),
                      capacity=None, registration_opens_at=now - timedelta(days=1),
                      registration_deadline=now + timedelta(days=20), published=True)
        db.session.add(event)
        db.session.commit()
        event_id = event.id
    with app.test_request_context():
        started = time.perf_counter()
        for n in range(count):
            register_attendee(event_id, Attendee(first_name="Åsa", last_name=f"Öberg {n}", email=f"p{n}@example.org",
                                                 organisation="Nacka kommun"), now)
        queued = time.perf_counter() - started
    print(f"{count} registrations with queued confirmations: {queued:.2f} s ({queued / count * 1000:.1f} ms each)")

    server = SMTPServer()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)

    def deliverer(_):
        with app.app_context():
            sent = 0
            while batch := deliver_due(now, limit=50).sent:
                sent += len(batch)
            db.session.remove()
            return sent

    half = count // 2
    with app.app_context():
        started = time.perf_counter()
        sent = len(deliver_due(now, limit=half).sent)
        one = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        sent_parallel = sum(pool.map(deliverer, range(4)))
    four = time.perf_counter() - started
    server.stop()
    with app.app_context():
        size = db.session.scalar(db.select(db.func.avg(db.func.length(OutboxMessage.message))))
    print(f"1 deliverer: {sent} messages in {one:.2f} s ({sent / one:.0f}/s), written and sent; "
          f"average message {size / 1024:.1f} KiB")
    print(f"4 deliverers at once: {sent_parallel} messages in {four:.2f} s ({sent_parallel / four:.0f}/s); "
          f"received {len(server.recorder.messages)} of {count}, "
          f"{len({m['To'] for m in server.recorder.messages})} distinct recipients")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
