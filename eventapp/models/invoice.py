"""No-show charges and the invoices, credit notes and payments that follow them (rules 6 and 7)."""
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, inspect
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .event import Event
from .registration import Registration
from .user import User


class VatTreatment(StrEnum):
    #: 25 %: Skatteverket treats a no-show fee as payment for the service that was booked.
    STANDARD = "standard"
    #: Outside the scope of VAT (e.g. a fee regarded as damages); needs an exemption reason.
    OUTSIDE_SCOPE = "outside_scope"

    @property
    def label(self):
        return {
            VatTreatment.STANDARD: _l("25 % VAT (standard rate)"),
            VatTreatment.OUTSIDE_SCOPE: _l("Outside the scope of VAT"),
        }[self]


class ChargeKind(StrEnum):
    NO_SHOW = "no_show"
    LATE_CANCELLATION = "late_cancellation"

    @property
    def label(self):
        return {ChargeKind.NO_SHOW: _l("No-show"), ChargeKind.LATE_CANCELLATION: _l("Late cancellation")}[self]


class EventBilling(db.Model):
    """How an event's no-show fees are charged: the VAT treatment and the organiser's approval."""

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    vat_treatment: Mapped[str] = mapped_column(String(20), default=VatTreatment.STANDARD)
    #: Printed on the invoice when the fee is outside the scope of VAT.
    vat_exemption_reason: Mapped[str] = mapped_column(String(200), default="")
    #: Set when an organiser approved the no-show list; only then can finance invoice.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    event: Mapped[Event] = relationship()
    approved_by: Mapped[User | None] = relationship()

    @property
    def vat_rate(self) -> int:
        """The VAT rate in per cent."""
        return 25 if self.vat_treatment == VatTreatment.STANDARD else 0


