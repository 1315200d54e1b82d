"""HTTP hardening in one place: response headers, the proxy in front, rate-limit settings, and the
limits of what a request may carry (its size, the nesting of its JSON, the ids in its address).

The templates carry no inline script and no ``style=`` attributes, so the Content-Security-Policy
can forbid both; a test keeps it that way.
"""
import json
import math
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import limiter
from .ids import IdConverter

#: Everything from this site only; no plug-ins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

#: No page may use the camera, the microphone, the location or payments...
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"
#: ...but the check-in pages, which scan badges with the camera of this site's own pages.
CAMERA_PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=()"

#: Defaults that configuration may override (per minute and address).
DEFAULTS = {
    #: Seconds browsers remember to use HTTPS only; sent outside development.
    "HSTS_SECONDS": 365 * 24 * 3600,
    #: How many proxies in front of the app set X-Forwarded-For/-Proto (0: none, the app is reached directly).
    "TRUSTED_PROXIES": 0,
    #: Registrations sent from one address; an office behind one NAT still gets through.
    "RATELIMIT_REGISTRATION": "30 per minute",
    #: Requests to personal links (/r/<token>) from one address: guessing a token is hopeless anyway.
    "RATELIMIT_PERSONAL_LINK": "60 per minute",
    #: Asking for one's link again from one address (each registration also gets at most one such
    #: e-mail per 10 minutes, whoever asks).
    "RATELIMIT_RESEND": "10 per minute",
}

#: Levels of nesting a JSON body may have; the API's deepest document has four.
MAX_JSON_DEPTH = 32


def init_app(app: Flask) -> None:
    """Attach the headers and the proxy settings to ``app``."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Without this every attendee behind the proxy shares one address and one rate limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(set_security_headers)
    app.request_class = Request
    app.json = JSONProvider(app)
    # Before any blueprint adds its rules: every <int:…> in an address is a bounded id.
    app.url_map.converters["int"] = IdConverter


def set_security_headers(response: Response) -> Response:
    """Add the security headers every response gets."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Personal links carry a secret: never send the address to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not current_app.debug and current_app.config["HSTS_SECONDS"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={int(current_app.config['HSTS_SECONDS'])}")
    if _private_page():
        # A shared computer's browser cache must not show someone's registration or the back office.
        headers["Cache-Control"] = "no-store"
    return response


#: An e-mail's HTML shown in the back office: its own inline styles and data: images, nothing that
#: runs, framed only by this site's page about the message.
MAIL_HTML_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
                    "frame-ancestors 'self'")


def as_framed_mail(response: Response) -> Response:
    """``response`` (an e-mail's HTML) with the headers that let only this site frame it, inert."""
    response.headers["Content-Security-Policy"] = MAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def allow_camera(response: Response) -> Response:
    """For a blueprint's after_request: its pages may use the camera (set before the app's defaults)."""
    response.headers["Permissions-Policy"] = CAMERA_PERMISSIONS_POLICY
    return response


def _private_page() -> bool:
    return request.path.startswith("/r/") or bool(getattr(current_user, "is_authenticated", False))


def registration_limit() -> str:
    """The rate limit of the public registration form (configurable)."""
    return current_app.config["RATELIMIT_REGISTRATION"]


def resend_limit() -> str:
    """The rate limit of asking for one's personal link again (configurable)."""
    return current_app.config["RATELIMIT_RESEND"]


def personal_link_limit() -> str:
    """The rate limit of personal-link pages (configurable)."""
    return current_app.config["RATELIMIT_PERSONAL_LINK"]


def retry_after_seconds() -> int:
    """Seconds until the rate limit this request ran into lets requests through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, min(math.ceil(current.reset_at - time.time()), current.limit.get_expiry()))


# What a request may carry ------------------------------------------------------------------------


def accepts_larger_requests(max_bytes: int) -> Callable:
    """Let the decorated view take request bodies of up to ``max_bytes`` (an upload whose own limit the
    service states beside the field, rather than the bare "too large" page)."""
    def decorator(view: Callable) -> Callable:
        view.max_content_length = max_bytes
        return view
    return decorator


class Request(FlaskRequest):
    """Flask's request, with the size limit of the view it goes to (``accepts_larger_requests``).

    Looked up from the matched rule rather than set by the view, because the CSRF check reads the
    form before any view runs. Only a logged-in user's request gets the larger limit: an anonymous
    one is refused at the common limit before its body is read.
    """

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        view = current_app.view_functions.get(self.endpoint) if self.endpoint else None
        larger = getattr(view, "max_content_length", None)
        if larger is not None and current_user.is_authenticated:
            return larger
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than ``MAX_JSON_DEPTH`` as invalid JSON.

    Python's parser recurses once per level and fails with a RecursionError, not a ValueError, on
    thousands of them; both become the ValueError that ``get_json`` answers with 400.
    """

    def loads(self, s: str | bytes, **kwargs) -> object:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _depth_exceeds(value, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deeply")
        return value


def _depth_exceeds(value: object, limit: int) -> bool:
    """Whether lists and objects are nested more than ``limit`` levels deep (without recursing)."""
    level = [value]
    for _ in range(limit):
        level = [child for item in level if isinstance(item, list | dict)
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return any(isinstance(item, list | dict) for item in level)
