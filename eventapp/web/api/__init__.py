"""REST API v1 (/api/v1): JSON, bearer tokens, role checks, errors with stable codes.

A request is authenticated by ``Authorization: Bearer <token>`` (see ``flask --app eventapp tokens
create``). A logged-in browser session is accepted too, but then a change needs the session's CSRF
token (``X-CSRFToken``): CSRF protection is waived for bearer requests only, which a browser never
sends by itself.

Each area is a module of its own that adds its routes to ``bp`` and its paths to the OpenAPI
document (``openapi.add_paths``); import it at the end of this file.
"""
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ...database import utcnow
from ...extensions import csrf, db
from ...models import Role, User
from ...services.api_tokens import user_for_token
from ...services.errors import DomainError, NotFound, ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

#: HTTP status of a domain error, by its code; a rule saying no to the current state is 409.
STATUS_BY_CODE = {
    NotFound.code: 404,
    ValidationFailed.code: 422,
    "invalid_org_number": 422,
    "invalid_email": 422,
    "unknown_code": 422,
    "forbidden": 403,
}

#: Stable error codes of HTTP-level failures.
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "too_large", 415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    500: "server_error",
}

HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Send a valid API token: Authorization: Bearer <token>."),
    403: _l("Your account may not do this."),
    404: _l("There is nothing at this address."),
    405: _l("This method is not allowed here."),
    413: _l("The request body is too large."),
    429: _l("Too many requests. Wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing was saved."),
}


class ApiError(Exception):
    """An API failure with its HTTP status, stable code, message and field errors."""

    def __init__(self, status: int, code: str, message, fields: dict | None = None):
        super().__init__(str(message))
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_response(status: int, code: str, message, fields: dict | None = None):
    """The one shape of every API error: {"error": {"code", "message", "fields"?}}."""
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="eventapp"'
    return response


def http_error_response(error: HTTPException):
    """An HTTP error (404, 405, 429, …) in the API's JSON shape, with its Allow or Retry-After."""
    from .. import error_headers

    status = error.code or 500
    response = error_response(status, HTTP_CODES.get(status, "error"), HTTP_MESSAGES.get(status, error.name))
    response.headers.update(error_headers(error))
    return response


def is_api_request() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


def api_user() -> User | None:
    """The account the current API request acts for."""
    return g.get("api_user")


def require_role(*roles: Role) -> Callable:
    """Refuse the view unless the caller is authenticated (401) and has one of ``roles`` (403)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = api_user()
            if user is None:
                raise ApiError(401, "unauthorized", HTTP_MESSAGES[401])
            if not user.has_role(*roles):
                raise ApiError(403, "forbidden", HTTP_MESSAGES[403])
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorator


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _l("The body must be a JSON object."))
    return body


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip(), now=utcnow()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, "invalid_token", _l("The API token is not valid, or it has been revoked."))
        g.api_user = user
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.api_user = current_user._get_current_object()
    else:
        g.api_user = None


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields)


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    db.session.rollback()
    status = STATUS_BY_CODE.get(error.code, 409)
    fields = getattr(error, "errors", None) or ({error.field: [error.message]} if error.field else None)
    return error_response(status, error.code, error.message, fields)


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    return error_response(400, "csrf_failed", _l("A browser session needs its CSRF token (X-CSRFToken) to "
                                                 "change anything; programs use a bearer token."))


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return http_error_response(error)


from . import checkins, events, invoices, messages, openapi, registrations  # noqa: E402, F401  (each adds its routes to bp)