class NoShowCharge(db.Model):
    """One person's fee: a no-show or a charged late cancellation, possibly waived."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: The fee excluding VAT in öre, fixed at approval.
    amount: Mapped[int] = mapped_column(Integer, default=0)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    waive_reason: Mapped[str] = mapped_column(String(500), default="")

    registration: Mapped[Registration] = relationship()
    waived_by: Mapped[User | None] = relationship()

    @property
    def is_waived(self) -> bool:
        return self.waived_at is not None

    @property
    def kind_label(self):
        return ChargeKind(self.kind).label


class InvoiceSeries(db.Model):
    """The gap-free number series: its row is locked while a number is taken."""

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Delivery(StrEnum):
    PEPPOL = "peppol"
    EMAIL = "email"

    @property
    def label(self):
        return {Delivery.PEPPOL: _l("Peppol e-invoice"), Delivery.EMAIL: _l("PDF by e-mail")}[self]


class Invoice(db.Model):
    """An issued invoice or credit note. Everything but the follow-up fields is frozen at issue."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: From the one gap-free series shared by invoices and credit notes.
    number: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=InvoiceKind.INVOICE)
    #: For a credit note: the invoice it corrects.
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    due_date: Mapped[date] = mapped_column(Date)
    #: The seller's details as they were at issue (name, numbers, address, giro, terms).
    seller: Mapped[dict] = mapped_column(JSON)
    buyer_name: Mapped[str] = mapped_column(String(200))
    #: NNNNNN-NNNN.
    buyer_org_number: Mapped[str] = mapped_column(String(11))
    #: "0007:2120000142"; empty for a buyer without an e-invoice address.
    buyer_peppol_id: Mapped[str] = mapped_column(String(60), default="")
    #: The buyer's postal address (empty on invoices issued before it was asked for separately).
    buyer_street: Mapped[str] = mapped_column(String(200), default="", server_default="")
    buyer_postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    buyer_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: The buyer's extra invoice line as given (a c/o or an e-mail address); on invoices issued before
    #: the postal address was asked for separately, the whole address as typed.
    buyer_address: Mapped[str] = mapped_column(Text, default="")
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    buyer_reference: Mapped[str] = mapped_column(String(100), default="")
    delivery: Mapped[str] = mapped_column(String(10))
    vat_treatment: Mapped[str] = mapped_column(String(20))
    vat_exemption_reason: Mapped[str] = mapped_column(String(200), default="")
    #: Sums in öre (negative on a credit note).
    net_amount: Mapped[int] = mapped_column(Integer)
    vat_amount: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Follow-up: the only fields that change after issue.
    sent_on: Mapped[date | None] = mapped_column(Date)
    sent_via: Mapped[str] = mapped_column(String(10), default="")
    paid_on: Mapped[date | None] = mapped_column(Date)
    #: When the buyer was reminded that the invoice is overdue (once).
    reminded_on: Mapped[date | None] = mapped_column(Date)

    event: Mapped[Event] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="invoice", order_by="Payment.paid_on", cascade="all, delete-orphan"
    )
    refunds: Mapped[list["Refund"]] = relationship(
        back_populates="invoice", order_by="Refund.paid_on", cascade="all, delete-orphan"
    )
    credited_invoice: Mapped["Invoice | None"] = relationship(remote_side=[id], back_populates="credit_notes")
    credit_notes: Mapped[list["Invoice"]] = relationship(back_populates="credited_invoice")

    #: Columns that follow-up may change; every other column is frozen once issued.
    FOLLOW_UP = frozenset({"sent_on", "sent_via", "paid_on", "reminded_on"})

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def paid_amount(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def credited_amount(self) -> int:
        """What credit notes have taken off this invoice, as a positive amount."""
        return -sum(c.total_amount for c in self.credit_notes)

    @property
    def refunded_amount(self) -> int:
        return sum(r.amount for r in self.refunds)

    @property
    def balance(self) -> int:
        """What is still to be paid; negative when more was paid than is left after credit notes."""
        if self.is_credit_note:
            return 0
        return self.total_amount - self.credited_amount - self.paid_amount + self.refunded_amount

    @property
    def to_pay(self) -> int:
        """What the buyer still owes (never less than nothing)."""
        return max(self.balance, 0)

    @property
    def owed_back(self) -> int:
        """What the buyer paid and is owed back after a credit note, until the refund is recorded."""
        return max(-self.balance, 0)

    @property
    def buyer_postal_lines(self) -> list[str]:
        """The buyer's postal address as printed: street, then postcode and city."""
        if not (self.buyer_street or self.buyer_city):
            return []
        return [self.buyer_street, f"{self.buyer_postcode} {self.buyer_city}".strip()]

    @property
    def status(self) -> str:
        """issued, sent, paid, refund_due, credited (wholly) or, for a credit note, credit_note."""
        if self.is_credit_note:
            return "credit_note"
        if self.owed_back > 0:
            return "refund_due"
        if self.credited_amount >= self.total_amount:
            return "credited"
        if self.paid_on is not None or self.balance <= 0:
            return "paid"
        if self.sent_on is not None:
            return "sent"
        return "issued"

    @property
    def status_label(self):
        return INVOICE_STATUS_LABELS[self.status]

    @property
    def vat_rate(self) -> int:
        return 25 if self.vat_treatment == VatTreatment.STANDARD else 0

    @property
    def delivery_label(self):
        return Delivery(self.delivery).label

    @property
    def sent_via_label(self):
        return Delivery(self.sent_via).label if self.sent_via in set(Delivery) else self.sent_via

    def __repr__(self):
        return f"<Invoice {self.number} {self.kind}>"


INVOICE_STATUS_LABELS = {
    "issued": _l("Issued"),
    "sent": _l("Sent"),
    "paid": _l("Paid"),
    "credited": _l("Credited"),
    "refund_due": _l("Refund due"),
    "credit_note": _l("Credit note"),
}


class InvoiceLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: The charge this line bills; unique, so no fee is ever invoiced twice. None on credit notes.
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("no_show_charge.id"), unique=True)
    #: On a credit note: the invoice line it reverses; unique, so a line is credited at most once.
    credited_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_line.id"), unique=True)
    #: The person whose place this line charges (a paid event's price); None for fees and on credit notes.
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    attendee_name: Mapped[str] = mapped_column(String(401), default="")
    #: Amounts in öre; negative on credit notes.
    net_amount: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[int] = mapped_column(Integer)
    vat_amount: Mapped[int] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    charge: Mapped[NoShowCharge | None] = relationship()

    @property
    def total_amount(self) -> int:
        return self.net_amount + self.vat_amount


class Payment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class Refund(db.Model):
    """Money paid back to a buyer whose paid invoice was credited, as finance recorded it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    #: The day the money left the account.
    paid_on: Mapped[date] = mapped_column(Date)
    #: In öre, positive.
    amount: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="refunds")


class FrozenInvoiceError(RuntimeError):
    """Code tried to change or delete an issued invoice; corrections are credit notes."""


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


@orm_event.listens_for(Session, "before_flush")
def _issued_invoices_are_frozen(session, flush_context, instances):
    """Rule 7: nothing on an issued invoice changes except its follow-up (sent, paid)."""
    for obj in session.dirty:
        if isinstance(obj, Invoice) and inspect(obj).persistent:
            frozen = _changed_columns(obj) - Invoice.FOLLOW_UP
        elif isinstance(obj, InvoiceLine) and inspect(obj).persistent:
            frozen = _changed_columns(obj)
        else:
            continue
        if frozen:
            raise FrozenInvoiceError(f"issued {type(obj).__name__} cannot change: {sorted(frozen)}")
    for obj in session.deleted:
        if isinstance(obj, Invoice | InvoiceLine | Payment | Refund):
            raise FrozenInvoiceError(f"issued {type(obj).__name__} cannot be deleted")
