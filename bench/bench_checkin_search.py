"""How fast the door answers at a big event: live search and counts with N registrations.

    .venv/bin/python bench/bench_checkin_search.py [N ...]      (default: 120 1000 10000)

Uses a throw-away SQLite file (or BENCH_DATABASE_URL). Prints milliseconds per call.
"""
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402

from config import TestingConfig, database_url  # noqa: E402
from eventapp import create_app  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import Event, Registration  # noqa: E402
from eventapp.services import checkin, personal_links  # noqa: E402

FIRST = ["Anna", "Åsa", "Darius", "Fatima", "Maria", "Erik", "Lars", "Karin", "Mohammed", "Sara"]
LAST = ["Andersson", "Öberg", "Karimi", "Al-Hassan", "Lindqvist", "Nilsson", "Berg", "Ek", "Rahimi", "Holm"]


def fill(event: Event, count: int, now: datetime) -> None:
    rows, codes = [], set()
    for n in range(count):
        code = personal_links.new_check_in_code()
        while code in codes:
            code = personal_links.new_check_in_code()
        codes.add(code)
        rows.append(dict(
            event_id=event.id, first_name=FIRST[n % 10], last_name=f"{LAST[(n // 10) % 10]} {n}",
            email=f"person{n}@example.org", email_key=f"person{n}@example.org", organisation_name="Nacka kommun",
            status="confirmed", created_at=now, queued_at=now, check_in_code=code,
        ))
    db.session.execute(Registration.__table__.insert(), rows)
    db.session.commit()


def timed(function, repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat * 1000


def main(sizes: list[int]) -> None:
    folder = tempfile.mkdtemp()

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("BENCH_DATABASE_URL")) or (
            "sqlite:///" + os.path.join(folder, "bench.db"))

    os.environ.setdefault("EVENTAPP_INSTANCE_PATH", folder)
    app = create_app(Config)
    now = datetime.now(UTC)
    with app.test_request_context():
        flask_migrate.upgrade()
        print(f"{'registrations':>13} {'search ms':>10} {'code ms':>8} {'counts ms':>10}")
        for size in sizes:
            event = Event(slug=f"bench-{size}", title="Bench", kind="conference", starts_at=now, ends_at=now
                          + timedelta(hours=8), registration_opens_at=now - timedelta(days=30),
                          registration_deadline=now - timedelta(days=1), published=True)
            db.session.add(event)
            db.session.commit()
            fill(event, size, now)
            code = db.session.scalar(db.select(Registration.check_in_code).where(Registration.event_id == event.id))
            search = timed(lambda event=event: checkin.search(event.id, "åsa öberg"))
            by_code = timed(lambda event=event, code=code: checkin.search(event.id, code.lower()))
            counts = timed(lambda event=event: checkin.door_counts(event.id))
            print(f"{size:>13} {search:>10.1f} {by_code:>8.1f} {counts:>10.1f}")


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [120, 1000, 10000])
