"""SQLite writers wait for each other in a queue, woken as soon as the writer before them is done.

SQLite's own busy handler has a waiting writer sleep and retry, for longer and longer (up to 100 ms)
the longer it has waited: in a rush the writers that waited longest keep losing to newcomers, and a
few answers take many times the average. So, before ``BEGIN IMMEDIATE``, each writing transaction
takes an exclusive ``flock`` on a file beside the database (`<database>-writers.lock`), held until
its connection goes back to the pool after the commit or rollback. The kernel wakes the next waiter
at once, in every thread and process on the machine, and a process that dies lets go of it.

SQLite's lock still decides: this only lines the writers up in front of it. A writer waits for the
queue at most ``timeout`` seconds (``SQLITE_BUSY_TIMEOUT``), then gets "database is locked", as it
would from SQLite.
"""
import fcntl
import os
import sqlite3
import threading

from sqlalchemy.exc import OperationalError

_FD = "eventapp_writers_fd"
_HELD = "eventapp_writers_held"
#: Threads waiting for their turn now (their idents).
_waiting: set[int] = set()


def is_waiting(thread: threading.Thread) -> bool:
    """Whether ``thread`` waits in the queue now."""
    return thread.ident in _waiting


def lock_path(database: str | None) -> str | None:
    """The queue's file for a SQLite database file; None for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writers.lock"


def take_turn(info: dict, path: str, timeout: float) -> None:
    """Wait for this connection's turn to write (``info``: the pooled connection's own dictionary)."""
    if info.get(_HELD):
        return
    fd = info.get(_FD)
    if fd is None:
        fd = info[_FD] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        _wait(info, fd, timeout)
    info[_HELD] = True


def _wait(info: dict, fd: int, timeout: float) -> None:
    """Block in a helper thread, so that the wait can end after ``timeout``."""
    turn = threading.Event()
    guard = threading.Lock()
    abandoned = []

    def wait_for_the_lock():
        fcntl.flock(fd, fcntl.LOCK_EX)
        with guard:
            if abandoned:
                os.close(fd)  # nobody waits any more: closing lets the next one in
            else:
                turn.set()

    threading.Thread(target=wait_for_the_lock, daemon=True, name="sqlite-writers").start()
    me = threading.get_ident()
    _waiting.add(me)
    try:
        if turn.wait(timeout):
            return
    finally:
        _waiting.discard(me)
    with guard:
        if turn.is_set():
            return
        abandoned.append(True)
        # The helper thread owns the descriptor now; the connection opens a new one next time.
        del info[_FD]
    raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))


def end_turn(info: dict) -> None:
    """Let the next writer in (the connection is back in the pool: committed or rolled back)."""
    if info.pop(_HELD, False):
        fcntl.flock(info[_FD], fcntl.LOCK_UN)


def close(info: dict) -> None:
    """The connection is closed for good: its descriptor goes, and with it any turn it held."""
    info.pop(_HELD, None)
    fd = info.pop(_FD, None)
    if fd is not None:
        os.close(fd)
