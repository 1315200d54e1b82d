"""Registration under load through gunicorn over HTTP, on SQLite and PostgreSQL, beside bare routes.

Per database and 8, 32 and 128 concurrent clients (after a second of each scenario to warm the
workers up): each client GETs the registration form (for its CSRF token) and POSTs it; the POST's
latency is measured. The baseline does the same two requests against /bare/form and /bare/insert
(one INSERT) on the same server. The two take turns, ROUNDS times BENCH_SECONDS (default 3) each,
so that a slow moment of a shared machine falls on both alike; the figures are those of all rounds
together, and the lowest and highest round's ratio show how much a single round could mislead.
After each registration round the database is checked: never more confirmed than capacity, every
answered registration stored, each with its e-mail, and every e-mail delivered by the worker after
the burst (then the next round starts). Event page and event list latency are measured while
32 clients register, beside a bare template route under a bare-INSERT load.
"""
import os
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench import loadgen, servers

CONCURRENCY = (8, 32, 128)
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
#: Seconds of each page-latency run (see `_read_rows`).
READ_SECONDS = float(os.environ.get("BENCH_READ_SECONDS", "5"))
MAX_ITERATIONS = 5000
WARM_UP_SECONDS = 1
CAPACITY = 150
READERS = 8
#: Seconds the e-mails of one burst may take to be delivered after it (no mail server: kept in files).
MAIL_PATIENCE = 60


def run() -> list[dict]:
    rows = []
    kinds = ["sqlite"] + (["postgresql"] if servers.postgres_available() else [])
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="eventapp-bench-") as folder:
            rows += _bench_database(kind, Path(folder))
    return rows


def _bench_database(kind: str, workdir: Path) -> list[dict]:
    database = servers.fresh_database(kind, workdir)
    secret = servers.new_secret()
    app = _prepare(database, secret)
    rows = []
    with servers.gunicorn(database, workdir, secret) as (port, master):
        idle_memory = servers.peak_rss_mib(servers.worker_pids(master))
        _warm_up(app, port, kind)
        for clients in CONCURRENCY:
            slug, event_id = _new_event(app, f"{kind}-{clients}")
            baselines, measured, mail_waits = [], [], []
            for round_number in range(ROUNDS):
                baselines.append(loadgen.run(port, bare_insert, clients, SECONDS, MAX_ITERATIONS))
                measured.append(loadgen.run(port, registration(slug, round_number), clients, SECONDS,
                                            MAX_ITERATIONS))
                mail_waits.append(_mail_delivered(app, event_id))
            stored, confirmed = _stored(app, event_id)
            rows += _registration_rows(kind, clients, measured, baselines, stored, confirmed)
            rows += _mail_rows(kind, clients, app, event_id, stored, max(mail_waits))
        rows += _read_rows(kind, port, app)
        memory = servers.peak_rss_mib(servers.worker_pids(master))
    rows.append(_row(f"{kind}: peak worker memory (RSS)", memory, "MiB", idle_memory, "< 300 MiB"))
    with app.app_context():
        from eventapp.extensions import db

        db.engine.dispose()
    return rows


def _warm_up(app, port: int, kind: str) -> None:
    """A second of each scenario before anything is measured, so that no figure includes workers
    connecting to the database or running code the first time (the first round would be slow)."""
    slug, event_id = _new_event(app, f"{kind}-warm-up")
    loadgen.run(port, bare_insert, READERS, WARM_UP_SECONDS, MAX_ITERATIONS)
    loadgen.run(port, registration(slug), READERS, WARM_UP_SECONDS, MAX_ITERATIONS)
    _mail_delivered(app, event_id)


def _prepare(database: str, secret: str):
    """Migrate, load the registers and create the baseline's table, in this process."""
    import flask_migrate

    import eventapp
    from bench.baseline_app import bare_metadata
    from config import database_url
    from eventapp.extensions import db
    from eventapp.services.organisations import load_reference_data

    app = eventapp.create_app({"SQLALCHEMY_DATABASE_URI": database_url(database), "SECRET_KEY": secret})
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        bare_metadata.create_all(db.engine)
        db.session.remove()
    return app


def _new_event(app, name: str) -> tuple[str, int]:
    from eventapp.database import utcnow
    from eventapp.extensions import db
    from eventapp.models import Event

    now = utcnow()
    with app.app_context():
        event = Event(slug=f"bench-{name}", title=f"Lastprov {name}", kind="conference", venue="Citykonferensen",
                      city="Stockholm", starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=8),
                      capacity=CAPACITY, waitlist_enabled=True, registration_opens_at=now - timedelta(days=1),
                      registration_deadline=now + timedelta(days=20), published=True)
        db.session.add(event)
        db.session.commit()
        return event.slug, event.id


def _stored(app, event_id: int) -> tuple[int, int]:
    from eventapp.extensions import db
    from eventapp.models import Registration

    with app.app_context():
        rows = dict(db.session.execute(select(Registration.status, func.count()).where(
            Registration.event_id == event_id).group_by(Registration.status)).all())
        db.session.remove()
    return sum(rows.values()), rows.get("confirmed", 0)


def _mail_delivered(app, event_id: int) -> float:
    """Seconds until the worker has delivered every e-mail of the event (at most MAIL_PATIENCE).

    Waiting for the outbox to empty also keeps one round's deliveries out of the next round's figures.
    """
    began = time.monotonic()
    while _outbox(app, event_id)["waiting"] and time.monotonic() - began < MAIL_PATIENCE:
        time.sleep(0.25)
    return time.monotonic() - began


