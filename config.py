"""Configuration classes; the environment chooses one (EVENTAPP_ENV) and overrides single settings."""
import os

#: Bytes of SECRET_KEY production insists on: it signs sessions, CSRF tokens and the form stamp.
MIN_SECRET_KEY_BYTES = 32


def database_url(url: str | None) -> str | None:
    """Accept the usual postgres:// and postgresql:// URLs and use the psycopg 3 driver for them."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    #: Unset outside production: a random key kept in the instance folder (create_app).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: None means a SQLite file in the instance folder, set by create_app.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: Seconds a SQLite writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30
    #: PostgreSQL: TCP keepalives on both ends of every connection (seconds idle before the first probe,
    #: seconds between probes, probes). A machine lost in the middle of a transaction then has its
    #: session ended and its locks (an invoice run's number series) released in about two minutes, not
    #: when the operating system's default of over two hours gives up. DATABASE_TCP_KEEPALIVES=0 sends
    #: none of these (a pooler in between that refuses the startup parameter "options").
    POSTGRESQL_KEEPALIVES = ((60, 10, 6) if os.environ.get("DATABASE_TCP_KEEPALIVES", "1").lower()
                             not in ("0", "false", "no") else None)

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    #: Absolute URL used in e-mails and calendar invites, e.g. https://anmalan.example.org
    EVENTAPP_BASE_URL = os.environ.get("EVENTAPP_BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "anmalan@example.org")
    REDIS_URL = os.environ.get("REDIS_URL")
    #: Rate-limit counters: in Redis when REDIS_URL is set (exact across machines); otherwise (None) in
    #: a file in the instance folder that all worker processes of this machine share (rate_limits.py).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL
    RATELIMIT_STRATEGY = "fixed-window"
    #: Before every counter's name in Redis: sites sharing one Redis keep their counts apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    #: A back-office session ends after this many seconds without a request.
    IDLE_TIMEOUT = int(os.environ.get("EVENTAPP_IDLE_TIMEOUT_MINUTES", "30")) * 60
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    #: Bytes a request body may have (larger: 413): every form and API call fits in far less. A view
    #: taking larger uploads says so (security.accepts_larger_requests).
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    #: Stated on the public pages as the organiser behind the site.
    ORGANISER_NAME = os.environ.get("EVENTAPP_ORGANISER_NAME", "Nowa Kommunikation")
    #: The organiser's colour for the header, links and buttons: #rrggbb, dark enough for white text (4.5:1).
    ACCENT_COLOR = os.environ.get("EVENTAPP_ACCENT_COLOR", "#0b5cad")
    #: The organiser's logo in the page header: a path on this site, e.g. /static/logo.svg (empty: no logo).
    LOGO_URL = os.environ.get("EVENTAPP_LOGO_URL", "")
    #: The language organisers write event texts in; marked up so screen readers pronounce them right.
    CONTENT_LANGUAGE = os.environ.get("EVENTAPP_CONTENT_LANGUAGE", "sv")

    # The seller on invoices (see README, "No-show fees and invoices").
    SELLER_NAME = os.environ.get("SELLER_NAME", "Nowa Kommunikation AB")
    SELLER_ORG_NUMBER = os.environ.get("SELLER_ORG_NUMBER", "559900-0006")
    #: Empty: "SE" + the organisation number + "01".
    SELLER_VAT_NUMBER = os.environ.get("SELLER_VAT_NUMBER", "")
    SELLER_STREET = os.environ.get("SELLER_STREET", "Exempelgatan 1")
    SELLER_POSTCODE = os.environ.get("SELLER_POSTCODE", "111 22")
    SELLER_CITY = os.environ.get("SELLER_CITY", "Stockholm")
    SELLER_F_SKATT = os.environ.get("SELLER_F_SKATT", "1") not in ("0", "false", "no", "")
    SELLER_BANKGIRO = os.environ.get("SELLER_BANKGIRO", "123-4567")
    SELLER_PLUSGIRO = os.environ.get("SELLER_PLUSGIRO", "")
    SELLER_PAYMENT_TERMS_DAYS = int(os.environ.get("SELLER_PAYMENT_TERMS_DAYS", "30"))
    SELLER_EMAIL = os.environ.get("SELLER_EMAIL", "faktura@example.org")
    SELLER_PHONE = os.environ.get("SELLER_PHONE", "")
    #: Empty: "0007:" + the organisation number's digits.
    SELLER_PEPPOL_ID = os.environ.get("SELLER_PEPPOL_ID", "")
    # Accounts for the SIE export (BAS chart of accounts).
    SIE_ACCOUNT_RECEIVABLE = os.environ.get("SIE_ACCOUNT_RECEIVABLE", "1510")
    SIE_ACCOUNT_REVENUE = os.environ.get("SIE_ACCOUNT_REVENUE", "3041")
    SIE_ACCOUNT_REVENUE_NO_VAT = os.environ.get("SIE_ACCOUNT_REVENUE_NO_VAT", "3990")
    SIE_ACCOUNT_VAT = os.environ.get("SIE_ACCOUNT_VAT", "2611")
    SIE_ACCOUNT_BANK = os.environ.get("SIE_ACCOUNT_BANK", "1930")
    SIE_VOUCHER_SERIES = os.environ.get("SIE_VOUCHER_SERIES", "A")
    # The accounts' names in the SIE file (empty: the BAS name of the default account).
    SIE_ACCOUNT_NAME_RECEIVABLE = os.environ.get("SIE_ACCOUNT_NAME_RECEIVABLE", "")
    SIE_ACCOUNT_NAME_REVENUE = os.environ.get("SIE_ACCOUNT_NAME_REVENUE", "")
    SIE_ACCOUNT_NAME_REVENUE_NO_VAT = os.environ.get("SIE_ACCOUNT_NAME_REVENUE_NO_VAT", "")
    SIE_ACCOUNT_NAME_VAT = os.environ.get("SIE_ACCOUNT_NAME_VAT", "")
    SIE_ACCOUNT_NAME_BANK = os.environ.get("SIE_ACCOUNT_NAME_BANK", "")
    # Production readiness (eventapp/security.py, form_guard.py, services/privacy.py)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Seconds a person needs at least to fill in the registration form; 0 switches the check off.
    REGISTRATION_MIN_FILL_SECONDS = float(os.environ.get("EVENTAPP_MIN_FILL_SECONDS", "3"))
    #: Seconds a shown registration form may be sent before it is shown again with "send it again".
    REGISTRATION_FORM_MAX_SECONDS = float(os.environ.get("EVENTAPP_FORM_MAX_SECONDS", "3600"))
    #: Proxies in front of the app that set X-Forwarded-For (nginx, a load balancer): their number.
    TRUSTED_PROXIES = int(os.environ.get("EVENTAPP_TRUSTED_PROXIES", "0"))
    #: Days after an event's end before attendees' personal data is purged.
    PRIVACY_RETENTION_DAYS = int(os.environ.get("EVENTAPP_PRIVACY_RETENTION_DAYS", "90"))

    #: Outgoing mail beyond MAIL_SERVER/MAIL_PORT: STARTTLS, or TLS from the start (port 465), and a login.
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))
    #: E-mails sent per claim of the outbox.
    OUTBOX_BATCH_SIZE = 100
    #: The job queue of the worker (eventapp/jobs.py): empty for REDIS_URL if set, else a SQLite file in
    #: the instance folder; or sqlite:///path, redis://host, memory:// (jobs run only when asked: tests).
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "")
    #: The queue's name: installations sharing one Redis each need their own.
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME", "eventapp")
    #: How much lower than the web server's the worker's CPU priority is (nice, 0-19).
    WORKER_NICE = int(os.environ.get("WORKER_NICE", "10"))


class DevelopmentConfig(Config):
    DEBUG = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    #: Scripted walk-throughs of the demo fill in the form faster than a person.
    REGISTRATION_MIN_FILL_SECONDS = float(os.environ.get("EVENTAPP_MIN_FILL_SECONDS", "0"))


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"))
    #: One process, counters reset between tests (tests/deploy sets a shared store of its own).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    EVENTAPP_BASE_URL = "http://localhost"
    REGISTRATION_MIN_FILL_SECONDS = 0
    MAIL_SERVER = None
    #: Tests run the queued jobs themselves (``jobs.run_queued``); tests/test_worker.py runs a real worker.
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "memory://")


class ProductionConfig(Config):
    #: Refuse to start with debug on or a SECRET_KEY shorter than MIN_SECRET_KEY_BYTES, and refuse seed-demo.
    PRODUCTION = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("EVENTAPP_ENV", "production")]
