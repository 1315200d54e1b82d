"""Is everything the application needs reachable? For `flask check` and the load balancer's /healthz."""
import smtplib
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from ..extensions import db, migrate

#: Seconds to wait for a service before calling it unreachable.
TIMEOUT = 3


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``ok`` is None when the thing is not configured (nothing to check)."""

    name: str
    ok: bool | None
    detail: str


def database_reachable() -> Check:
    """One round trip to the database."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 (any failure means unreachable; the detail says which)
        return Check("database", False, _short(error))
    return Check("database", True, db.engine.url.render_as_string(hide_password=True))


def migrations_current() -> Check:
    """The database is at the newest migration (``flask db upgrade`` has been run)."""
    try:
        heads = set(ScriptDirectory.from_config(migrate.get_config()).get_heads())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # noqa: BLE001
        return Check("migrations", False, _short(error))
    if current == heads:
        return Check("migrations", True, "at " + ", ".join(sorted(heads)))
    return Check("migrations", False,
                 f"database at {', '.join(sorted(current)) or 'nothing'}, code at {', '.join(sorted(heads))}: "
                 "run `flask --app eventapp db upgrade`")


def smtp_reachable(server: str | None, port: int) -> Check:
    """The SMTP server answers (no mail is sent); not configured means e-mail is kept locally."""
    if not server:
        return Check("smtp", None, "MAIL_SERVER not set: e-mail is not sent")
    try:
        with smtplib.SMTP(server, port, timeout=TIMEOUT) as smtp:
            code, _ = smtp.noop()
    except (OSError, smtplib.SMTPException) as error:
        return Check("smtp", False, f"{server}:{port}: {_short(error)}")
    return Check("smtp", code == 250, f"{server}:{port} answered {code}")


def redis_reachable(url: str | None) -> Check:
    """Redis answers PING; not configured means rate limits are counted per process."""
    if not url:
        return Check("redis", None, "REDIS_URL not set: rate limits are counted in each process")
    import redis  # only needed where Redis is configured

    try:
        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        client.ping()
    except (OSError, redis.RedisError) as error:
        return Check("redis", False, _short(error))
    return Check("redis", True, "answered PING")


def all_checks(config) -> list[Check]:
    """Every check, in the order an operator fixes things."""
    return [
        database_reachable(),
        migrations_current(),
        smtp_reachable(config.get("MAIL_SERVER"), int(config.get("MAIL_PORT") or 25)),
        redis_reachable(config.get("REDIS_URL")),
    ]


def _short(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
