"""Reminders of overdue invoices: once per invoice, the day after its due date, to the buyer's e-mail.

An invoice sent by e-mail is reminded where it went; one sent by Peppol is reminded to the e-mail of
whoever booked (the buyer's contact), with the PDF as a copy. Finance sees the day on the invoice.
"""
from datetime import datetime

from sqlalchemy import select

from ..database import begin_write
from ..extensions import db
from ..models import Invoice, InvoiceKind
from . import audit, invoice_mail
from .errors import InvoicingRefused
from .invoicing import local_date


def remind_overdue(now: datetime) -> list[int]:
    """Queue a reminder for each invoice past its due date with something left to pay and no reminder
    yet; the numbers reminded. The invoices are locked: a worker running the job at the same moment
    waits, then finds them reminded (on SQLite the writing transaction does the same)."""
    today = local_date(now)
    reminded = []
    begin_write()
    try:
        due = db.session.scalars(select(Invoice).where(
            Invoice.kind == InvoiceKind.INVOICE, Invoice.due_date < today, Invoice.paid_on.is_(None),
            Invoice.reminded_on.is_(None)).order_by(Invoice.number).with_for_update())
        for invoice in due:
            if invoice.to_pay <= 0:
                continue
            recipient = invoice_mail.stored_recipient(invoice) or invoice.buyer_email
            try:
                invoice_mail.queue(invoice, now, recipient, reminder=True)
            except InvoicingRefused:  # no address that can be mailed: finance follows it up by hand
                continue
            invoice.reminded_on = today
            audit.record("invoice.reminded", invoice, actor=None, now=now, event_id=invoice.event_id,
                         number=invoice.number, recipient=recipient)
            reminded.append(invoice.number)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return reminded
