"""HTTP hardening in one place: response headers, the proxy in front, and rate-limit settings.

The templates carry no inline script and no ``style=`` attributes, so the Content-Security-Policy
can forbid both; a test keeps it that way.
"""
from flask import Flask, Response, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

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
}


def init_app(app: Flask) -> None:
    """Attach the headers and the proxy settings to ``app``."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Without this every attendee behind the proxy shares one address and one rate limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(set_security_headers)


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


def allow_camera(response: Response) -> Response:
    """For a blueprint's after_request: its pages may use the camera (set before the app's defaults)."""
    response.headers["Permissions-Policy"] = CAMERA_PERMISSIONS_POLICY
    return response


def _private_page() -> bool:
    return request.path.startswith("/r/") or bool(getattr(current_user, "is_authenticated", False))


def registration_limit() -> str:
    """The rate limit of the public registration form (configurable)."""
    return current_app.config["RATELIMIT_REGISTRATION"]


def personal_link_limit() -> str:
    """The rate limit of personal-link pages (configurable)."""
    return current_app.config["RATELIMIT_PERSONAL_LINK"]
