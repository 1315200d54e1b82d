"""Invoices and credit notes by e-mail: queued in the outbox with the change, composed at delivery.

A buyer without a Peppol address gets the PDF by e-mail (``Delivery.EMAIL``). The outbox row is
written in the transaction that issues the invoice or credit note, so nothing is issued without its
e-mail and an SMTP outage loses nothing. The PDF is rendered by the deliverer when it first picks
the row up: rendering takes a few tenths of a second per document, too long to hold an issuing
run's write lock for, and an issued document never changes, so it is the same whenever rendered.

A document counts as sent (``sent_on``, ``sent_via = "email"``) on the day a mail server accepted
the message: not when it is queued, and not when development only keeps it in ``instance/mail/``.
"""
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid
from typing import TYPE_CHECKING

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import jobs
from ..exports.invoice_pdf import document_filename, invoice_pdf
from ..extensions import db
from ..localtime import local_date
from ..models import Delivery, Invoice, OutboxMessage, OutboxStatus, User
from . import audit
from .email_addresses import checked_email, sendable
from .errors import InvalidEmailAddress, InvoicingRefused
from .notifications import one_line, sender
from .seller import Seller

if TYPE_CHECKING:
    from .outbox import Outgoing

#: The outbox kind of an invoice's or credit note's e-mail.
KIND = "invoice"
#: The invoice and its e-mail are in Swedish, like the PDF: they go to the buyer's accounts payable.
LANGUAGE = "sv"
WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
#: 7-bit transfer encodings throughout, so any SMTP server takes the message and it is stored as text.
POLICY = SMTP.clone(cte_type="7bit")


def checked_address(value: str) -> str:
    """An e-mail address fit for the To header and any SMTP server (ASCII), or InvoicingRefused."""
    try:
        return sendable(checked_email(value, field="recipient"))
    except InvalidEmailAddress as refused:
        raise InvoicingRefused(refused.message, field="recipient") from None


def _usable(value: str) -> str:
    """``value`` as a checked address, or "" if it is none."""
    try:
        return checked_address(value)
    except InvoicingRefused:
        return ""


def address_in(text: str) -> str:
    """The first e-mail address in a free-text invoice address ("Box 12 … / faktura@…"), or ""."""
    words = (word.strip("<>()[]\"'.:") for word in text.replace(",", " ").replace(";", " ").split())
    return next((address for address in map(_usable, (w for w in words if "@" in w)) if address), "")


def _messages_of(invoice_ids: list[int]):
    return select(OutboxMessage).where(OutboxMessage.kind == KIND, OutboxMessage.invoice_id.in_(invoice_ids))


def stored_recipient(invoice: Invoice) -> str:
    """An e-mail address written in the buyer's invoice address, else the attendee's own, or ""."""
    return address_in(invoice.buyer_address) or _usable(invoice.buyer_email)


def default_recipient(invoice: Invoice) -> str:
    """Where the document goes, or "" if nowhere is known.

    The address it (for a credit note: the invoice it credits) was last delivered to, else was last
    queued for, so a corrected address is kept; else the address stored with the buyer.
    """
    documents = [invoice.id] + ([invoice.credited_invoice_id] if invoice.credited_invoice_id else [])
    earlier = db.session.scalars(_messages_of(documents).order_by(
        (OutboxMessage.status == OutboxStatus.SENT).desc(), OutboxMessage.id.desc())).first()
    return earlier.recipient if earlier is not None else stored_recipient(invoice)


def subject_of(invoice: Invoice) -> str:
    seller = invoice.seller.get("name", "")
    with force_locale(LANGUAGE):
        if invoice.is_credit_note:
            return one_line(_("Credit note %(number)d from %(seller)s", number=invoice.number, seller=seller))
        return one_line(_("Invoice %(number)d from %(seller)s", number=invoice.number, seller=seller))


def queue(invoice: Invoice, now: datetime, recipient: str, *, actor: User | None = None,
          reminder: bool = False) -> OutboxMessage:
    """Write the document's e-mail to the outbox and the audit log; the caller commits it with its change.
    ``reminder``: the invoice again, as a reminder that it is overdue."""
    db.session.flush()  # the invoice needs its id
    subject = subject_of(invoice)
    if reminder:
        with force_locale(LANGUAGE):
            subject = one_line(_("Reminder: %(subject)s is overdue", subject=subject))
    message = OutboxMessage(
        kind=KIND, invoice_id=invoice.id, event_id=invoice.event_id, registration_id=None,
        recipient=checked_address(recipient), subject=subject[:400],
        status=OutboxStatus.PENDING, created_at=now, next_attempt_at=now, attempts=0, server_reply="",
    )
    db.session.add(message)
    jobs.deliver_after_commit()
    db.session.flush()
    audit.record("invoice.email_queued", invoice, actor=actor, now=now, event_id=invoice.event_id,
                 number=invoice.number, recipient=message.recipient, message=message.id)
    return message