def _outbox(app, event_id: int) -> dict:
    from eventapp.extensions import db
    from eventapp.models import OutboxMessage, OutboxStatus

    with app.app_context():
        rows = dict(db.session.execute(select(OutboxMessage.status, func.count()).where(
            OutboxMessage.event_id == event_id).group_by(OutboxMessage.status)).all())
        db.session.remove()
    return {"all": sum(rows.values()), "waiting": rows.get(OutboxStatus.PENDING, 0) + rows.get(OutboxStatus.SENDING, 0)}


def _mail_rows(kind, clients, app, event_id: int, stored: int, longest_wait: float) -> list[dict]:
    """Every stored registration has its e-mail, and the worker delivered them all after each burst."""
    outbox = _outbox(app, event_id)
    prefix = f"{kind}: register c={clients}"
    return [
        _row(f"{prefix} registrations without an e-mail", max(stored - outbox["all"], 0), "count", 0, "0"),
        _row(f"{prefix} e-mails delivered after the burst", longest_wait, "s", None, "< 10 s"),
        _row(f"{prefix} e-mails not delivered after {MAIL_PATIENCE} s", outbox["waiting"], "count", 0, "0"),
    ]


# Scenarios ---------------------------------------------------------------------------------


def registration(slug: str, round_number: int = 0) -> loadgen.Scenario:
    """Each iteration registers a new person: the addresses differ from run to run (``round_number``)."""
    url = f"/events/{slug}/register"

    def iteration(client: loadgen.Client, number: int) -> float:
        _, page = loadgen.timed(client, "GET", url, 200)
        form = {"csrf_token": loadgen.csrf_token(page), "first_name": "Åsa", "last_name": f"Lasttest {number}",
                "email": f"bench-{slug}-{round_number}-{number}@example.org", "organisation": "Nacka kommun",
                "job_title": "Kommunikatör", "consent": "y"}
        latency, _ = loadgen.timed(client, "POST", url, 302, form)
        return latency

    return iteration


def bare_insert(client: loadgen.Client, number: int) -> float:
    loadgen.timed(client, "GET", "/bare/form", 200)
    latency, _ = loadgen.timed(client, "POST", "/bare/insert", 302, {"email": f"bare-{number}@example.org"})
    return latency


def reading(path: str) -> loadgen.Scenario:
    def iteration(client: loadgen.Client, number: int) -> float:
        latency, _ = loadgen.timed(client, "GET", path, 200)
        return latency

    return iteration


# Rows --------------------------------------------------------------------------------------


def _row(name, value, unit, baseline, target) -> dict:
    ratio = (value / baseline) if baseline else None
    return {"name": name, "value": round(value, 2), "unit": unit,
            "baseline": round(baseline, 2) if baseline is not None else None,
            "ratio": round(ratio, 2) if ratio is not None else None, "target": target}


def _registration_rows(kind, clients, rounds: list[loadgen.Result], baselines: list[loadgen.Result],
                       stored, confirmed) -> list[dict]:
    prefix = f"{kind}: register c={clients}"
    ms = 1000
    ratios = [measured.throughput / baseline.throughput for measured, baseline in zip(rounds, baselines, strict=True)]
    measured, baseline = loadgen.Result.merged(rounds), loadgen.Result.merged(baselines)
    return [
        _row(f"{prefix} throughput", measured.throughput, "reg/s", baseline.throughput, "ratio >= 0.4"),
        _row(f"{prefix} throughput ratio, lowest round", min(ratios), "ratio", None, ""),
        _row(f"{prefix} throughput ratio, highest round", max(ratios), "ratio", None, ""),
        _row(f"{prefix} p50", measured.percentile(50) * ms, "ms", baseline.percentile(50) * ms, ""),
        _row(f"{prefix} p95", measured.percentile(95) * ms, "ms", baseline.percentile(95) * ms, ""),
        _row(f"{prefix} p99", measured.percentile(99) * ms, "ms", baseline.percentile(99) * ms, "< 2000 ms"),
        _row(f"{prefix} errors", len(measured.errors), "count", len(baseline.errors), "0"),
        _row(f"{prefix} overbooked", max(confirmed - CAPACITY, 0), "places", 0, "0"),
        _row(f"{prefix} answered but not stored", max(len(measured.latencies) - stored, 0), "count", 0, "0"),
    ]


def _read_rows(kind, port, app) -> list[dict]:
    """Page latencies while 32 clients register (bare page: while 32 clients do bare INSERTs)."""
    slug, _ = _new_event(app, f"{kind}-reads")

    def under_load(writer, reader) -> loadgen.Result:
        background = threading.Thread(target=loadgen.run, args=(port, writer, 32, READ_SECONDS, MAX_ITERATIONS))
        background.start()
        try:
            return loadgen.run(port, reader, READERS, READ_SECONDS, MAX_ITERATIONS)
        finally:
            background.join()

    bare = under_load(bare_insert, reading("/bare/page"))
    rows = []
    for run_number, (label, path) in enumerate((("event page", f"/events/{slug}"), ("event list", "/"))):
        measured = under_load(registration(slug, run_number), reading(path))
        rows.append(_row(f"{kind}: {label} p50 under load", measured.percentile(50) * 1000, "ms",
                         bare.percentile(50) * 1000, ""))
        rows.append(_row(f"{kind}: {label} p95 under load", measured.percentile(95) * 1000, "ms",
                         bare.percentile(95) * 1000, "< 1000 ms"))
        rows.append(_row(f"{kind}: {label} errors", len(measured.errors), "count", len(bare.errors), "0"))
    return rows
