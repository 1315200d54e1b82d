"""Databases and gunicorn servers for the benchmarks: set up, started, measured and stopped here."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: A throw-away PostgreSQL database for the benchmarks; dropped and created again on each run.
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/eventapp_bench")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(_maintenance_url(), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _maintenance_url() -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return base + "/postgres"


def fresh_database(kind: str, workdir: Path) -> str:
    """An empty database of ``kind`` (sqlite or postgresql); its URL."""
    if kind == "sqlite":
        path = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    name = POSTGRES_URL.rpartition("/")[2]
    with psycopg.connect(_maintenance_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL


def server_environment(database: str, workdir: Path, secret: str) -> dict:
    return {
        **os.environ, "EVENTAPP_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": database,
        "EVENTAPP_INSTANCE_PATH": str(workdir), "GUNICORN_ACCESS_LOG": "/dev/null",
        # Load clients send the form at once; the bench measures the work, not the anti-robot delay.
        "EVENTAPP_MIN_FILL_SECONDS": "0",
        # No worker recycling: at the bench's pace each worker would reach its 2 000 requests every few
        # seconds and be replaced mid-run (its clients cut off, a cold worker after it), where a rush
        # of 2 000 people is some 800 requests per worker. tests/deploy checks recycling itself.
        "GUNICORN_MAX_REQUESTS": "0",
    }


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@contextmanager
def gunicorn(database: str, workdir: Path, secret: str):
    """Serve bench.baseline_app with the project's gunicorn.conf.py, and run the worker beside it, as in
    production (their job queue: a SQLite file in ``workdir``); yields (port, gunicorn's master pid)."""
    port = free_port()
    log = open(workdir / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 (closed below)
    environment = server_environment(database, workdir, secret)
    executable = Path(sys.executable).parent
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [str(executable / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
         "bench.baseline_app:create_app()"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    worker = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [str(executable / "flask"), "--app", "eventapp", "worker"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(port, process)
        yield port, process.pid
    finally:
        stop(worker)
        stop(process)
        log.close()


def stop(process: subprocess.Popen, patience: float = 3) -> None:
    """Stop a gunicorn master and its workers: quick shutdown, then SIGKILL for any that linger."""
    workers = worker_pids(process.pid)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=patience)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_until_healthy(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see its log in the work folder")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy")


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def peak_rss_mib(pids: list[int]) -> float:
    """The largest peak resident memory (VmHWM) among ``pids``, in MiB."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024
