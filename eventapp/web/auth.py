"""Logging in and out of the back office."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import current_language
from ..database import utcnow
from ..extensions import limiter
from ..forms import ChoosePasswordForm, LoginForm, PasswordResetForm
from ..models import Role
from ..services import staff_accounts
from ..services.accounts import authenticate, end_sessions
from ..services.errors import DomainError

bp = Blueprint("auth", __name__)

#: Where each role starts after logging in: the first of these pages that exists.
START_PAGES = {
    Role.ADMIN: ("admin.dashboard",),
    Role.ORGANISER: ("admin.dashboard",),
    Role.FINANCE: ("finance.index", "finance.invoices", "public.index"),
    Role.CHECKIN: ("checkin.index",),
}


def back_office_url() -> str:
    """The start page of the logged-in user's role."""
    role = current_user.role if current_user.is_authenticated else Role.ORGANISER
    for endpoint in START_PAGES.get(role, ("public.index",)):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("public.index")


#: Session key of the time of the last request, for the idle timeout.
LAST_SEEN = "seen"


@bp.before_app_request
def log_out_when_idle():
    """End a back-office session after IDLE_TIMEOUT seconds without a request, or when the account is closed."""
    if not current_user.is_authenticated:
        return
    now = int(utcnow().timestamp())
    last_seen = session.get(LAST_SEEN)
    idle = not isinstance(last_seen, int) or now - last_seen > current_app.config["IDLE_TIMEOUT"]
    if idle or not current_user.is_active:
        logout_user()
        session.clear()
        flash(_("You were logged out after a while without activity. Log in again to continue."), "info")
    elif now - last_seen >= 60:  # rewriting the cookie on every request is needless
        session[LAST_SEEN] = now


@bp.app_context_processor
def _back_office_link():
    return {"back_office_url": back_office_url}


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return back_office_url()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong e-mail address or password.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


def _start_session(user) -> None:
    language = session.get("lang")
    session.clear()  # a fresh session on login
    if language:
        session["lang"] = language
    login_user(user)
    session.permanent = True
    session[LAST_SEEN] = int(utcnow().timestamp())


@bp.route("/login/reset", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def reset_password():
    """"Glömt lösenord?": the same answer whether or not the address has an account."""
    form = PasswordResetForm()
    if form.validate_on_submit():
        staff_accounts.request_password_reset(form.email.data, now=utcnow(), language=current_language())
        return render_template("auth/reset_sent.html", email=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/login/password/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def choose_password(token: str):
    """Choose a password with the link of an invitation or a reset; a bad link gets a page saying so."""
    now = utcnow()
    try:
        link = staff_accounts.link_for(token, now)
    except staff_accounts.LinkRefused as refused:
        return _refused_link(refused)
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = staff_accounts.choose_password(token, form.password.data, form.repeat.data, now=now)
        except staff_accounts.LinkRefused as refused:
            return _refused_link(refused)
        except DomainError as error:
            form[error.field if error.field in form else "password"].errors.append(str(error))
        else:
            if current_user.is_authenticated:
                logout_user()
            _start_session(user)
            flash(_("Your password is saved. You are logged in."), "success")
            return redirect(back_office_url())
    status = 422 if request.method == "POST" else 200
    return render_template("auth/choose_password.html", form=form, link=link), status


def _refused_link(refused):
    status = 404 if refused.reason == "invalid" else 410
    return render_template("auth/link_refused.html", refused=refused), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Every session of the account, not just this cookie: a copy of it must not outlive the logout.
        end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))