def queue_if_emailed(invoice: Invoice, now: datetime, *, actor: User | None = None) -> OutboxMessage | None:
    """At issue: queue the e-mail of a document that goes by e-mail and has somewhere to go."""
    if invoice.delivery != Delivery.EMAIL:
        return None
    if invoice.is_credit_note:
        db.session.flush()  # the invoice it credits needs its id
        recipient = default_recipient(invoice)
    else:
        recipient = stored_recipient(invoice)  # a new invoice has no e-mail yet
    return queue(invoice, now, recipient, actor=actor) if recipient else None


def is_waiting(invoice: Invoice, recipient: str) -> bool:
    """Whether an e-mail of the document to ``recipient`` is still to be delivered (a second click)."""
    waiting = _messages_of([invoice.id]).where(
        OutboxMessage.status.in_(WAITING), func.lower(OutboxMessage.recipient) == recipient.lower())
    return db.session.scalars(waiting.limit(1)).first() is not None


def messages_for(invoice: Invoice) -> list[OutboxMessage]:
    """The document's e-mails, newest first."""
    return list(db.session.scalars(_messages_of([invoice.id]).order_by(OutboxMessage.id.desc())))


def latest_messages(invoices: list[Invoice]) -> dict[int, OutboxMessage]:
    """The newest e-mail of each listed document that has one, in one query."""
    latest: dict[int, OutboxMessage] = {}
    ids = [invoice.id for invoice in invoices]
    for message in db.session.scalars(_messages_of(ids).order_by(OutboxMessage.id)):
        latest[message.invoice_id] = message
    return latest


def undelivered(invoices: list[Invoice], latest: dict[int, OutboxMessage]) -> list[Invoice]:
    """Documents not marked sent whose newest e-mail failed for good: finance must act on them."""
    return [invoice for invoice in invoices if invoice.sent_on is None and invoice.id in latest
            and latest[invoice.id].status == OutboxStatus.FAILED]


# Composing and delivering ---------------------------------------------------------------------


def compose(message: "Outgoing", now: datetime) -> str:
    """The whole RFC 5322 message: a text and an HTML part and the document as a PDF attachment."""
    invoice = db.session.get(Invoice, message.invoice_id)
    seller = Seller.from_snapshot(invoice.seller)
    with force_locale(LANGUAGE):
        context = {"invoice": invoice, "seller": seller}
        text = render_template("emails/invoice.txt", **context)
        html = render_template("emails/invoice.html", subject=message.subject, **context)
    mime = EmailMessage(policy=POLICY)
    from_address = sender()
    mime["Subject"] = message.subject
    mime["From"] = from_address
    mime["To"] = Address(one_line(invoice.buyer_name), addr_spec=message.recipient)
    reply_to = _usable(seller.email)  # questions about the invoice go to the seller's invoice address
    if reply_to:
        mime["Reply-To"] = Address(one_line(seller.name), addr_spec=reply_to)
    mime["Date"] = rfc2822_date(now)
    mime["Message-ID"] = make_msgid(domain=from_address.domain or None)
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(text)
    mime.add_alternative(html, subtype="html")
    mime.add_attachment(invoice_pdf(invoice), maintype="application", subtype="pdf",
                        filename=document_filename(invoice, "pdf"))
    mime["Content-Language"] = LANGUAGE
    return mime.as_string(policy=POLICY)


def record_delivery(message: "Outgoing", now: datetime) -> None:
    """A mail server accepted the document's e-mail: it is sent today, unless already marked sent."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == message.invoice_id).with_for_update()
                                .execution_options(populate_existing=True))  # as finance's "mark sent" does
    if invoice is None or invoice.sent_on is not None:
        return
    changed = audit.changes(invoice, {"sent_on": local_date(now), "sent_via": str(Delivery.EMAIL)})
    audit.record("invoice.sent", invoice, actor=None, now=now, event_id=invoice.event_id, changes=changed,
                 recipient=message.recipient, message=message.id)
