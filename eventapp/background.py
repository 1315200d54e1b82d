"""Work that must not hold up a web request, run in a thread of the same process.

Badge runs are one case: rendering a thousand badges takes a minute or more. The run's state and
progress live in the database, so any web process can show them; only the rendering happens here.
Tests (and ``BACKGROUND_INLINE = True``) run that work inline, before the response. Delivering the
outbox after requests is the other (``OutboxDeliverer``).
"""
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

#: One rendering at a time per process: WeasyPrint is CPU-bound, and web requests need the rest.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")


def run_in_background(app: Flask, work: Callable[..., None], *args) -> None:
    """Call ``work(*args)`` within an application context, in a worker thread."""
    def job():
        with app.app_context():
            work(*args)

    if app.config.get("BACKGROUND_INLINE", app.testing):
        job()
    else:
        _executor.submit(job)


#: Seconds between looks while requests are in hand, when no quiet moment is asked for.
_LOOK_AGAIN = 0.05
#: The server's last activity in shared memory: a ``time.monotonic()`` (one clock for every process).
_ACTIVITY = struct.Struct("d")


class OutboxDeliverer:
    """Sends the outbox from one thread of this process, woken after each request that may queue mail.

    However many requests wake it, one delivery runs at a time per process, taking everything due in
    batches: a burst of registrations costs a few claims, not one each, and no request waits for the
    mail server. Requests come first: while they keep waking it, it waits for a ``quiet`` moment
    without one, but never longer than ``patience`` seconds, so in a rush people get their answer
    before anyone's e-mail is written, and the e-mails follow within seconds. The thread is started
    on first use, so each forked web worker gets its own.

    A quiet moment is one without a request in hand (``request_began`` and ``request_ended`` are
    told of each) and without a wake: a rush whose requests wait for the database's lock has none,
    though no request ends for a while. Only the first wake wakes the thread; what comes after it
    only notes the time, and the thread looks at it when the quiet moment could be over.

    The moment must be quiet for the whole server, not only for this process: the processes forked
    after the deliverer was made (gunicorn's workers of a preloaded app: it is made with the app, in
    ``web.register_blueprints``) note when a request of theirs began or ended in memory they share,
    so a worker that a rush passes by does not write e-mails on the cores the others answer on.

    ``deliver`` is called with a function that tells whether ``stop()`` has been called (the process
    is going away): it then ends after the message in hand and hands the rest of its claim back, so
    a worker recycled in the middle of a delivery leaves nothing claimed for others to wait for. It
    delivers one batch and returns whether more may be due: it is then called again after the next
    quiet moment, so a rush that begins while e-mails are being written has the process back within
    one batch.
    """

    def __init__(self, app: Flask, deliver: Callable[[Callable[[], bool]], bool | None], *, quiet: float = 0.0,
                 patience: float = 0.0):
        self._app, self._deliver = app, deliver
        self._quiet, self._patience = quiet, patience
        self._changed = threading.Condition()
        #: Woken since the thread last looked; work is due or running (from the first wake on).
        self._woken = self._busy = False
        self._stopping = False
        #: Requests in hand in this process, and when one last began or ended (or woke the thread).
        self._in_hand = 0
        self._last_activity = time.monotonic()
        #: The last activity of any process sharing this deliverer (``_ACTIVITY``).
        self._server_activity = mmap.mmap(-1, _ACTIVITY.size)
        self._note_activity()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def wake(self) -> None:
        with self._changed:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, daemon=True, name="outbox-delivery")
                self._thread.start()
            self._note_activity()
            if not self._woken:  # already woken, it sees the activity when it next looks
                self._woken = True
                self._changed.notify_all()

    def request_began(self) -> None:
        with self._changed:
            self._in_hand += 1
            self._note_activity()

    def request_ended(self) -> None:
        with self._changed:
            self._in_hand -= 1
            self._note_activity()

    def _note_activity(self) -> None:
        self._last_activity = time.monotonic()
        _ACTIVITY.pack_into(self._server_activity, 0, self._last_activity)

    def _latest_activity(self) -> float:
        """When this process or another sharing the deliverer last began or ended a request or woke it."""
        return max(self._last_activity, _ACTIVITY.unpack_from(self._server_activity)[0])

    def stop(self, timeout: float) -> bool:
        """Let the delivery in hand end (within ``timeout``) and start no other; False if it did not."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            thread = self._thread if self._pid == os.getpid() else None
        if thread is None or not thread.is_alive():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def stopping(self) -> bool:
        return self._stopping

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until nothing is left to do from earlier wakes; False if ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._woken and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._woken or self._stopping)
                self._busy = True
                self._wait_for_a_quiet_moment()
                self._woken = False
                if self._stopping:
                    self._busy = False
                    self._changed.notify_all()
                    return
            more = False
            try:
                with self._app.app_context():
                    more = self._deliver(self.stopping)
            except Exception:
                # The outbox keeps the messages; the next wake, or `outbox deliver`, tries again.
                self._app.logger.exception("Delivering the outbox in the background failed")
            finally:
                with self._changed:
                    self._woken = self._woken or bool(more)
                    self._busy = False
                    self._changed.notify_all()

    def _wait_for_a_quiet_moment(self) -> None:
        """Return once ``quiet`` seconds pass without a request in hand or a wake, or ``patience``
        seconds after it began waiting.

        Requests do not wake the thread (in a rush that would be a wake per request): it looks again
        when the quiet moment would be over, or, while requests are in hand, every ``quiet`` seconds.
        """
        give_up = time.monotonic() + self._patience
        while not self._stopping:
            now = time.monotonic()
            quiet_from = self._latest_activity() + self._quiet
            if now >= give_up or (not self._in_hand and now >= quiet_from):
                return
            look_again = now + max(self._quiet, _LOOK_AGAIN) if self._in_hand else quiet_from
            self._changed.wait(min(look_again, give_up) - now)
