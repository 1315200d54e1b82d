"""The two e-mails staff get: an invitation to the back office, and a link to choose a new password.

Both carry a one-time link (``staff_accounts``) and go through the outbox like every e-mail, queued in
the transaction that issues the link. Queueing is this one function, so that it can follow the
outbox when messages are composed as they are sent.
"""
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..formatting import format_datetime
from ..models import OutboxMessage, OutboxStatus, Role, User
from .email_addresses import sendable
from .notifications import absolute_url, one_line, sender

INVITATION = "staff_invitation"
RESET = "password_reset"
#: These messages carry a link that sets a password: the outbox page shows them to administrators only.
KINDS = (INVITATION, RESET)
#: 7-bit transfer encodings, so any SMTP server takes the message and it is stored as text.
POLICY = SMTP.clone(cte_type="7bit")


def queue(kind: str, user: User, token: str, now: datetime, *, valid_until: datetime, language: str,
          inviter: User | None = None) -> OutboxMessage:
    """Write the ``kind`` e-mail with the link ``token`` to ``user``; the caller commits it with the link."""
    link = absolute_url("auth.choose_password", token=token)
    with force_locale(language):
        subject = one_line(_("Your account for %(site)s", site=current_app.config["ORGANISER_NAME"])
                           if kind == INVITATION else _("Choose a new password"))
        context = {"user": user, "link": link, "valid_until": format_datetime(valid_until),
                   "role": Role(user.role).label, "inviter": (inviter.name or inviter.email) if inviter else "",
                   "site": current_app.config["ORGANISER_NAME"], "subject": subject, "language": language}
        text = render_template(f"emails/{kind}.txt", **context)
        html = render_template(f"emails/{kind}.html", **context)
    recipient = sendable(user.email)
    mime = EmailMessage(policy=POLICY)
    mime["Subject"] = subject
    mime["From"] = sender()
    mime["To"] = Address(one_line(user.name), addr_spec=recipient)
    mime["Date"] = rfc2822_date(now)
    mime["Message-ID"] = make_msgid(domain=sender().domain or None)
    mime["Auto-Submitted"] = "auto-generated"
    mime["Content-Language"] = language
    mime.set_content(text)
    mime.add_alternative(html, subtype="html")
    message = OutboxMessage(kind=kind, registration_id=None, event_id=None, recipient=recipient,
                            subject=subject[:400], message=mime.as_string(policy=POLICY),
                            status=OutboxStatus.PENDING, created_at=now, next_attempt_at=now, attempts=0,
                            server_reply="")
    db.session.add(message)
    return message
