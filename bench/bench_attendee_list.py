"""How long the attendee list, the statistics and the exports take at 10, 1 000 and 10 000 registrations.

    .venv/bin/python bench/bench_attendee_list.py [--sizes 10,1000,10000] [--repeat 5]

Uses a throw-away SQLite database (or BENCH_DATABASE_URL=postgresql://… of a throw-away database:
its public schema is dropped). Prints the median time and the number of SQL statements per request.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import flask_migrate  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import text  # noqa: E402

from config import TestingConfig  # noqa: E402
from eventapp import create_app  # noqa: E402
from eventapp.database import utcnow  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import User  # noqa: E402
from eventapp.services.organisations import load_reference_data  # noqa: E402

PAGES = ["attendees", "attendees?q=efternamn+0&sort=organisation", "attendees?page=100", "statistics",
         "attendees.xlsx", "attendees.csv"]


def build_app(url: str | None):
    instance = tempfile.mkdtemp(prefix="bench-")
    os.environ["EVENTAPP_INSTANCE_PATH"] = instance

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{instance}/bench.db"

    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        load_reference_data()
        db.session.add(User(email="bench@example.org", role="organiser", password_hash="-"))  # noqa: S106 (never logs in)
        db.session.commit()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = build_app(os.environ.get("BENCH_DATABASE_URL"))
    from builders import log_in, make_event
    from crowd import crowd

    client = app.test_client()
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id))
    log_in(client, user_id)
    statements: list[str] = []
    with app.app_context():
        sa_event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        print(f"database: {db.engine.dialect.name}")
    print(f"{'registrations':>13}  {'page':<45} {'median ms':>9} {'SQL':>4}")
    for size in (int(s) for s in args.sizes.split(",")):
        with app.app_context():
            now = utcnow()
            event = make_event(now, capacity=None)
            crowd(event, size, now)
            slug = event.slug
        for page in PAGES:
            timings = []
            for _ in range(args.repeat):
                statements.clear()
                start = time.perf_counter()
                response = client.get(f"/admin/events/{slug}/{page}")
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (page, response.status_code)
            print(f"{size:>13}  {page:<45} {statistics.median(timings):>9.1f} {len(statements):>4}")


def run() -> list[dict]:
    """`make bench`: exporting 10 000 registrations beside writing the same rows with openpyxl / csv directly."""
    import csv
    import io

    from openpyxl import Workbook

    size = int(os.environ.get("BENCH_EXPORT_SIZE", "10000"))
    app = build_app(None)
    from builders import log_in, make_event
    from crowd import crowd

    client = app.test_client()
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id))
        now = utcnow()
        event = make_event(now, capacity=None)
        crowd(event, size, now)
        slug = event.slug
    log_in(client, user_id)

    def median_ms(action, repeat=3) -> float:
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            action()
            timings.append((time.perf_counter() - start) * 1000)
        return statistics.median(timings)

    def export(fmt):
        response = client.get(f"/admin/events/{slug}/attendees.{fmt}")
        assert response.status_code == 200, (fmt, response.status_code)
        return response.get_data()

    # The baseline writes exactly the rows the export wrote, straight through the libraries.
    rows = list(csv.reader(io.StringIO(export("csv").decode("utf-8-sig")), delimiter=";"))

    def direct_csv():
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(rows)
        out.getvalue().encode("utf-8-sig")

    def direct_xlsx():
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in rows:
            sheet.append(row)
        book.save(io.BytesIO())

    result = []
    for fmt, direct, target in (("xlsx", direct_xlsx, "< 2000 ms"), ("csv", direct_csv, "< 500 ms")):
        value, baseline = median_ms(lambda fmt=fmt: export(fmt)), median_ms(direct)
        result.append({"name": f"export {len(rows) - 1} registrations to {fmt.upper()}", "value": round(value, 1),
                       "unit": "ms", "baseline": round(baseline, 1), "ratio": round(value / baseline, 2),
                       "target": target})
    with app.app_context():
        db.engine.dispose()
    return result


if __name__ == "__main__":
    main()
