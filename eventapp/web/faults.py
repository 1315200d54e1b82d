"""When the database is locked, busy or gone, or a write clashed with a concurrent one that the
service could not settle: a clear "try again" answer (503), never a 500.

The services roll their transaction back on any error, so nothing half-written remains; the
attendee is told that nothing was saved and can send the form again.
"""
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..extensions import db

bp = Blueprint("faults", __name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 5


@bp.app_errorhandler(OperationalError)
@bp.app_errorhandler(InterfaceError)
@bp.app_errorhandler(PoolTimeout)
@bp.app_errorhandler(IntegrityError)
def database_unavailable(error):
    current_app.logger.warning("Database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the connection may be gone; a fresh session comes next request)
        db.session.remove()
    message = _l("Many people are registering right now, or the database could not be reached. "
                 "Nothing was saved. Please try again in a moment.")
    headers = {"Retry-After": str(RETRY_AFTER)}
    if request.path.startswith("/api/"):
        return jsonify(error="unavailable", message=str(message)), 503, headers
    try:
        page = render_template("errors/error.html", title=_l("Please try again"), message=message, code=503)
    except Exception:  # noqa: BLE001 (the page itself may need the database, e.g. for the logged-in user)
        return Response(str(message), status=503, headers=headers, mimetype="text/plain")
    return page, 503, headers
