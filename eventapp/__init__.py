"""eventapp: registration, attendee lists, badges and no-show invoicing for Swedish events."""
import os
import secrets
import time
from collections.abc import Mapping

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

from config import MIN_SECRET_KEY_BYTES, Config, config_from_env

from . import (
    database,  # noqa: F401 (registers the SQLite connection settings on import)
    rate_limits,  # registers its storage scheme with the limits library on import
)
from .extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: type[Config] | Mapping | None = None) -> Flask:
    """Build the application. ``config`` is a config class, or a mapping of overrides."""
    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        instance_path=os.environ.get("EVENTAPP_INSTANCE_PATH") or os.path.join(PROJECT_ROOT, "instance"),
    )
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_from_env())
        app.config.from_mapping(config or {})
    _check_production_settings(app)
    _configure_database(app)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = rate_limits.storage_uri(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import cli, jobs, security, templating
    from .web import register_blueprints

    jobs.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    return app


def select_locale() -> str:
    """Swedish unless the visitor chose English (?lang=en, remembered in the session)."""
    languages = ("sv", "en")
    if not has_request_context():
        return "sv"
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    return session.get("lang") if session.get("lang") in languages else "sv"


def current_language() -> str:
    return str(get_locale() or "sv")


def _check_production_settings(app: Flask) -> None:
    production = app.config.get("PRODUCTION")
    if production and app.debug:
        raise RuntimeError("Debug mode must not be on in production (EVENTAPP_ENV=production): unset FLASK_DEBUG.")
    key = app.config.get("SECRET_KEY") or ""
    if production and len(key.encode() if isinstance(key, str) else key) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(
            f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_BYTES} bytes in production "
            "(EVENTAPP_ENV=production), e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'.")
    if not key:
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)


def instance_secret_key(instance_path: str) -> str:
    """The development key of this instance folder, made at random the first time.

    A key written in the source would let anyone who read it sign a session for any account of a
    development server that is reachable from elsewhere.
    """
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by another process starting at the same moment
        for _ in range(50):
            with open(path, encoding="ascii") as file:
                key = file.read().strip()
            if key:
                return key
            time.sleep(0.1)
        raise RuntimeError(f"{path} is empty: remove it, and a new key is made") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def _configure_database(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "eventapp.db")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT"], "check_same_thread": False}
        # A file on this machine has no connection to lose: pinging it before every request is waste.
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif uri.startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        if app.config.get("POSTGRESQL_KEEPALIVES"):
            options["connect_args"] = keepalive_connect_args(app.config["POSTGRESQL_KEEPALIVES"],
                                                             options.get("connect_args", {}))
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def keepalive_connect_args(keepalives: tuple[int, int, int], connect_args: Mapping) -> dict:
    """``connect_args`` with TCP keepalives for both ends of a PostgreSQL connection.

    libpq's keepalive parameters let this side notice a server that is gone; the server's own
    ``tcp_keepalives_*`` settings, sent as session options, let it notice a client that is gone and
    end its session, releasing its locks. Probes are answered by the peer's operating system, so a
    connection kept in a long transaction by a live process (a badge run, an SMTP delivery) is
    never cut by them. Options already given (``lock_timeout``, say) come after, and win.
    """
    idle, interval, count = keepalives
    server = (f"-c tcp_keepalives_idle={idle} -c tcp_keepalives_interval={interval} "
              f"-c tcp_keepalives_count={count}")
    args = {"keepalives": 1, "keepalives_idle": idle, "keepalives_interval": interval, "keepalives_count": count,
            **connect_args}
    args["options"] = " ".join(part for part in (server, connect_args.get("options", "")) if part)
    return args
