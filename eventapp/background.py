"""Work that must not hold up a web request, run in a thread of the same process.

Badge runs are the case: rendering a thousand badges takes a minute or more. The run's state and
progress live in the database, so any web process can show them; only the rendering happens here.
Tests (and ``BACKGROUND_INLINE = True``) run the work inline, before the response.
"""
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
