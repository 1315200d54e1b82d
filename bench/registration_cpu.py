"""A registration's CPU in process, beside the bare pair, to compare two versions of the code.

    .venv/bin/python -m bench.registration_cpu [sqlite|postgresql] [N]

On a fresh database (PostgreSQL: ``BENCH_POSTGRES_URL``, dropped and created again), Flask's test
client registers N people (GET the form, POST it) and does N bare pairs (GET /bare/form, POST
/bare/insert), twice in turns, and prints the CPU per pair (``time.process_time``) and the Python
function calls per pair (cProfile: the same on every run). It leaves out HTTP, gunicorn and the load
generator, which the load test in ``bench_registration`` includes, so a change of a few per cent
shows; e-mails are queued but not written (that is the worker's work).
"""
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_registration, loadgen, servers


def main(kind: str = "sqlite", count: int = 300) -> None:
    os.environ.setdefault("EVENTAPP_ENV", "production")  # the settings a real server runs with
    import eventapp
    from bench.baseline_app import bp as bare
    from config import database_url

    with tempfile.TemporaryDirectory(prefix="eventapp-cpu-") as folder:
        database = servers.fresh_database(kind, Path(folder))
        secret = servers.new_secret()
        slug, _ = bench_registration._new_event(bench_registration._prepare(database, secret), "cpu")
        app = eventapp.create_app({
            "SQLALCHEMY_DATABASE_URI": database_url(database), "SECRET_KEY": secret, "RATELIMIT_ENABLED": False,
            "JOB_QUEUE": "memory://", "REGISTRATION_MIN_FILL_SECONDS": 0})
        app.register_blueprint(bare)
        client = app.test_client()

        def register(number: int) -> None:
            page = client.get(f"/events/{slug}/register").get_data(as_text=True)
            answer = client.post(f"/events/{slug}/register", data={
                "csrf_token": loadgen.csrf_token(page), "first_name": "Åsa", "last_name": f"Lasttest {number}",
                "email": f"cpu-{number}@example.org", "organisation": "Nacka kommun", "job_title": "Kommunikatör",
                "consent": "y"})
            assert answer.status_code == 302, answer.status_code

        def bare_pair(number: int) -> None:
            client.get("/bare/form")
            assert client.post("/bare/insert", data={"email": f"bare-{number}@example.org"}).status_code == 302

        scenarios = {"registration": register, "bare pair": bare_pair}
        numbers = iter(range(10**9))
        for scenario in scenarios.values():  # warm up: the first requests compile and connect
            for _ in range(20):
                scenario(next(numbers))
        for turn in (1, 2):
            for name, scenario in scenarios.items():
                began = time.process_time()
                for _ in range(count):
                    scenario(next(numbers))
                print(f"turn {turn}: {name}: {(time.process_time() - began) / count * 1000:.2f} ms CPU per pair")
        for name, scenario in scenarios.items():
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(count):
                scenario(next(numbers))
            profile.disable()
            print(f"{name}: {pstats.Stats(profile).total_calls / count:.0f} Python function calls per pair")
        with app.app_context():
            eventapp.extensions.db.engine.dispose()


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["sqlite"]), *(int(n) for n in sys.argv[2:3]))
