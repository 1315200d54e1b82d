"""Thin blueprints: parse the request, call one service, turn the outcome into a response."""
from flask import Flask, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db, login_manager
from ..security import retry_after_seconds
from ..services import accounts

ERROR_TITLES = {
    400: _l("The request could not be handled"),
    403: _l("You do not have access to this page"),
    404: _l("The page was not found"),
    405: _l("That is not possible here"),
    413: _l("What was sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}


def error_message(code: int) -> str | None:
    """What the error page says beyond its title, where there is more to say."""
    if code == 413:
        return _("Forms and files sent here may be at most %(size)s MB. Go back and send less.",
                 size=f"{(request.max_content_length or 0) / 2**20:g}")
    return None


def error_headers(error: HTTPException) -> dict[str, str]:
    """The headers an error answer must keep: what a 405 allows, when a 429 may try again."""
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if error.code == 429:
        headers["Retry-After"] = str(retry_after_seconds())
    return headers


def register_blueprints(app: Flask) -> None:
    from . import (
        admin,
        api,
        auth,
        badges,
        checkin,
        feedback,  # noqa: F401  (its views belong to manage and admin)
        groups,
        manage,
        public,
        theme,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(theme.bp)

    from . import finance, noshows

    app.register_blueprint(noshows.bp)
    app.register_blueprint(finance.bp)

    from . import faults, health, privacy

    app.register_blueprint(faults.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(privacy.bp)

    from . import calendar, certificates, invoice_details, navigation, outbox, staff

    app.register_blueprint(certificates.bp)

    app.register_blueprint(navigation.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(outbox.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(invoice_details.bp)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if api.is_api_request():
            return api.csrf_error(error)
        message = _l("The form had expired or was sent from elsewhere. Go back, reload the page and try again.")
        return render_template("errors/error.html", title=ERROR_TITLES[400], message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        if api.is_api_request():
            return api.http_error_response(error)
        code = error.code or 500
        title = ERROR_TITLES.get(code, error.name)
        return (render_template("errors/error.html", title=title, message=error_message(code), code=code),
                code, error_headers(error))

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        if api.is_api_request():
            return api.error_response(500, "server_error", api.HTTP_MESSAGES[500])
        return render_template("errors/error.html", title=ERROR_TITLES[500], message=None, code=500), 500

    @app.before_request
    def refuse_nul_characters():
        """A NUL is never legitimate input, and PostgreSQL refuses it in text: answer 400, not 500.

        Addresses and forms only: a filter in the query string is the view's to ignore when odd.
        """
        values = list((request.view_args or {}).values())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values())
        if any(isinstance(value, str) and "\x00" in value for value in values):
            abort(400)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to continue.")

    @login_manager.user_loader
    def load_user(session_id: str):
        # On every request: a session ended by logout, a new password or deactivation finds no user.
        return accounts.user_for_session(session_id)
