"""Rate-limit counters that every worker process of one machine shares, without a server to run.

Flask-Limiter counts in Redis when ``REDIS_URL`` is set: exact across machines. Without it, the
counters live in a SQLite file in the instance folder, which every gunicorn worker (and a worker
started after a recycled one) opens: a limit of 10 per minute is 10 whichever worker answers, not
10 per worker. Each count is one statement that SQLite runs alone, so no two workers can both take
the last place of a window. Several machines each have their own file: they need ``REDIS_URL``.

Only the fixed-window strategy is offered (``RATELIMIT_STRATEGY``), the one Flask-Limiter uses.
"""
import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEME = "eventapp+sqlite"
#: Seconds between removals of windows that have ended, per process.
CLEAN_EVERY = 60.0

_INCREMENT = """
INSERT INTO counter (key, hits, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN expires_at <= :now THEN :amount ELSE hits + :amount END,
    expires_at = CASE WHEN expires_at <= :now THEN :now + :expiry ELSE expires_at END
RETURNING hits
"""


def storage_uri(instance_path: str) -> str:
    """The ``RATELIMIT_STORAGE_URI`` of the counters file in ``instance_path``."""
    return f"{SCHEME}://{os.path.join(os.path.abspath(instance_path), 'rate-limits.sqlite')}"


class SQLiteStorage(Storage):
    """A ``limits`` storage in a SQLite file (``eventapp+sqlite:///path/to/file``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.removeprefix(f"{SCHEME}://")
        self.timeout = float(options.get("timeout", 10))
        # One connection per thread and process: gunicorn forks workers after the app (and this
        # storage) was made, and a SQLite connection must not cross a fork.
        self._local = threading.local()
        self._cleaned_at = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # Counters need no durability across a power cut; WAL with NORMAL never corrupts the file.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS counter "
                               "(key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at REAL NOT NULL)")
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        hits = connection.execute(_INCREMENT, {"key": key, "amount": amount, "now": now, "expiry": expiry}).fetchone()
        if now - self._cleaned_at > CLEAN_EVERY:
            self._cleaned_at = now
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
        return hits[0]

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT hits FROM counter WHERE key = ? AND expires_at > ?", (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._connection().execute(
            "SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?", (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
