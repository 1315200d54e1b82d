"""gunicorn settings: `gunicorn -c gunicorn.conf.py "eventapp:create_app()"`.

Every setting can be overridden from the environment (or on the command line):

- 2 cores (a small organiser, SQLite or PostgreSQL on the same machine): the defaults, 5 workers
  (2 x cores + 1) with 2 threads each.
- Many cores with PostgreSQL: WEB_CONCURRENCY=2*cores+1, GUNICORN_THREADS=2..4. Every thread may
  hold a database connection (pool size 5 + overflow 10 per worker at most), so keep
  workers x threads well under PostgreSQL's max_connections, or put PgBouncer in between.
- Several machines: the same on each, behind a load balancer checking GET /healthz, one
  PostgreSQL, REDIS_URL for shared rate limits (see README, "Running in production").
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
#: Threads let a worker wait for the database on one request while serving another.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
#: A registration never takes long; a stuck worker is restarted rather than left hanging.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
#: Recycle workers now and then so memory cannot creep up over weeks.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
#: Addresses of the reverse proxy allowed to set X-Forwarded-* (set EVENTAPP_TRUSTED_PROXIES too).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
#: Load the application once in the master and fork: faster start, shared memory pages.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def when_ready(server):
    """With the app preloaded, compile its templates and load its catalogues once, here in the master
    before any worker is forked: every worker, and each one replacing a recycled one, starts warm."""
    if not server.cfg.preload_app:
        return
    from flask import Flask

    from eventapp.warm_up import warm_up

    app = server.app.wsgi()
    if isinstance(app, Flask):
        server.log.info("Warmed up: %d templates compiled", warm_up(app))


def post_fork(server, worker):
    """A forked worker must not reuse database connections opened in the master."""
    app = worker.app.wsgi()
    from eventapp.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)


#: gunicorn 27's control socket lives at one path per user: several instances on one machine would
#: share it, and shutting down waits for it. The application needs none of it.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "0") != "1"
