"""The two e-mails staff get: an invitation to the back office, and a link to choose a new password.

Both go through the outbox like every e-mail. The link itself (``StaffLink``) is made in the
transaction that queues the message, without its secret; the worker gives it one when it writes the
e-mail (``compose``), so the secret is never stored, only its hash.
"""
from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from .. import jobs
from ..extensions import db
from ..formatting import format_datetime
from ..models import OutboxMessage, OutboxStatus, Role, StaffLink, User
from .email_addresses import sendable
from .notifications import NothingToSend, absolute_url, one_line, sender
from .personal_links import new_verifier

INVITATION = "staff_invitation"
RESET = "password_reset"
#: These messages carry a link that sets a password: the outbox page shows them to administrators only.
KINDS = (INVITATION, RESET)
#: 7-bit transfer encodings, so any SMTP server takes the message.
POLICY = SMTP.clone(cte_type="7bit")


def queue(kind: str, user: User, link: StaffLink, now: datetime, *, language: str,
          inviter: User | None = None) -> OutboxMessage:
    """Queue the ``kind`` e-mail carrying ``link`` to ``user``; the caller commits it with the link."""
    db.session.flush()  # the link needs its id
    with force_locale(language):
        subject = _subject(kind)
    message = OutboxMessage(kind=kind, registration_id=None, event_id=None, recipient=sendable(user.email),
                            subject=subject[:400], details={"link": link.id, "language": language,
                                                            "inviter": inviter.id if inviter else None},
                            status=OutboxStatus.PENDING, created_at=now, next_attempt_at=now, attempts=0,
                            server_reply="")
    db.session.add(message)
    jobs.deliver_after_commit()
    return message


def _subject(kind: str) -> str:
    if kind == INVITATION:
        return one_line(_("Your account for %(site)s", site=current_app.config["ORGANISER_NAME"]))
    return one_line(_("Choose a new password"))


def compose(message, *, with_link: bool = True) -> tuple[str, Callable[[], None] | None]:
    """The whole e-mail of a queued ``message``, and the step that stores its link's new secret (to be
    run before it is sent). ``with_link=False``: for reading in the back office, without the secret."""
    details = message.details or {}
    link = db.session.get(StaffLink, details.get("link"))
    if link is None or link.used_at is not None or message.created_at >= link.expires_at:
        raise NothingToSend("Not sent: the link was used or replaced before the e-mail was written.")
    user = db.session.get(User, link.user_id)
    inviter = db.session.get(User, details["inviter"]) if details.get("inviter") else None
    token, store = "…", None
    if with_link:
        verifier, verifier_hash = new_verifier()
        token = link.selector + verifier
        link_id = link.id

        def store():
            db.session.execute(update(StaffLink).where(StaffLink.id == link_id).values(verifier_hash=verifier_hash),
                               execution_options={"synchronize_session": False})

    language = details.get("language") or "sv"
    with force_locale(language):
        context = {"user": user, "link": absolute_url("auth.choose_password", token=token),
                   "valid_until": format_datetime(link.expires_at), "role": Role(user.role).label,
                   "inviter": (inviter.name or inviter.email) if inviter else "",
                   "site": current_app.config["ORGANISER_NAME"], "subject": message.subject, "language": language}
        text = render_template(f"emails/{message.kind}.txt", **context)
        html = render_template(f"emails/{message.kind}.html", **context)
    mime = EmailMessage(policy=POLICY)
    mime["Subject"] = message.subject
    mime["From"] = sender()
    mime["To"] = Address(one_line(user.name), addr_spec=message.recipient)
    mime["Date"] = rfc2822_date(message.created_at)
    mime["Message-ID"] = make_msgid(domain=sender().domain or None)
    mime["Auto-Submitted"] = "auto-generated"
    mime["Content-Language"] = language
    mime.set_content(text)
    mime.add_alternative(html, subtype="html")
    return mime.as_string(policy=POLICY), store
